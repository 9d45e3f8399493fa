"""Keystrokes to capture each kind of note, driven with the Pilot the way a user types.

`python -m benchmarks.keystrokes` prints the table; `benchmarks/__main__.py` adds it to
its report. Each scenario is a realistic capture just after the event: title, when,
end, the notes, organizations and codes, and the kind's own fields; the saved note is
checked field by field, so a scenario that no longer works fails loudly.

Keys are counted by what they are for:
- text: characters typed into fields;
- tags: Enter or comma adding a tag, a letter picking a choice in a list;
- navigation: Tab, shift+Tab, Enter moving on, ctrl+o (the kind's fields), ctrl+n;
- commands: the key opening the form, ctrl+s saving it.

Seconds: a typist's at 3.3 keys a second (about 40 words a minute); and the app's own
time to handle the whole capture when every key arrives at once (a paste-fast burst,
as a terminal delivers it), to the saved note.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

TYPIST_KEYS_PER_S = 3.3
GOAL_NAVIGATION = 10
KEY_NAMES = {
    " ": "space",
    ",": "comma",
    "/": "slash",
    ":": "colon",
    "+": "plus",
    "-": "minus",
    ".": "full_stop",
}


@dataclass
class Scenario:
    kind: str
    open_key: str
    steps: list[tuple[str, str]]  # (category, keys or text)
    expect: dict[str, Any]
    counts: dict[str, int] = field(default_factory=dict)


def text(value: str) -> tuple[str, str]:
    return ("text", value)


def nav(key: str) -> tuple[str, str]:
    return ("navigation", key)


def tag(key: str) -> tuple[str, str]:
    return ("tags", key)


SCENARIOS = [
    Scenario(
        "meeting",
        "m",
        [
            text("Coalition monthly"),
            nav("tab"),
            text("today 3pm"),
            nav("tab"),
            text("+90m"),
            nav("tab"),
            text("Twelve present. Vice unit asked for referrals; the clinic refused."),
            nav("tab"),
            text("Harbor Rights"),
            tag("enter"),
            text("Eastgate"),
            tag("enter"),
            nav("tab"),
            text("legitimacy"),
            tag("enter"),
            nav("tab"),
            text("Church hall"),
            nav("ctrl+o"),
            text("Harbor"),
            nav("enter"),  # Enter takes the grey completion and moves on
            text("budget; outreach"),
        ],
        {
            "title": "Coalition monthly",
            "end": "2016-01-17T16:30",
            "organizations": ["Harbor Rights Collective", "Eastgate"],
            "codes": ["legitimacy"],
            "location": "Church hall",
            "host": "Harbor Rights Collective",
            "agenda": "budget; outreach",
        },
    ),
    Scenario(
        "event",
        "v",
        [
            text("Vigil for Amina"),
            nav("tab"),
            text("yesterday 6pm"),
            nav("tab"),
            text("8pm"),
            nav("tab"),
            text("Two hundred people; speeches by both coalitions."),
            nav("tab"),
            text("Northside"),
            tag("enter"),
            text("Harbor Rights"),
            tag("enter"),
            nav("tab"),
            text("framing"),
            tag("enter"),
            nav("ctrl+o"),
            text("vigil"),
            nav("enter"),
            text("Harbor Rights"),
            tag("enter"),
        ],
        {
            "title": "Vigil for Amina",
            "start": "2016-01-16T18:00",
            "event_type": "vigil",
            "organizers": ["Harbor Rights Collective"],
            "organizations": ["Northside", "Harbor Rights Collective"],
        },
    ),
    Scenario(
        "interview",
        "i",
        [
            text("Clinic director"),
            nav("tab"),
            text("today 11am"),
            nav("tab"),
            text("+1h"),
            nav("tab"),
            text("She described the referral pathway and the new police protocol."),
            nav("tab"),
            nav("tab"),
            text("resources"),
            tag("enter"),
            nav("ctrl+o"),
            text("P-0"),
            nav("enter"),  # completes P-04, fills role and consent, on to the format
            tag("i"),
            nav("tab"),
            nav("tab"),  # consent: already "written", from the registry
            text("rec-0117.m4a"),
        ],
        {
            "title": "Clinic director",
            "informant": "P-04",
            "informant_role": "clinic director",
            "interview_format": "informal",
            "consent": "written",
            "recording_ref": "rec-0117.m4a",
            "organizations": ["Mercy Street Health Clinic"],
        },
    ),
]


def _keys(category: str, value: str) -> list[str]:
    if category == "text":
        return [KEY_NAMES.get(ch, ch) for ch in value]
    return [value]


def _seeded(db: Path) -> Any:
    from fieldnotes.model import Informant, Organization
    from fieldnotes.service import FieldNotes

    service = FieldNotes.open(db)
    service.registries.save_organization(Organization("Harbor Rights Collective"))
    service.registries.save_organization(Organization("Mercy Street Health Clinic"))
    service.registries.save_informant(
        Informant(
            "P-04", role="clinic director", organization="Mercy Street Health Clinic", consent="written"
        )
    )
    return service


async def burst_seconds(scenario: Scenario, db: Path) -> float:
    """Every key of the capture posted at once; seconds until the note is saved."""
    from textual import events

    from fieldnotes.tui.app import FieldnotesApp

    service = _seeded(db)
    app = FieldnotesApp(service, now=lambda: datetime(2016, 1, 17, 17, 0))
    keys = [scenario.open_key]
    for category, value in scenario.steps:
        keys += _keys(category, value)
    keys.append("ctrl+s")
    characters = {v: k for k, v in KEY_NAMES.items()}
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        started = time.perf_counter()
        for key in keys:
            app.post_message(events.Key(key, characters.get(key, key if len(key) == 1 else None)))
        while service.count() == 0 and time.perf_counter() - started < 30:
            await asyncio.sleep(0.005)
        elapsed = time.perf_counter() - started
    check(scenario, service)
    service.close()
    return elapsed


def check(scenario: Scenario, service: Any) -> None:
    """The note saved is the one the scenario typed, field by field."""
    notes = service.notes()
    if len(notes) != 1:
        raise AssertionError(f"{scenario.kind}: the note was not saved ({len(notes)} notes)")
    for name, wanted in scenario.expect.items():
        got = getattr(notes[0], name)
        if got != wanted:
            raise AssertionError(f"{scenario.kind}: {name} is {got!r}, not {wanted!r}")


def navigation_keys(scenario: Scenario) -> int:
    return sum(len(_keys(category, value)) for category, value in scenario.steps if category == "navigation")


async def run_scenario(scenario: Scenario, db: Path) -> dict[str, Any]:
    from fieldnotes.tui.app import FieldnotesApp

    service = _seeded(db)
    app = FieldnotesApp(service, now=lambda: datetime(2016, 1, 17, 17, 0))
    counts = {"text": 0, "tags": 0, "navigation": 0, "commands": 2}
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press(scenario.open_key)
        for category, value in scenario.steps:
            keys = _keys(category, value)
            counts[category] += len(keys)
            await pilot.press(*keys)
        await pilot.press("ctrl+s")
        for _ in range(5):
            await pilot.pause()
    check(scenario, service)
    service.close()
    total = sum(counts.values())
    return {
        "kind": scenario.kind,
        **counts,
        "total": total,
        "typist_s": total / TYPIST_KEYS_PER_S,
        "burst_s": await burst_seconds(scenario, db.with_name(db.stem + "-burst.json")),
    }


def measure() -> list[dict[str, Any]]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="fieldnotes-keys-") as tmp:
        os.environ["FIELDNOTES_CONFIG"] = str(Path(tmp) / "config.toml")  # default preferences
        for scenario in SCENARIOS:
            rows.append(asyncio.run(run_scenario(scenario, Path(tmp) / f"{scenario.kind}.json")))
    return rows


def render(rows: list[dict[str, Any]]) -> str:
    header = (
        "| kind | text | tags & choices | navigation | commands | total keys | typist s | app s (burst) |"
    )
    lines = [header, "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        lines.append(
            f"| {row['kind']} | {row['text']} | {row['tags']} | {row['navigation']} | {row['commands']} "
            f"| {row['total']} | {row['typist_s']:.0f} | {row['burst_s']:.2f} |"
        )
    worst = max(row["navigation"] for row in rows)
    verdict = "met" if worst < GOAL_NAVIGATION else "NOT met"
    lines.append(
        f"\nNavigation keys: at most {worst} for any kind (goal: under {GOAL_NAVIGATION}) -> {verdict}"
    )
    return "\n".join(lines)


def main() -> None:
    print(render(measure()))


if __name__ == "__main__":
    main()
