"""How every screen and dialog looks, at 80x24 and 160x40, with a fixed clock and no blinking cursor.

Update after an intended change of look with: pytest tests/test_snapshots.py --snapshot-update
(and look at each changed picture before committing it).
"""

from __future__ import annotations

import itertools
import shutil
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from fieldnotes.model import Code, Informant, Organization
from fieldnotes.service import FieldNotes, encrypt_database
from fieldnotes.tui.app import FieldnotesApp
from tests.conftest import make_note
from tests.test_tui_keys import burst, settle

SIZES = [(80, 24), (160, 40)]
CLOCK = datetime(2016, 1, 17, 8, 30)
EXPORTS = Path("/tmp/fieldnotes-snapshot-exports")  # a fixed place: the summary names it


@pytest.fixture(autouse=True)
def fixed_home_and_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The export dialog's default place is under the home folder, and a note view says when
    the note was saved: the same on every machine, every day."""
    monkeypatch.setenv("HOME", "/home/researcher")
    monkeypatch.setattr("fieldnotes.service.now_stamp", lambda: "2016-01-17T08:06:00")
    counter = itertools.count(1)
    monkeypatch.setattr(uuid, "uuid4", lambda: uuid.UUID(int=next(counter)))  # note ids


def study(path: Path) -> FieldNotes:
    svc = FieldNotes.open(path)
    svc.registries.save_organization(
        Organization("Harbor Rights Collective", type="advocacy: sex-worker rights", aliases=["HRC"])
    )
    svc.registries.save_code(Code("framing", description="How the problem is named", origin="deductive"))
    svc.registries.save_code(Code("framing: worker", parent="framing", origin="deductive"))
    svc.registries.save_informant(Informant("P-04", role="clinic director", consent="written"))
    svc.add(
        make_note(
            title="Rights collective monthly meeting",
            start="2015-06-03T18:00",
            end="2015-06-03T19:30",
            organizations=["Harbor Rights Collective", "Eastgate Drop-in Centre"],
            codes=["collaboration frequency", "framing: worker"],
            body="Twelve present.",
        )
    )
    svc.add(
        make_note(
            kind="event",
            title="Panel: responses to trafficking",
            start="2015-09-12T10:00",
            organizations=["Northside Abolition Coalition", "City Police Vice Unit"],
            codes=["arrest and rescue", "legitimacy"],
            event_type="panel",
        )
    )
    svc.add(
        make_note(
            kind="interview",
            title="Key informant: clinic director",
            start="2015-11-20T14:00",
            organizations=["Mercy Street Health Clinic"],
            codes=["resources"],
            informant="P-04",
            consent="written",
            body="She described the referral pathway.",
        )
    )
    svc.jot("Director arrives late", now=datetime(2016, 1, 17, 8, 5))
    return svc


def steady(app: FieldnotesApp) -> FieldnotesApp:
    app.sub_title = "fieldnotes.json"  # not the random test folder
    return app


async def no_blink(pilot: Pilot[None]) -> None:
    await settle(pilot)
    for widget in pilot.app.screen.query("Input, TextArea"):
        widget.cursor_blink = False  # type: ignore[attr-defined]
    await settle(pilot)


def keys_then_still(*parts: str) -> Callable[[Pilot[None]], Awaitable[None]]:
    async def run(pilot: Pilot[None]) -> None:
        await settle(pilot)
        burst(pilot.app, *parts)  # type: ignore[arg-type]
        await no_blink(pilot)

    return run


def app_on(tmp_path: Path, *, empty: bool = False) -> FieldnotesApp:
    service = FieldNotes.open(tmp_path / "db.json") if empty else study(tmp_path / "db.json")
    return steady(FieldnotesApp(service, now=lambda: CLOCK))


SCREENS: dict[str, tuple[str, ...]] = {
    "main": (),
    "search": ("/", "reunion"),
    "jot-bar": ("j", "vote postponed"),
    "form-meeting": ("m",),
    "form-event": ("v",),
    "form-interview": ("i",),
    "form-interview-details": ("i", "ctrl+o"),
    "form-errors": ("m", "tab", "1/2/2016 9am", "tab", "8am", "tab", "tab", "Nor,"),
    "new-name-question": ("m", "Budget", "tab", "tab", "tab", "tab", "Nort,", "tab", "legitmacy,", "ctrl+s"),
    "write-up": ("e",),  # the jotted note, newest, is highlighted
    "note": ("enter",),
    "help": ("?",),
    "kind-picker": ("n",),
    "delete-question": ("d",),
    "filter": ("f",),
    "export": ("x",),
    "organizations": ("o",),
    "informants": ("p",),
    "informant-form": ("p", "e"),
    "codebook": ("c",),
    "reports": ("r",),
    "reports-network": ("r", "3"),
    "reports-codes": ("r", "4"),
}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("screen", list(SCREENS))
def test_screen(snap_compare, tmp_path: Path, size: tuple[int, int], screen: str) -> None:
    assert snap_compare(app_on(tmp_path), terminal_size=size, run_before=keys_then_still(*SCREENS[screen]))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_first_run(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(app_on(tmp_path, empty=True), terminal_size=size, run_before=no_blink)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_drafts_on_start(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    app = app_on(tmp_path)
    app.service.keep_draft(
        "new-1",
        {
            "kind": "meeting",
            "saved_at": "2016-01-16 17:40",
            "fields": {"title": "Coalition", "body": "Twelve"},
        },
    )
    app.service.keep_draft(
        "legacy", {"kind": "interview", "saved_at": "2015-12-01 09:00", "fields": {"title": ""}}
    )
    assert snap_compare(app, terminal_size=size, run_before=no_blink)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_project_settings(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    async def run(pilot: Pilot[None]) -> None:
        await settle(pilot)
        pilot.app.action_project()  # type: ignore[attr-defined]
        await no_blink(pilot)

    assert snap_compare(app_on(tmp_path), terminal_size=size, run_before=run)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_unlock(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    db = tmp_path / "db.json"
    FieldNotes.open(db).close()
    encrypt_database(db, "a passphrase")
    app = FieldnotesApp(None, db_path=db, now=lambda: CLOCK)
    app.sub_title = "fieldnotes.json"
    assert snap_compare(app, terminal_size=size, run_before=no_blink)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("outcome", ["summary", "exists"])
def test_export_result(snap_compare, tmp_path: Path, size: tuple[int, int], outcome: str) -> None:
    """A long summary, and the error of an export to a folder that holds one already."""
    target = EXPORTS / f"{outcome}-{size[0]}"
    shutil.rmtree(target, ignore_errors=True)
    if outcome == "exists":
        target.mkdir(parents=True)
        (target / "notes.csv").write_text("already here")

    async def run(pilot: Pilot[None]) -> None:
        await settle(pilot)
        burst(pilot.app, "x")  # type: ignore[arg-type]
        await settle(pilot)
        pilot.app.screen.query_one("#x-path", Input).value = str(target)
        burst(pilot.app, "ctrl+s")  # type: ignore[arg-type]
        await pilot.app.workers.wait_for_complete()
        await no_blink(pilot)

    assert snap_compare(app_on(tmp_path), terminal_size=size, run_before=run)
