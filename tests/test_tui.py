"""The capture TUI, driven headless with the Pilot: no terminal, no fixed sleeps."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Select, Static, TextArea

from benchmarks.keystrokes import KEY_NAMES
from fieldnotes.model import Code
from fieldnotes.service import FieldNotes
from fieldnotes.tui.app import FieldnotesApp
from fieldnotes.tui.dialogs.confirm import ConfirmDialog
from fieldnotes.tui.dialogs.drafts import DraftsDialog
from fieldnotes.tui.dialogs.help import HelpScreen
from fieldnotes.tui.dialogs.kind_picker import KindPicker
from fieldnotes.tui.screens import note_form
from fieldnotes.tui.screens.main import MainScreen
from fieldnotes.tui.screens.note_detail import NoteDetailScreen
from fieldnotes.tui.screens.note_form import NoteFormScreen
from fieldnotes.tui.widgets.note_table import NoteTable
from fieldnotes.tui.widgets.tag_input import TagInput
from fieldnotes.tui.widgets.when_input import WhenInput
from tests.conftest import make_note, shown_text

CLOCK = datetime(2016, 1, 17, 8, 30)


def make_app(service: FieldNotes) -> FieldnotesApp:
    return FieldnotesApp(service, now=lambda: CLOCK)


async def type_text(pilot: Pilot[None], text: str) -> None:
    await pilot.press(*[KEY_NAMES.get(ch, ch) for ch in text])


def form(app: FieldnotesApp) -> NoteFormScreen:
    assert isinstance(app.screen, NoteFormScreen)
    return app.screen


async def fill_common(pilot: Pilot[None], title: str) -> None:
    """Title, When, Ended; the cursor ends in the Notes box (the form's third stop)."""
    await type_text(pilot, title)
    await pilot.press("tab")
    await type_text(pilot, "17 Jan 2016 9am")
    await pilot.press("tab")
    await type_text(pilot, "+90m")
    await pilot.press("tab")
    pilot.app.screen.query_one("#location", Input).value = "Eastgate Drop-in Centre"


async def test_empty_database_shows_a_first_run_hint(service: FieldNotes) -> None:
    app = make_app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        hint = app.screen.query_one("#empty-hint")
        assert hint.display
        assert not app.screen.query_one(NoteTable).display
        assert "No notes yet" in str(hint.render())


async def test_meeting_end_to_end_keyboard_only(service: FieldNotes) -> None:
    app = make_app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("m")
        assert isinstance(app.screen, NoteFormScreen) and app.screen.kind == "meeting"
        await fill_common(pilot, "Coalition monthly")
        assert app.focused is app.screen.query_one("#body", TextArea)  # Notes come third
        app.screen.query_one("#body", TextArea).insert('Para one, with "quotes".\n\n=SUM(A1) 🎉 שלום')
        await pilot.press("tab")
        # Organizations: two tags, one with Enter, one with a comma.
        await type_text(pilot, "Lakeside Outreach")
        await pilot.press("enter")
        await type_text(pilot, "Harbor Clinic,")
        await pilot.press("tab")
        await type_text(pilot, "legitimacy")
        await pilot.press("enter")
        await pilot.press("ctrl+o")  # the meeting's own fields: host first
        await type_text(pilot, "Lakeside Outreach")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
    notes = service.notes()
    assert len(notes) == 1
    note = notes[0]
    assert note.kind == "meeting" and note.title == "Coalition monthly"
    assert note.start == "2016-01-17T09:00" and note.end == "2016-01-17T10:30"
    assert note.location == "Eastgate Drop-in Centre"
    assert note.organizations == ["Lakeside Outreach", "Harbor Clinic"]
    assert note.codes == ["legitimacy"]
    assert note.body == 'Para one, with "quotes".\n\n=SUM(A1) 🎉 שלום'
    assert note.host == "Lakeside Outreach"
    assert service.drafts() == []


async def test_event_end_to_end(service: FieldNotes) -> None:
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("n")
        assert isinstance(app.screen, KindPicker)
        await pilot.press("v")
        await fill_common(pilot, "Trafficking panel")
        app.screen.query_one("#event_type", Input).value = "panel"
        app.screen.query_one("#organizers", TagInput).add("Northside Abolition Coalition")
        await pilot.press("ctrl+s")
        await pilot.pause()
    note = service.notes()[0]
    assert (note.kind, note.event_type, note.organizers) == (
        "event",
        "panel",
        ["Northside Abolition Coalition"],
    )


async def test_interview_end_to_end(service: FieldNotes) -> None:
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("i")
        await fill_common(pilot, "Director interview")
        screen = app.screen
        screen.query_one("#informant", Input).value = "P-01"
        screen.query_one("#informant_role", Input).value = "director"
        screen.query_one("#consent", Select).value = "verbal"
        await pilot.press("ctrl+s")
        await pilot.pause()
    note = service.notes()[0]
    assert note.kind == "interview"
    assert (note.informant, note.informant_role, note.consent) == ("P-01", "director", "verbal")
    assert note.interview_format == "semi-structured"


async def test_when_defaults_to_now_and_echoes_live(service: FieldNotes) -> None:
    app = make_app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("m")
        when = app.screen.query_one("#when", WhenInput)
        assert when.text == "2016-01-17 08:30"
        echo = when.query_one(".when-echo")
        assert "Sun 17 Jan 2016, 08:30" in str(echo.render())
        when.entry.value = "yesterday 14:30"
        await pilot.pause()
        assert "Sat 16 Jan 2016, 14:30" in str(echo.render())


async def test_bad_date_keeps_the_text_shows_the_error_and_saves_nothing(service: FieldNotes) -> None:
    app = make_app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("m")
        await type_text(pilot, "Unsaved thoughts")
        await pilot.press("tab")
        await type_text(pilot, "the meeting")
        await pilot.pause()
        when = app.screen.query_one("#when", WhenInput)
        assert when.has_class("-invalid")
        assert "✗" in str(when.query_one(".when-echo").render())
        await pilot.press("tab")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, NoteFormScreen)  # refused
        assert app.focused is when.entry  # cursor on the bad field
        assert when.text == "the meeting"
        assert app.screen.query_one("#title", Input).value == "Unsaved thoughts"
    assert service.count() == 0


