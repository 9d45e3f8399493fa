"""The Conflicts screen and the conflicted copies offered at start, driven headless."""

from __future__ import annotations

import shutil
from pathlib import Path

from textual.widgets import TextArea

from fieldnotes.merge.conflicts import list_conflicts
from fieldnotes.merge.files import merge_into, read_copy
from fieldnotes.model import Note
from fieldnotes.service import FieldNotes
from fieldnotes.tui.app import FieldnotesApp
from fieldnotes.tui.dialogs.confirm import ConfirmDialog
from fieldnotes.tui.screens.conflicts import ConflictsScreen
from tests.conftest import make_note, shown_text
from tests.test_tui import make_app


def diverge(db_path: Path, tmp_path: Path, *, delete: bool = False) -> tuple[Path, str]:
    """A conflict in the database at `db_path`: its body changed on a second copy too
    (or the note deleted here and edited there). Returns the second copy and the note id."""
    with FieldNotes.open(db_path) as service:
        note = service.add(make_note(title="Shared", body="base"))
        service.store.flush()
    other = tmp_path / "other" / "notes.json"
    other.parent.mkdir()
    shutil.copyfile(db_path, other)
    for path, body in ((db_path, "mine: RTL שלום"), (other, "theirs: 🎉\nline two")):
        with FieldNotes.open(path) as service:
            if delete and path == db_path:
                service.delete(note.id)
                continue
            service.update(Note.from_dict({**service.get(note.id).to_dict(), "body": body}))
    merge_into(db_path, read_copy(other))
    return other, note.id


async def test_pick_a_value_resolves_the_conflict(db_path: Path, tmp_path: Path) -> None:
    _, note_id = diverge(db_path, tmp_path)
    with FieldNotes.open(db_path) as service:
        app = make_app(service)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("ctrl+k")
            await pilot.pause()
            assert isinstance(app.screen, ConflictsScreen)
            (conflict,) = app.screen.conflicts
            first = conflict.values[0]["value"]
            await pilot.press("1")
            await pilot.pause()
            assert app.screen.conflicts == []
            assert service.get(note_id).body == first
            assert list_conflicts(service) == []
            await pilot.press("escape")
            await pilot.pause()
            assert not isinstance(app.screen, ConflictsScreen)


async def test_an_edited_combined_value_is_saved(db_path: Path, tmp_path: Path) -> None:
    _, note_id = diverge(db_path, tmp_path)
    with FieldNotes.open(db_path) as service:
        app = make_app(service)
        async with app.run_test(size=(120, 40)) as pilot:
            app.action_conflicts()
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, ConflictsScreen)
            area = screen.query_one("#cf-combined", TextArea)
            assert "mine: RTL שלום" in area.text and "theirs: 🎉" in area.text  # both, to edit
            area.text = "both, combined by hand"
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert service.get(note_id).body == "both, combined by hand"
            assert list_conflicts(service) == []


async def test_an_edit_against_a_delete_is_kept_with_k(db_path: Path, tmp_path: Path) -> None:
    _, note_id = diverge(db_path, tmp_path, delete=True)
    with FieldNotes.open(db_path) as service:
        app = make_app(service)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("ctrl+k")
            await pilot.pause()
            await pilot.press("1")  # not a field conflict: picking a value does nothing
            await pilot.pause()
            assert len(list_conflicts(service)) == 1
            await pilot.press("k")
            await pilot.pause()
            assert list_conflicts(service) == [] and service.get(note_id).title == "Shared"


async def test_at_start_a_conflicted_copy_is_offered_and_merged(db_path: Path, tmp_path: Path) -> None:
    with FieldNotes.open(db_path) as service:
        service.add(make_note(title="Here"))
        service.store.flush()
    copy = db_path.with_name("notes.sync-conflict-20160117-083012-ABCDEF1.json")
    shutil.copyfile(db_path, copy)
    with FieldNotes.open(copy) as other:
        other.add(make_note(title="Only in the copy"))
    (copy.parent / (copy.name + ".lock")).unlink(missing_ok=True)
    with FieldNotes.open(db_path) as service:
        app = FieldnotesApp(service)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            assert isinstance(app.screen, ConfirmDialog)
            await pilot.press("y")
            await pilot.pause()
            assert {n.title for n in service.notes()} == {"Here", "Only in the copy"}
    assert not copy.exists() and (db_path.parent / "backups" / "merged-copies" / copy.name).exists()


async def test_a_conflicted_note_is_flagged_in_the_list_and_the_note_until_resolved(
    db_path: Path, tmp_path: Path
) -> None:
    from textual.widgets import Static

    from fieldnotes.tui.screens.main import MainScreen
    from fieldnotes.tui.screens.note_detail import NoteDetailScreen

    diverge(db_path, tmp_path)
    with FieldNotes.open(db_path) as service:
        app = make_app(service)
        async with app.run_test(size=(120, 40)) as pilot:
            main = app.screen
            assert isinstance(main, MainScreen)
            assert str(main.table.get_row_at(0)[2]).startswith("⚠ Shared")
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, NoteDetailScreen)
            head = shown_text(app.screen.query_one("#detail-body", Static))
            assert "two copies disagree on body" in head
            await pilot.press("escape", "ctrl+k")
            await pilot.pause()
            await pilot.press("1", "escape")
            await pilot.pause()
            assert app.screen is main
            assert str(main.table.get_row_at(0)[2]) == "Shared"


def test_the_command_line_flags_a_conflicted_note_in_list_and_show(db_path: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from fieldnotes.cli.main import cli

    _, note_id = diverge(db_path, tmp_path)
    runner = CliRunner()
    listed = runner.invoke(cli, ["--db", str(db_path), "list"])
    assert listed.exit_code == 0 and "⚠ conflict" in listed.output
    shown = runner.invoke(cli, ["--db", str(db_path), "show", note_id[:8]])
    assert "⚠ conflict: two copies disagree on body" in shown.output
    with FieldNotes.open(db_path) as service:
        (conflict,) = list_conflicts(service)
        from fieldnotes.merge.conflicts import resolve

        resolve(service, conflict, "settled")
    assert "⚠" not in runner.invoke(cli, ["--db", str(db_path), "list"]).output
