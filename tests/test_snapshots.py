"""How the screens look, at 80x24 and 120x40, with a fixed clock and no blinking cursor.

Update after an intended change of look with: pytest tests/test_snapshots.py --snapshot-update
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from textual.pilot import Pilot

from fieldnotes.service import FieldNotes
from fieldnotes.tui.app import FieldnotesApp
from tests.conftest import make_note

SIZES = [(80, 24), (120, 40)]
CLOCK = datetime(2016, 1, 17, 8, 30)


def study(path: Path) -> FieldNotes:
    svc = FieldNotes.open(path)
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
        )
    )
    return svc


def steady(app: FieldnotesApp) -> FieldnotesApp:
    app.sub_title = "fieldnotes.json"  # not the random test folder
    return app


async def no_blink(pilot: Pilot[None]) -> None:
    for widget in pilot.app.screen.query("Input, TextArea"):
        widget.cursor_blink = False  # type: ignore[attr-defined]
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_main_screen(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    app = steady(FieldnotesApp(study(tmp_path / "db.json"), now=lambda: CLOCK))
    assert snap_compare(app, terminal_size=size, run_before=no_blink)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_first_run(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    app = steady(FieldnotesApp(FieldNotes.open(tmp_path / "db.json"), now=lambda: CLOCK))
    assert snap_compare(app, terminal_size=size, run_before=no_blink)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("key", ["m", "v", "i"], ids=["meeting", "event", "interview"])
def test_forms(snap_compare, tmp_path: Path, size: tuple[int, int], key: str) -> None:
    app = steady(FieldnotesApp(study(tmp_path / "db.json"), now=lambda: CLOCK))

    async def open_form(pilot: Pilot[None]) -> None:
        await pilot.press(key)
        await no_blink(pilot)

    assert snap_compare(app, terminal_size=size, run_before=open_form)
