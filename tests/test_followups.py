"""Follow-ups as tracked items: one per line of a note's follow-ups, with nothing of the text lost."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldnotes.cli.main import cli
from fieldnotes.errors import NotFoundError, ValidationError
from fieldnotes.export.nvivo import FOLLOWUPS
from fieldnotes.followups import item_ids, parse_due
from fieldnotes.model import Informant, Organization
from fieldnotes.service import FieldNotes
from fieldnotes.tui.app import FieldnotesApp
from fieldnotes.tui.screens.followups import FollowupsScreen
from fieldnotes.tui.screens.note_form import NoteFormScreen
from fieldnotes.tui.widgets.open_followups import OpenFollowups
from tests.conftest import ODD_TEXTS, make_note

ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=200) | st.sampled_from(
    [*ODD_TEXTS, "a\u2028b\u2029c\x85d\x0be\x0cf\x1cg", "İstanbul\nısparta\n\n\n  \t \n", "e\u0301\n𝔘𝔫𝔦"]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=ANY_TEXT)
def test_any_followups_text_becomes_items_that_keep_every_line(tmp_path: Path, text: str) -> None:
    """Migration by reading: whatever a note's follow-ups hold, each line that is not blank is an
    item with exactly that line's text (spaces at its ends aside), in order; the note's text is
    never rewritten; the ids are the same on every read and after reopening."""
    db = tmp_path / f"db-{abs(hash(text))}.json"
    with FieldNotes.open(db) as service:
        note = service.add(make_note(followups=text))
        items = service.followups.of_note(note)
        assert [item.text for item in items] == [line.strip() for line in text.splitlines() if line.strip()]
        assert all(item.text and item.text in text for item in items)
        assert len({item.id for item in items}) == len(items)
        assert service.get(note.id).followups == text
        first_read = [(item.id, item.text) for item in service.followups.items()]
        assert first_read == [(item.id, item.text) for item in service.followups.items()]
    with FieldNotes.open(db) as service:
        assert [(item.id, item.text) for item in service.followups.items()] == first_read
        assert service.get(note.id).followups == text


def test_a_database_from_before_items_has_its_items_without_any_change(db_path: Path) -> None:
    text = "Call Eastgate about beds\n\n  - send the minutes  \nCall Eastgate about beds\n"
    with FieldNotes.open(db_path) as service:
        service.registries.save_organization(Organization("Eastgate"))
        service.store.flush()
    stored = orjson.loads(db_path.read_bytes())
    stored["notes"] = {"1": make_note(followups=text).to_dict()}
    db_path.write_bytes(orjson.dumps(stored))
    before = db_path.read_bytes()
    with FieldNotes.open(db_path) as service:
        items = service.followups.items()
        assert [item.text for item in items] == [
            "Call Eastgate about beds",
            "- send the minutes",
            "Call Eastgate about beds",
        ]
        assert all(item.is_open for item in items)
    assert db_path.read_bytes() == before  # reading migrates nothing on disk


def test_item_ids_are_short_stable_and_survive_reordering() -> None:
    ids = item_ids("note-1", ["a", "b", "a"])
    assert len(set(ids)) == 3 and all(len(i) == 16 for i in ids)
    reordered = item_ids("note-1", ["b", "a", "a"])
    assert reordered[0] == ids[1] and set(reordered) == set(ids)
    assert item_ids("note-2", ["a"])[0] != ids[0]


def test_done_reopen_and_ids_by_prefix(service: FieldNotes) -> None:
    service.add(make_note(followups="one\ntwo"))
    one, _two = service.followups.items()
    assert service.followups.set_done(one.id[:4]).status == "done"
    assert [i.text for i in service.followups.items(open_only=True)] == ["two"]
    assert service.followups.items()[-1].done_at  # done ones last, with when
    assert service.followups.set_done(one.id[:6], False).is_open
    with pytest.raises(NotFoundError, match="too short"):
        service.followups.get(one.id[:3])
    with pytest.raises(NotFoundError, match="no follow-up"):
        service.followups.get("zzzz")


def test_editing_a_line_keeps_its_state_removing_it_drops_the_state(service: FieldNotes) -> None:
    note = service.add(make_note(followups="Call Eastgate\nSend minutes\nBook room"))
    call, send, _ = service.followups.items()
    service.followups.set_done(call.id)
    service.followups.edit(send.id, due="2016-02-01", concerns="Eastgate")
    note.followups = "Call Eastgate drop-in\nBook room\nSend minutes"  # a typo fixed, lines moved
    service.update(note)
    by_text = {item.text: item for item in service.followups.items()}
    assert by_text["Call Eastgate drop-in"].status == "done"
    assert (by_text["Send minutes"].due, by_text["Send minutes"].concerns) == ("2016-02-01", "Eastgate")
    note.followups = "Book room"
    service.update(note)
    assert len(service.followups.states()) == 0


def test_due_dates_are_read_the_way_people_say_them() -> None:
    wednesday = date(2016, 1, 13)
    assert parse_due("friday", today=wednesday) == "2016-01-15"
    assert parse_due("Wed", today=wednesday) == "2016-01-13"
    assert parse_due("next wednesday", today=wednesday) == "2016-01-20"
    assert parse_due("tomorrow", today=wednesday) == "2016-01-14"
    assert parse_due("in 2 weeks", today=wednesday) == "2016-01-27"
    assert parse_due("1 Feb 2016", today=wednesday) == "2016-02-01"
    assert parse_due("2/1/2016", today=wednesday, dayfirst=True) == "2016-01-02"
    assert parse_due("none", today=wednesday) == ""
    with pytest.raises(ValidationError, match="due date"):
        parse_due("someday soon", today=wednesday)


def test_open_items_first_overdue_by_due_then_done(service: FieldNotes) -> None:
    service.add(make_note(start="2016-01-01T10:00", followups="late\nundated\nsoon\nfinished"))
    late, _undated, soon, finished = service.followups.items()
    service.followups.edit(late.id, due="2016-01-05")
    service.followups.edit(soon.id, due="2016-01-20")
    service.followups.set_done(finished.id)
    items = service.followups.items()
    assert [i.text for i in items] == ["late", "soon", "undated", "finished"]
    assert [i.overdue("2016-01-17") for i in items] == [True, False, False, False]


def test_what_an_item_concerns_follows_the_registry(service: FieldNotes) -> None:
    service.registries.save_organization(Organization("Lantern Legal Aid", aliases=["Lantern"]))
    service.registries.save_informant(Informant("P-03"))
    service.add(make_note(organizations=["Eastgate"], followups="ask about records\nthank them"))
    records, thanks = service.followups.items()
    assert service.followups.edit(records.id, concerns=" lantern ").concerns == "Lantern Legal Aid"
    assert service.followups.edit(thanks.id, concerns="p-03").concerns == "P-03"
    assert [i.text for i in service.followups.open_for(["Lantern"])] == ["ask about records"]
    assert [i.text for i in service.followups.open_for(["eastgate"])] == []  # both have their own
    service.followups.edit(thanks.id, concerns="")
    assert [i.text for i in service.followups.open_for(["eastgate"])] == ["thank them"]  # the note's
    service.registries.rename_organization("Lantern Legal Aid", "Lantern Law")
    assert service.followups.get(records.id).concerns == "Lantern Law"


def test_add_appends_a_line_and_never_touches_the_others(service: FieldNotes) -> None:
    odd = 'She said "no"\r\n=SUM(A1)\n\n'
    note = service.add(make_note(followups=odd))
    item = service.followups.add(note.id[:8], "Call  Sgt.  Li\nback", due="2016-02-01", concerns="Police")
    assert item.text == "Call Sgt. Li back" and item.due == "2016-02-01"
    assert service.get(note.id).followups == 'She said "no"\r\n=SUM(A1)\nCall Sgt. Li back'
    with pytest.raises(ValidationError):
        service.followups.add(note.id, "   ")


def test_cli_lists_marks_and_edits_items(tmp_path: Path) -> None:
    runner = CliRunner()
    db = ["--db", str(tmp_path / "db.json")]
    note_id = runner.invoke(
        cli,
        [*db, "add", "--kind", "meeting", "--title", "m", "--followups", "Call them\nWrite up", "--body", ""],
    ).output.strip()
    items = json.loads(runner.invoke(cli, [*db, "followups", "--json"]).output)
    assert [i["text"] for i in items] == ["Call them", "Write up"] and items[0]["status"] == "open"
    assert runner.invoke(cli, [*db, "followups", "done", items[0]["id"][:4]]).exit_code == 0
    listed = runner.invoke(cli, [*db, "followups", "--open"]).output
    assert "Write up" in listed and "Call them" not in listed
    assert runner.invoke(cli, [*db, "followups", "reopen", items[0]["id"]]).exit_code == 0
    edited = runner.invoke(
        cli, [*db, "followups", "edit", items[1]["id"], "--due", "1 Jan 2016", "--concerns", "X"]
    )
    assert edited.exit_code == 0 and "[!]" in edited.output and "OVERDUE" in edited.output
    added = runner.invoke(cli, [*db, "followups", "add", note_id[:8], "Thank them", "--due", "tomorrow"])
    assert added.exit_code == 0 and "Thank them" in added.output
    assert len(json.loads(runner.invoke(cli, [*db, "followups", "list", "--org", "X", "--json"]).output)) == 1
    for bad in (
        ["followups", "done", "abc"],
        ["followups", "edit", items[0]["id"]],
        ["followups", "done", "ffff"],
    ):
        result = runner.invoke(cli, [*db, *bad])
        assert result.exit_code == 2 and "Traceback" not in result.output, bad


# ---------------------------------------------------------------------- the app
CLOCK = datetime(2016, 1, 17, 8, 30)


async def test_followups_screen_lists_marks_overdue_and_ticks_items_off(service: FieldNotes) -> None:
    service.add(make_note(followups="late one\nlater one"))
    late, _ = service.followups.items()
    service.followups.edit(late.id, due="2016-01-10")
    app = FieldnotesApp(service, now=lambda: CLOCK)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("F")
        screen = app.screen
        assert isinstance(screen, FollowupsScreen)
        assert "1 overdue" in str(screen.query_one("#fu-summary").render())
        assert "overdue" in str(screen.table.get_row_at(0)[2])
        await pilot.press("space")
        await pilot.pause()
        assert service.followups.get(late.id).status == "done"
        await pilot.press("o")
        await pilot.pause()
        assert screen.table.row_count == 1
        await pilot.press("enter")
        await pilot.pause()
        assert type(app.screen).__name__ == "NoteDetailScreen"


async def test_a_new_note_with_an_organization_shows_its_open_followups(service: FieldNotes) -> None:
    service.registries.save_organization(Organization("Lantern Legal Aid"))
    service.add(make_note(organizations=["Lantern Legal Aid"], followups="Ask about records clearing"))
    service.add(make_note(organizations=["Other Org"], followups="Not this one"))
    app = FieldnotesApp(service, now=lambda: CLOCK)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, NoteFormScreen)
        panel = app.screen.query_one("#open-followups", OpenFollowups)
        assert not panel.display
        app.screen.query_one("#organizations").entry.focus()
        await pilot.press(*"Lantern")
        await pilot.pause()
        assert not panel.display  # still being typed
        await pilot.press("enter")
        await pilot.pause()
        assert panel.display and [item.text for item in panel.items] == ["Ask about records clearing"]


def test_only_the_nvivo_sheets_take_the_follow_up_items(service: FieldNotes, tmp_path: Path) -> None:
    """The items go into an export's snapshot (and its name check) for the NVivo sheets only;
    the other formats, which never write them, do not build them."""
    note = service.add(make_note(followups="Send minutes\nCall back"))
    service.followups.edit(service.followups.of_note(note)[0].id, concerns="Eastgate")
    assert [item.text for item in service.prepare_export(check=False).followups] == [
        "Send minutes",
        "Call back",
    ]
    assert service.prepare_export(check=False, followups=False).followups == []
    service.export_nvivo(tmp_path / "sheets")
    assert "Eastgate" in (tmp_path / "sheets" / f"{FOLLOWUPS}.csv").read_text(encoding="utf-8-sig")
    service.export_qdpx(tmp_path / "project.qdpx")  # written from a snapshot without them
    assert service.exports()[-1].notes == 1


@pytest.mark.parametrize("first", ["nothing", "a qdpx export"])
def test_a_rename_in_a_fresh_process_reaches_follow_ups_and_memos(
    db_path: Path, tmp_path: Path, first: str
) -> None:
    """`fieldnotes orgs rename` (or the app, after an export that builds no follow-up items)
    runs in a service that has not loaded follow-ups or memos yet: the items' concerns and
    the memos' links follow the rename all the same, in the same write."""
    from fieldnotes.memos import Memo

    with FieldNotes.open(db_path) as service:
        note = service.add(make_note(organizations=["Eastgate"], followups="Send minutes"))
        service.followups.edit(service.followups.of_note(note)[0].id, concerns="Eastgate")
        service.memos.add(Memo("On Eastgate", body="b", about=["org:Eastgate"]))
    if first == "nothing":
        result = CliRunner().invoke(
            cli, ["--db", str(db_path), "orgs", "rename", "Eastgate", "Eastgate Coalition"]
        )
        assert result.exit_code == 0, result.output
    else:
        with FieldNotes.open(db_path) as service:
            service.export_qdpx(tmp_path / "project.qdpx")
            service.registries.rename_organization("Eastgate", "Eastgate Coalition")
    with FieldNotes.open(db_path) as service:
        assert [item.concerns for item in service.followups.items()] == ["Eastgate Coalition"]
        assert [memo.about for memo in service.memos.all()] == [["org:Eastgate Coalition"]]
        assert [n.organizations for n in service.notes()] == [["Eastgate Coalition"]]
