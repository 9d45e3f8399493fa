"""Capture in the app: drafts per form, the faster form, jottings, tags you can trust,
dates that say how they were read, dialogs that fit 80x24 and errors where the eye is."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from rich.console import Group
from rich.style import Style
from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import Button, Checkbox, Input, Static, TextArea

from fieldnotes import config
from fieldnotes.model import Code, Informant, Organization
from fieldnotes.service import FieldNotes
from fieldnotes.tui.app import FieldnotesApp
from fieldnotes.tui.dialogs.confirm import ConfirmDialog
from fieldnotes.tui.dialogs.drafts import DraftsDialog
from fieldnotes.tui.dialogs.export import ExportDialog
from fieldnotes.tui.screens.main import MainScreen
from fieldnotes.tui.screens.note_form import NoteFormScreen
from fieldnotes.tui.screens.registries.informants import InformantsScreen
from fieldnotes.tui.screens.reports import ReportsScreen
from fieldnotes.tui.widgets.note_table import NoteTable
from fieldnotes.tui.widgets.tag_input import Chip, TagInput
from fieldnotes.tui.widgets.when_input import WhenInput
from tests.conftest import make_note
from tests.test_tui import CLOCK
from tests.test_tui_keys import burst, settle


def make_app(service: FieldNotes) -> FieldnotesApp:
    return FieldnotesApp(service, now=lambda: CLOCK)


async def new_form(app: FieldnotesApp, pilot, kind: str = "meeting") -> NoteFormScreen:  # type: ignore[no-untyped-def]
    app.new_note(kind)
    await settle(pilot)
    form = app.screen
    assert isinstance(form, NoteFormScreen) and form.complete
    return form


def notices(app: FieldnotesApp) -> str:
    return " | ".join(str(n.message) for n in app._notifications)


# ------------------------------------------------------------------ drafts
async def test_every_form_keeps_its_own_draft_and_later_keeps_them_all(service: FieldNotes) -> None:
    app = make_app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        first = await new_form(app, pilot)
        first.query_one("#title", Input).value = "First meeting"
        first.save_draft()
        second = await new_form(app, pilot, "event")  # another note on top: the first draft stays
        second.query_one("#title", Input).value = "Second, an event"
        second.save_draft()
        assert first.draft_id != second.draft_id
        await app.action_quit()
    kept = dict(service.drafts())
    assert sorted(d["fields"]["title"] for d in kept.values()) == ["First meeting", "Second, an event"]

    app = make_app(service)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, DraftsDialog)
        assert dialog.query_one("#drafts").row_count == 2  # type: ignore[attr-defined]
        burst(app, "escape")  # later: every draft is kept
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert len(service.drafts()) == 2
        app.show_drafts()
        await settle(pilot)
        burst(app, "down", "e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, NoteFormScreen)
        resumed = form.query_one("#title", Input).value
        assert resumed in ("First meeting", "Second, an event")
        burst(app, "ctrl+s")
        await settle(pilot)
    assert [n.title for n in service.notes()] == [resumed]
    assert [d["fields"]["title"] for _, d in service.drafts()] != [resumed]
    assert len(service.drafts()) == 1


async def test_a_draft_is_discarded_only_after_asking(service: FieldNotes) -> None:
    service.keep_draft(
        "new-aaa", {"kind": "meeting", "saved_at": "2016-01-17 08:00", "fields": {"title": "Old"}}
    )
    app = make_app(service)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DraftsDialog)
        burst(app, "d", "y")  # the "y" was typed before the question showed: it answers nothing
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        assert service.drafts() != []
        burst(app, "y")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
    assert service.drafts() == []


async def test_esc_on_an_untouched_form_removes_only_its_own_draft(service: FieldNotes) -> None:
    service.keep_draft(
        "new-other", {"kind": "event", "saved_at": "2016-01-17 08:00", "fields": {"title": "Keep"}}
    )
    app = make_app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        burst(app, "escape")  # later
        await settle(pilot)
        form = await new_form(app, pilot)
        burst(app, "escape")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen) and form.draft_id != "new-other"
    assert [draft_id for draft_id, _ in service.drafts()] == ["new-other"]


async def test_the_legacy_draft_file_is_resumable(service: FieldNotes) -> None:
    service.keep_draft(
        "legacy", {"kind": "interview", "saved_at": "2015-01-01 10:00", "fields": {"title": "Old one"}}
    )
    app = make_app(service)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        burst(app, "e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, NoteFormScreen) and form.kind == "interview"
        assert form.query_one("#title", Input).value == "Old one"
        burst(app, "ctrl+s")
        await settle(pilot)
    assert [n.title for n in service.notes()] == ["Old one"]
    assert service.drafts() == []


async def test_an_edit_keeps_its_draft_under_the_note_and_gets_it_back(service: FieldNotes) -> None:
    note = service.add(make_note(title="Draft title", body="original body"))
    app = make_app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        app.edit_note(note.id)
        await settle(pilot)
        burst(app, "!")  # typing right after opening must not replace the title
        await settle(pilot)
        form = app.screen
        assert isinstance(form, NoteFormScreen)
        assert form.query_one("#title", Input).value == "Draft title!"
        form.save_draft()
        assert [draft_id for draft_id, _ in service.drafts()] == [f"note-{note.id}"]
        await app.action_quit()
    app = make_app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        burst(app, "escape")  # later
        await settle(pilot)
        app.edit_note(note.id)  # the edit comes back with its unsaved changes
        await settle(pilot)
        form = app.screen
        assert isinstance(form, NoteFormScreen)
        assert form.query_one("#title", Input).value == "Draft title!"


# -------------------------------------------------------------- the form
async def test_notes_come_third_and_ctrl_n_jumps_to_them(service: FieldNotes) -> None:
    app = make_app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await new_form(app, pilot)
        burst(app, "Title", "tab", "tab", "tab", "typed notes")
        await settle(pilot)
        assert form.query_one("#body", TextArea).text == "typed notes"
        form.set_focus(form.query_one("#title", Input))
        burst(app, "ctrl+n", " more")
        await settle(pilot)
        assert form.query_one("#body", TextArea).text.endswith(" more")


async def test_kind_fields_are_folded_and_one_key_opens_them_and_is_remembered(service: FieldNotes) -> None:
    app = make_app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await new_form(app, pilot, "interview")
        assert not form.query_one("#details").display
        burst(app, "ctrl+o", "P-07")
        await settle(pilot)
        assert form.query_one("#informant", Input).value == "P-07"
        assert app.preferences.details_open
        burst(app, "escape")
        await settle(pilot)
        burst(app, "escape")  # the form has changes: it asks; leaving says nothing to keep
        await settle(pilot)
    assert config.load()[0].details_open  # the next form opens with them unfolded


async def test_event_type_completes_a_letter_and_takes_a_free_word(service: FieldNotes) -> None:
    app = make_app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await new_form(app, pilot, "event")
        form.query_one("#title", Input).value = "Panel"
        burst(app, "ctrl+o", "pa", "enter")
        await settle(pilot)
        assert form.query_one("#event_type", Input).value == "panel"
        form.query_one("#event_type", Input).value = "vigil"
        burst(app, "ctrl+s")
        await settle(pilot)
    assert service.notes()[0].event_type == "vigil"


async def test_the_date_echo_says_how_day_and_month_were_read_and_an_early_end(service: FieldNotes) -> None:
    app = make_app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await new_form(app, pilot)
        when = form.query_one("#when", WhenInput)
        end = form.query_one("#end", WhenInput)
        when.entry.value = "1/2/2016 9am"
        await settle(pilot)
        echo = str(when.query_one(".when-echo", Static).render())
        assert "2 Jan" in echo and "day first would be 1 Feb" in echo
        when.entry.value = "13/01/2016 9am"
        await settle(pilot)
        assert "13 is no month" in str(when.query_one(".when-echo", Static).render())
        end.entry.value = "8am"
        await settle(pilot)
        assert "before the start" in str(end.query_one(".when-echo", Static).render())
        assert end.has_class("-invalid")


async def test_a_jotted_note_shows_its_jottings_while_it_is_written_up(service: FieldNotes) -> None:
    service.jot("Director arrives late", now=datetime(2016, 1, 17, 14, 5))
    jotted = service.jot("vote postponed", now=datetime(2016, 1, 17, 14, 20))
    app = make_app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        app.edit_note(jotted.id)
        await settle(pilot)
        form = app.screen
        assert isinstance(form, NoteFormScreen)
        shown = str(form.query_one("#jottings Static", Static).render())
        assert "14:05 Director arrives late" in shown and "14:20 vote postponed" in shown
        assert form.query_one("#body", TextArea).text == jotted.body  # nothing jotted is lost
        form.query_one("#body", TextArea).text = "The director arrived late; the vote was postponed."
        burst(app, "ctrl+s")
        await settle(pilot)
    assert service.get(jotted.id).status == "written up"


async def test_a_write_up_can_stay_on_the_to_do_list(service: FieldNotes) -> None:
    jotted = service.jot("first line", now=datetime(2016, 1, 17, 14, 5))
    app = make_app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        app.edit_note(jotted.id)
        await settle(pilot)
        app.screen.query_one("#still-jotted", Checkbox).value = True
        burst(app, "ctrl+s")
        await settle(pilot)
    assert service.get(jotted.id).jotted


async def test_the_jot_bar_appends_lines(service: FieldNotes) -> None:
    app = FieldnotesApp(service, now=lambda: datetime(2016, 1, 17, 14, 5))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        burst(app, "j", "Director arrives late", "enter", "mood tense", "enter", "escape")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert not app.screen.query_one("#jot-bar").display
    [note] = service.notes()
    assert note.jotted and note.body == "14:05 Director arrives late\n14:05 mood tense"


# ------------------------------------------------------------------ tags
async def test_a_chip_shows_the_canonical_name_and_new_names_are_marked(service: FieldNotes) -> None:
    service.registries.save_organization(Organization("Northside Abolition Coalition", aliases=["NAC"]))
    app = make_app(service)
    async with app.run_test(size=(100, 30)) as pilot:
        form = await new_form(app, pilot)
        orgs = form.query_one("#organizations", TagInput)
        form.set_focus(orgs.entry)
        burst(app, "nac,", "Brand New Org,")
        await settle(pilot)
        chips = [str(chip.label) for chip in orgs.query(Chip)]
        assert chips[0].startswith("Northside Abolition Coalition") and "new" not in chips[0]
        assert "new" in chips[1] and "?" not in chips[1]
        assert orgs.tags == ["Northside Abolition Coalition", "Brand New Org"]
        organizers = form.vocabulary("organizers").suggestions()
        assert "Brand New Org" in organizers and "NAC" in organizers  # other fields' tags, aliases


async def test_a_near_duplicate_asks_before_it_is_created(service: FieldNotes) -> None:
    service.registries.save_organization(Organization("Northside Abolition Coalition"))
    service.registries.save_code(Code("legitimacy"))
    app = make_app(service)
    async with app.run_test(size=(100, 30)) as pilot:
        form = await new_form(app, pilot)
        form.query_one("#title", Input).value = "Typos"
        orgs = form.query_one("#organizations", TagInput)
        form.set_focus(orgs.entry)
        burst(app, "Nor,", "tab", "legitmacy,")
        await settle(pilot)
        assert "did you mean “Northside Abolition Coalition”" in str(
            orgs.query_one(".tag-hint", Static).render()
        )
        burst(app, "ctrl+s")
        await settle(pilot)
        question = app.screen
        assert isinstance(question, ConfirmDialog)
        assert "“Nor”" in question.question and "“legitmacy”" in question.question
        burst(app, "escape")  # back to the form, nothing created
        await settle(pilot)
        assert app.screen is form and service.count() == 0
        burst(app, "ctrl+s")
        await settle(pilot)
        burst(app, "y")  # create them after all
        await settle(pilot)
    assert service.notes()[0].organizations == ["Nor"]
    assert "Nor" in [o.name for o in service.registries.organizations()]


# ------------------------------------------------------------- the list
async def test_edit_and_delete_on_an_empty_list_say_why_nothing_happens(service: FieldNotes) -> None:
    app = make_app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        burst(app, "e")
        await settle(pilot)
        assert "no note to edit yet" in notices(app)
        service.add(make_note(title="Only"))
        app.main_screen.refresh_notes()
        app.apply_filter(kind="event")
        burst(app, "d")
        await settle(pilot)
        assert "none to delete" in notices(app)
        assert isinstance(app.screen, MainScreen)


async def test_the_table_uses_the_terminal_width(service: FieldNotes) -> None:
    service.add(make_note(title="A title long enough to need room in the table", codes=["legitimacy"]))
    for width, has_codes in ((80, False), (120, True), (160, True)):
        app = make_app(service)
        async with app.run_test(size=(width, 30)) as pilot:
            await settle(pilot)
            table = app.screen.query_one(NoteTable)
            widths = table.layout_widths()
            assert ("codes" in widths) == has_codes
            assert sum(widths.values()) + 2 * len(widths) >= width - 4  # nothing left unused
            assert widths["title"] >= 24


async def test_the_informants_screen_lists_each_informants_notes(service: FieldNotes) -> None:
    service.registries.save_informant(Informant("P-02", consent="verbal"))
    service.add(make_note(kind="interview", title="Talk with P-02", informant="P-02", consent="verbal"))
    service.add(make_note(title="P-02 was there", people=["P-02"]))
    app = make_app(service)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        burst(app, "p")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, InformantsScreen)
        notes = screen.query_one("#reg-notes", NoteTable).notes
        assert sorted(n.title for n in notes) == ["P-02 was there", "Talk with P-02"]
        assert ": 2" in str(screen.query_one("#reg-notes-title", Static).render())


async def test_reports_say_how_to_switch_tabs_and_digits_do(service: FieldNotes) -> None:
    app = make_app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        burst(app, "r")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReportsScreen)
        hint = str(screen.query_one("#rep-tabs-hint", Static).render())
        assert "1 contacts · 2 ties · 3 network · 4 codes" in hint
        burst(app, "4")
        await settle(pilot)
        assert screen.query_one("#rep-tabs").active == "tab-codes"  # type: ignore[attr-defined]


# ---------------------------------------------------------------- export
async def _export_to(app: FieldnotesApp, pilot: Pilot[None], target: Path) -> ExportDialog:
    """Open the export dialog (x), write to `target` (ctrl+s), and wait for the export."""
    burst(app, "x")
    await settle(pilot)
    dialog = app.screen
    assert isinstance(dialog, ExportDialog)
    dialog.query_one("#x-path", Input).value = str(target)
    burst(app, "ctrl+s")
    await app.workers.wait_for_complete()
    await settle(pilot)
    return dialog


def _summary(dialog: ExportDialog) -> str:
    return str(dialog.query_one("#x-summary", Static).render())


async def test_export_errors_and_results_show_inline_in_app_words(
    service: FieldNotes, tmp_path: Path
) -> None:
    for i in range(30):
        service.add(make_note(title=f"note {i}", codes=[f"code {i}"]))
    app = make_app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        dialog = await _export_to(app, pilot, tmp_path / "out")
        summary = dialog.query_one("#x-summary-box")
        assert summary.display and "Done" in _summary(dialog)
        assert summary.region.bottom <= 24 and dialog.query_one("#x-go", Button).region.bottom <= 24
        burst(app, "ctrl+s")  # again, to the same folder
        await app.workers.wait_for_complete()
        await settle(pilot)
        said = _summary(dialog)
        assert "Tick “Replace existing files”" in said and "--force" not in said
        assert summary.region.bottom <= 24


async def test_an_export_matching_no_notes_says_so_and_writes_nothing(
    service: FieldNotes, tmp_path: Path
) -> None:
    service.add(make_note(title="A meeting"))
    app = make_app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.apply_filter(kind="interview")
        said = _summary(await _export_to(app, pilot, tmp_path / "none"))
        assert "No notes match" in said and "nothing was written" in said
    assert not (tmp_path / "none").exists()


async def test_an_export_of_only_unconsented_interviews_says_why_nothing_was_written(
    service: FieldNotes, tmp_path: Path
) -> None:
    """Not "write a note first": the note is there, left out for want of recorded consent."""
    service.add(make_note(kind="interview", title="Talk with the director"))
    app = make_app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        said = _summary(await _export_to(app, pilot, tmp_path / "none"))
        assert "1 interview with no consent" in said and "Write a note first" not in said
        assert "Include interviews with no consent recorded" in said
    assert not (tmp_path / "none").exists()


# --------------------------------------------------------------- 80 x 24
async def test_every_dialog_keeps_its_buttons_on_an_80x24_screen(service: FieldNotes) -> None:
    service.add(make_note(title="x"))
    app = make_app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for key, screen_name in (("x", "ExportDialog"), ("f", "FilterDialog"), ("n", "KindPicker")):
            burst(app, key)
            await settle(pilot)
            assert type(app.screen).__name__ == screen_name
            for button in app.screen.query(Button):
                assert button.region.bottom <= 24 and button.region.height > 0, (screen_name, button.id)
            burst(app, "escape")
            await settle(pilot)
        burst(app, "p", "a")  # the informant form: seven fields
        await settle(pilot)
        for button in app.screen.query(Button):
            assert 0 < button.region.bottom <= 24, button.id


# ----------------------------------------------------------- preferences
async def test_the_theme_is_kept_and_a_damaged_config_falls_back_and_says_so(
    service: FieldNotes, own_preferences: Path
) -> None:
    app = make_app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        app.theme = "textual-light"
        await settle(pilot)
    assert config.load()[0].theme == "textual-light"
    app = make_app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.theme == "textual-light"
    own_preferences.write_text("theme = [unclosed\n")
    app = make_app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "could not be read" in notices(app)
        assert isinstance(app.screen, MainScreen)


@pytest.mark.parametrize("theme", ["nord", "textual-light", "ansi-dark"])
async def test_a_saved_theme_starts_the_app_on_the_notes_and_can_change_again(
    service: FieldNotes, own_preferences: Path, theme: str
) -> None:
    """The saved theme is set as the app starts, before the list has its columns: refilling
    the list then (rows and no columns) crashed every start of a database with notes."""
    own_preferences.parent.mkdir(parents=True, exist_ok=True)
    own_preferences.write_text(f'theme = "{theme}"\n')
    note = service.add(make_note(title="Budget", body="the director arrives late", private="aside"))
    app = make_app(service)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.theme == theme and isinstance(app.screen, MainScreen)
        table = app.screen.query_one(NoteTable)
        assert table.row_count == 1 and len(table.columns) == 5
        assert all(Style.parse(color).color for color in table.kind_colors.values())  # Rich reads them
        app.open_note(note.id)
        await settle(pilot)
        assert title_colors(app) == [app.theme_colors("accent")["accent"], app.theme_colors("error")["error"]]
        app.theme = "gruvbox"  # changed with a note open: it and the list take the new colours
        await settle(pilot)
        assert title_colors(app) == [app.theme_colors("accent")["accent"], app.theme_colors("error")["error"]]
        assert table.row_count == 1 and table.kind_colors == app.kind_colors()
    assert config.load()[0].theme == "gruvbox"


async def test_a_theme_change_over_a_note_deleted_meanwhile_keeps_the_app(service: FieldNotes) -> None:
    note = service.add(make_note(title="Budget"))
    app = make_app(service)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.open_note(note.id)
        await settle(pilot)
        service.delete(note.id)  # as another process's delete, read back on a refresh
        app.theme = "nord"
        await settle(pilot)
        assert type(app.screen).__name__ == "NoteDetailScreen" and app.theme == "nord"


def title_colors(app: FieldnotesApp) -> list[str]:
    """The colours of the open note's section titles ("Notes", "🔒 Private..."), each a colour
    Rich can draw (a name it does not know would be dropped without a word)."""
    body = app.screen.query_one("#detail-body", Static).content
    assert isinstance(body, Group)
    titles = [part for part in body.renderables[1:] if isinstance(part, Text)]
    styles = [Style.parse(str(title.style)) for title in titles]
    assert len(styles) == 2 and all(style.bold and style.color for style in styles)
    return [style.color.name for style in styles if style.color]


async def test_keys_typed_in_the_form_fill_the_form_the_way_a_user_types(service: FieldNotes) -> None:
    app = make_app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        await new_form(app, pilot, "interview")
        burst(
            app,
            "Director interview",
            "tab",
            "tab",
            "tab",
            "She described it.",
            "ctrl+o",
            "P-09",
            "tab",
            "director",
        )
        await settle(pilot)
        burst(app, "ctrl+s")
        await settle(pilot)
    [note] = service.notes()
    assert (note.title, note.body, note.informant, note.informant_role) == (
        "Director interview",
        "She described it.",
        "P-09",
        "director",
    )


# ------------------------------------------------------------- keystrokes
async def test_each_kind_is_captured_with_under_ten_navigation_keys(tmp_path: Path) -> None:
    """The benchmark's scenarios, delivered as one burst: each note saves as typed."""
    from benchmarks.keystrokes import GOAL_NAVIGATION, SCENARIOS, burst_seconds, navigation_keys

    for scenario in SCENARIOS:
        assert navigation_keys(scenario) < GOAL_NAVIGATION, scenario.kind
        await burst_seconds(scenario, tmp_path / f"{scenario.kind}.json")  # checks the saved note