async def test_autocomplete_picks_an_existing_organization(service: FieldNotes) -> None:
    service.add(make_note(organizations=["Lakeside Outreach"]))
    app = make_app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("m")
        orgs = app.screen.query_one("#organizations", TagInput)
        orgs.entry.focus()
        await type_text(pilot, "lake")
        await pilot.pause()
        await pilot.press("enter")
        assert orgs.tags == ["Lakeside Outreach"]
        await pilot.press("backspace")  # empty box: removes the last tag
        assert orgs.tags == []


async def test_new_code_is_created_on_save_as_inductive(service: FieldNotes) -> None:
    service.registries.save_code(Code("legitimacy", origin="deductive"))
    app = make_app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("m")
        await type_text(pilot, "x")
        codes = app.screen.query_one("#codes", TagInput)
        codes.entry.focus()
        await type_text(pilot, "arrest and rescue,legit")
        await pilot.press("enter")
        assert codes.tags == ["arrest and rescue", "legitimacy"]
        await pilot.press("ctrl+s")
        await pilot.pause()
    origins = {code.name: code.origin for code in service.registries.codes()}
    assert origins == {"arrest and rescue": "inductive", "legitimacy": "deductive"}


async def test_search_narrows_the_table_and_escape_clears(service: FieldNotes) -> None:
    service.add(make_note(title="Rights collective monthly", start="2015-06-03T18:00"))
    service.add(make_note(title="Vice unit briefing", start="2015-07-03T18:00", body="raids planned"))
    service.add(make_note(title="Clinic visit", start="2015-08-03T18:00"))
    app = make_app(service)
    async with app.run_test(size=(100, 30)) as pilot:
        table = app.screen.query_one(NoteTable)
        assert table.row_count == 3
        assert [n.title for n in table.notes] == [
            "Clinic visit",
            "Vice unit briefing",
            "Rights collective monthly",
        ]
        await pilot.press("slash")
        await type_text(pilot, "RAID")
        await pilot.pause()
        assert [n.title for n in table.notes] == ["Vice unit briefing"]
        await pilot.press("escape")
        await pilot.pause()
        assert table.row_count == 3
        assert app.focused is table


async def test_filter_by_kind_from_the_command_palette_action(service: FieldNotes) -> None:
    service.add(make_note(title="A meeting"))
    service.add(make_note(title="An event", kind="event"))
    app = make_app(service)
    async with app.run_test(size=(100, 30)) as pilot:
        app.apply_filter(kind="event")
        await pilot.pause()
        assert [n.title for n in app.screen.query_one(NoteTable).notes] == ["An event"]
        commands = [c.title for c in app.get_system_commands(app.screen)]
        assert {"New meeting", "Filter…", "Show only events", "Clear filters"} <= set(commands)


async def test_the_note_view_shows_each_written_section_under_its_title(service: FieldNotes) -> None:
    body = "[bold]not markup[/bold], 08:05 Director arrives late " + "word " * 30
    note = service.add(make_note(title="Budget", body=body, private="Rosa's real name", followups=""))
    app = make_app(service)
    async with app.run_test(size=(100, 30)) as pilot:
        app.open_note(note.id)
        await pilot.pause()
        assert isinstance(app.screen, NoteDetailScreen)
        shown = shown_text(app.screen.query_one("#detail-body", Static), width=40).splitlines()
    titles = [line for line in shown if line and not line.startswith(" ")]
    assert titles[-2:] == ["Notes", "🔒 Private — never exported unless asked"]  # no empty Follow-ups
    body_lines = shown[shown.index("Notes") + 1 : shown.index(titles[-1]) - 1]
    assert len(body_lines) > 3 and all(line.startswith(" ") for line in body_lines)  # wrapped, set in
    assert " ".join(" ".join(body_lines).split()) == " ".join(body.split())
    assert shown[shown.index(titles[-1]) - 1] == ""  # a blank line before each title
    assert shown[-1].strip() == "Rosa's real name"


async def test_open_edit_and_delete(service: FieldNotes) -> None:
    note = service.add(make_note(title="Draft title", body="original body"))
    app = make_app(service)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("enter")
        assert isinstance(app.screen, NoteDetailScreen)
        await pilot.press("e")
        assert isinstance(app.screen, NoteFormScreen)
        title = app.screen.query_one("#title", Input)
        title.value = "Final title"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, NoteDetailScreen)
        assert service.get(note.id).title == "Final title"
        assert service.get(note.id).body == "original body"
        await pilot.press("d")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.pause()
        await pilot.press("escape")  # declined: nothing happens
        assert service.count() == 1
        await pilot.press("d")
        await pilot.pause()  # the question is on screen before the answer is typed
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
    assert service.count() == 0
    assert any(b.reason == "before-delete" for b in service.backups())


async def test_escape_asks_before_discarding_typing(service: FieldNotes) -> None:
    app = make_app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("m")
        await type_text(pilot, "half a thought")
        await pilot.press("escape")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.pause()
        await pilot.press("escape")  # keep editing
        assert isinstance(app.screen, NoteFormScreen)
        assert app.screen.query_one("#title", Input).value == "half a thought"
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
    assert service.count() == 0


async def test_untouched_form_leaves_without_asking(service: FieldNotes) -> None:
    app = make_app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("m")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)


async def test_draft_is_recovered_after_a_crash(
    service: FieldNotes, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(note_form, "DRAFT_QUIET_S", 0.05)
    monkeypatch.setattr(note_form, "DRAFT_CHECK_S", 0.05)
    folder = db_path.with_name(db_path.name + ".drafts")
    app = make_app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("i")
        await type_text(pilot, "Interview with P-02")
        app.screen.query_one("#body", TextArea).insert("She described the raid in detail.")
        for _ in range(200):  # wait for the debounced autosave, without a fixed sleep
            files = list(folder.glob("*.json")) if folder.exists() else []
            if files and "raid" in files[0].read_text():
                break
            await pilot.pause(0.02)
        [draft_file] = folder.glob("*.json")
        assert draft_file.name.startswith("new-")
        shutil.copytree(folder, tmp_path / "at-crash")  # what the disk held when the power went
    shutil.rmtree(folder)
    shutil.copytree(tmp_path / "at-crash", folder)
    assert service.count() == 0

    app = make_app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, DraftsDialog)
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        screen = form(app)
        assert screen.kind == "interview"
        assert screen.query_one("#title", Input).value == "Interview with P-02"
        assert screen.query_one("#body", TextArea).text == "She described the raid in detail."
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert [n.title for n in service.notes()] == ["Interview with P-02"]
    assert service.drafts() == []


async def test_quitting_with_an_open_form_keeps_a_draft(service: FieldNotes) -> None:
    app = make_app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("v")
        await type_text(pilot, "Panel notes")
        await app.action_quit()
    [(draft_id, draft)] = service.drafts()
    assert draft_id.startswith("new-") and draft["kind"] == "event"
    assert draft["fields"]["title"] == "Panel notes"


async def test_help_screen_lists_bindings(service: FieldNotes) -> None:
    app = make_app(service)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = " ".join(str(w.render()) for w in app.screen.query("Static"))
        for needle in ("ctrl+s", "search", "delete", "command palette", "Conflicts"):
            assert needle in text
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_table_pages_in_rows_as_the_cursor_moves(service: FieldNotes) -> None:
    service.upsert_many(
        [make_note(title=f"n{i}", start=f"2015-06-{1 + i % 28:02d}T09:00") for i in range(250)]
    )
    app = make_app(service)
    async with app.run_test(size=(100, 30)) as pilot:
        table = app.screen.query_one(NoteTable)
        assert table.row_count == 100 and table.more == 150
        await pilot.press("ctrl+end")
        await pilot.pause()
        assert table.row_count == 200


async def test_the_export_dialog_checks_names_on_the_export_thread_and_says_what_it_found(
    service: FieldNotes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from textual.widgets import Static

    from fieldnotes.export.job import ExportJob

    service.add(make_note(title="Raids", body="Officer Brandt described the sweep."))
    on_ui_thread: list[bool] = []
    checked = ExportJob.checked

    def watched(job: ExportJob) -> ExportJob:
        if job.preflight is not None:
            on_ui_thread.append(threading.current_thread() is threading.main_thread())
        return checked(job)

    monkeypatch.setattr(ExportJob, "checked", watched)
    app = make_app(service)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("x")
        app.screen.query_one("#x-path", Input).value = str(tmp_path / "out")
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        summary = shown_text(app.screen.query_one("#x-summary", Static))
    assert on_ui_thread == [False]  # the names were checked once, on the export's thread
    assert "Done" in summary and "pre-flight" in summary and "Brandt" in summary
    # The names to review come first, before the list of files written.
    assert summary.index("pre-flight") < summary.index("wrote ")
    assert [record.format for record in service.exports()] == ["nvivo-csv"]


async def test_a_path_typed_in_the_export_dialog_replaces_the_suggested_one(
    service: FieldNotes, tmp_path: Path
) -> None:
    from fieldnotes.tui.dialogs.export import ExportDialog

    service.add(make_note(title="A meeting"))
    app = make_app(service)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ExportDialog)
        path = app.screen.query_one("#x-path", Input)
        suggested = path.value
        assert "fieldnotes-exports" in suggested
        app.screen.set_focus(path)
        await pilot.pause()
        await type_text(pilot, str(tmp_path / "out"))
        assert path.value == str(tmp_path / "out")
        path.value = suggested
        app.screen.set_focus(None)
        app.screen.set_focus(path)
        await pilot.pause()
        await pilot.press("end")  # End keeps the suggestion, to edit it
        await type_text(pilot, "-2")
        assert path.value == suggested + "-2"


async def test_export_dialog_writes_the_filtered_notes_and_summarises(
    service: FieldNotes, tmp_path: Path
) -> None:
    from textual.widgets import Checkbox, RadioButton, Static

    from fieldnotes.tui.dialogs.export import ExportDialog

    service.add(make_note(title="A meeting"))
    service.add(make_note(title="An event", kind="event", codes=["legitimacy"]))
    app = make_app(service)
    async with app.run_test(size=(100, 40)) as pilot:
        app.apply_filter(kind="event")
        await pilot.press("x")
        assert isinstance(app.screen, ExportDialog)
        assert app.screen.query_one("#x-filtered", Checkbox).value  # the current filters by default
        app.screen.query_one("#x-path", Input).value = str(tmp_path / "out")
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        summary = str(app.screen.query_one("#x-summary", Static).render())
        assert "notes.csv" in summary and "1 row" in summary and "Done" in summary
        # Again to the same place: refused without "replace".
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        refused = str(app.screen.query_one("#x-summary", Static).render())
        assert "Replace existing files" in refused and "--force" not in refused
        app.screen.query_one("#fmt-qdpx", RadioButton).value = True
        await pilot.pause()
        app.screen.query_one("#x-path", Input).value = str(tmp_path / "p.qdpx")
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)
    rows = (tmp_path / "out" / "notes.csv").read_text(encoding="utf-8-sig")
    assert "An event" in rows and "A meeting" not in rows
    assert (tmp_path / "p.qdpx").exists()
