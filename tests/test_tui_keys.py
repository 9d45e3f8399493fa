"""Every key lands in the field it was typed into, at any typing speed.

A terminal delivers a fast typist's keys (or a paste without bracketed paste, or
`tmux send-keys`) in one read: they all reach the App's queue before the first
one is handled. `burst` does the same: it posts every key at once, with no
pause between them (`pilot.press` waits for the app to be idle after each key,
which hides the problem).
"""

from __future__ import annotations

from textual import events
from textual.pilot import Pilot
from textual.widgets import Input, Select, TextArea

from fieldnotes.errors import ValidationError
from fieldnotes.model import Note, Organization
from fieldnotes.service import FieldNotes
from fieldnotes.tui.app import FieldnotesApp
from fieldnotes.tui.dialogs.confirm import ConfirmDialog
from fieldnotes.tui.screens.main import MainScreen
from fieldnotes.tui.screens.note_form import NoteFormScreen
from fieldnotes.tui.screens.registries.organizations import OrganizationsScreen
from fieldnotes.tui.screens.reports import ReportsScreen
from fieldnotes.tui.widgets.tag_input import TagInput
from fieldnotes.tui.widgets.when_input import WhenInput
from tests.conftest import make_note
from tests.test_tui import CLOCK, KEY_NAMES

CHARACTERS = {"tab": "\t", "enter": "\r", "backspace": "\x7f", "escape": "\x1b"}
NAMED = (
    "tab",
    "shift+tab",
    "enter",
    "backspace",
    "left",
    "down",
    "ctrl+s",
    "ctrl+o",
    "ctrl+n",
    "escape",
    "f2",
)


def keys(*parts: str) -> list[str]:
    """Key names: a part is a key name (tab, enter, shift+tab...) or text typed."""
    out: list[str] = []
    for part in parts:
        if part in NAMED:
            out.append(part)
        else:
            out.extend(KEY_NAMES.get(ch, ch) for ch in part)
    return out


def burst(app: FieldnotesApp, *parts: str | events.Paste) -> None:
    """Put every key (and paste) in the App's queue at once, as a terminal read does."""
    names = {v: k for k, v in KEY_NAMES.items()}
    for part in parts:
        if isinstance(part, events.Paste):
            app.post_message(part)
            continue
        for key in keys(part):
            char = names.get(key, CHARACTERS.get(key, key if len(key) == 1 else None))
            app.post_message(events.Key(key, char))


async def settle(pilot: Pilot[None]) -> None:
    for _ in range(15):  # no sleeps: each pause waits for the queued events to be handled
        await pilot.pause()


def make_app(service: FieldNotes) -> FieldnotesApp:
    return FieldnotesApp(service, now=lambda: CLOCK)


async def open_form(pilot: Pilot[None], key: str = "m") -> NoteFormScreen:
    await pilot.press(key)
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, NoteFormScreen) and screen.complete
    return screen


async def test_a_burst_of_keys_lands_in_each_field(service: FieldNotes) -> None:
    app = make_app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(pilot)
        # fmt: off
        burst(
            app,
            "Coalition monthlx", "backspace", "y", "tab",  # editing keys apply in order too
            "17 Jan 2016 9am", "tab",  # typing replaces the default "now"
            "+90m", "enter",  # Enter in a one-line field moves on, like Tab: to the Notes
            "Twelve present", "tab",
            "Lakeside Outreach", "enter", "Harbor Clinic,", "tab",  # Enter adds a tag and stays
            "legitimacy", "enter", "enter",  # an empty tag box: Enter moves on, to Where
            "Eastgate", "tab", "Dana", "enter", "shift+tab", " hall",  # People, then back
            "ctrl+o", "Harbor",  # the meeting's own fields: the host
        )
        # fmt: on
        await settle(pilot)
        assert app.focused is form.query_one("#host", Input)
        burst(app, "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
    [note] = service.notes()
    assert note.title == "Coalition monthly"
    assert (note.start, note.end) == ("2016-01-17T09:00", "2016-01-17T10:30")
    assert note.body == "Twelve present"
    assert note.organizations == ["Lakeside Outreach", "Harbor Clinic"]
    assert note.codes == ["legitimacy"]
    assert (note.location, note.people, note.host) == ("Eastgate hall", ["Dana"], "Harbor")


async def test_keys_typed_while_the_form_opens_are_kept(service: FieldNotes) -> None:
    app = make_app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        burst(app, "m", "Title", "tab", "today 3pm", "tab", "+1h", "tab", "Hall meeting")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, NoteFormScreen)
        assert form.query_one("#title", Input).value == "Title"
        assert form.query_one("#when", WhenInput).text == "today 3pm"  # replaced the default
        assert form.query_one("#end", WhenInput).text == "+1h"
        assert form.query_one("#body", TextArea).text == "Hall meeting"


async def test_pilot_keys_before_the_form_has_mounted_are_kept(service: FieldNotes) -> None:
    app = make_app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.new_note("meeting")  # and type at once: the form is not mounted yet
        await pilot.press(
            *keys("Title", "tab", "x", "tab", "y", "tab", "z", "tab", "o", "tab", "c", "tab", "here")
        )
        await settle(pilot)
        form = app.screen
        assert isinstance(form, NoteFormScreen)
        assert form.query_one("#title", Input).value == "Title"
        assert form.query_one("#location", Input).value == "here"  # Tab from Codes reached the rest


async def test_a_paste_lands_whole_and_tab_after_it_moves_on(service: FieldNotes) -> None:
    app = make_app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(pilot)
        burst(app, events.Paste("Coalition\nmonthly meeting"), "tab", "today 3pm")
        await settle(pilot)
        assert form.query_one("#title", Input).value == "Coalition monthly meeting"
        assert form.query_one("#when", WhenInput).text == "today 3pm"
        orgs = form.query_one("#organizations", TagInput)
        form.set_focus(orgs.entry)
        await settle(pilot)
        burst(app, events.Paste("Lakeside Outreach\nHarbor Clinic, Eastgate"), "tab", "legit")
        await settle(pilot)
        assert orgs.tags == ["Lakeside Outreach", "Harbor Clinic", "Eastgate"]
        assert form.query_one("#codes", TagInput).entry.value == "legit"


async def test_slash_then_letters_search_and_run_no_command(service: FieldNotes) -> None:
    service.add(make_note(title="Dye works visit"))
    app = make_app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        burst(app, "/", "dye")  # "d" deletes, "y" confirms: a search must not run them
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert app.screen.query_one("#search", Input).value == "dye"
        burst(app, "escape", "/", "vice")  # "v" opens an event form unless the search has focus
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert app.screen.query_one("#search", Input).value == "vice"
    assert service.count() == 1


async def test_a_confirmation_ignores_keys_typed_before_it_was_shown(service: FieldNotes) -> None:
    service.add(make_note(title="Keep me"))
    app = make_app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        burst(app, "d", "y")  # "y" was typed before the question was on screen
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        assert service.count() == 1
        burst(app, "y")  # typed once the question is shown: it answers
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
    assert service.count() == 0


async def test_cursor_keys_before_a_command_choose_the_note_it_acts_on(service: FieldNotes) -> None:
    service.add(make_note(title="Newer", start="2016-01-17T08:30"))
    older = service.add(make_note(title="Older", start="2015-01-17T08:30"))
    app = make_app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        burst(app, "down", "e")  # the edit is for the note the cursor moved to
        await settle(pilot)
        form = app.screen
        assert isinstance(form, NoteFormScreen) and form.note is not None
        assert form.note.id == older.id


async def test_enter_in_a_dialog_field_saves_what_was_typed(service: FieldNotes) -> None:
    app = make_app(service)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        burst(app, "o", "a", "Harbor Rights Collective", "tab", "advocacy", "enter")
        await settle(pilot)
        assert isinstance(app.screen, OrganizationsScreen)
    org = service.registries.organization("Harbor Rights Collective")
    assert org.type == "advocacy"


async def test_keys_in_a_registry_search_are_typed_not_commands(service: FieldNotes) -> None:
    service.registries.save_organization(Organization("Eastgate Dropin"))
    service.registries.save_organization(Organization("Harbor"))
    app = make_app(service)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        burst(app, "o", "/", "eau")  # e edits, a adds, u merges: all typed here
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, OrganizationsScreen)
        assert screen.query_one("#reg-search", Input).value == "eau"


async def test_digits_in_a_report_date_are_typed_not_tab_switches(service: FieldNotes) -> None:
    app = make_app(service)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        burst(app, "r", "f", "1 Jan 2016 2")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReportsScreen)
        assert screen.query_one("#rep-since", Input).value == "1 Jan 2016 2"
        assert screen.query_one("#rep-tabs").active == "tab-contacts"  # type: ignore[attr-defined]


async def test_a_list_takes_a_typed_letter(service: FieldNotes) -> None:
    app = make_app(service)
    async with app.run_test(size=(100, 40)) as pilot:
        form = await open_form(pilot, "i")
        form.show_details(True, focus=False)
        consent = form.query_one("#consent", Select)
        form.set_focus(consent)
        await settle(pilot)
        burst(app, "w")
        await settle(pilot)
        assert consent.value == "written"
        burst(app, "v", "tab", "rec-01.m4a")  # the next letter, then on to the next field
        await settle(pilot)
        assert consent.value == "verbal"
        assert form.query_one("#recording_ref", Input).value == "rec-01.m4a"


def test_validation_error_names_the_field() -> None:
    note = Note(kind="meeting", title="x", start="2016-01-17T08:30", organizations=["Legal;Friends"])
    try:
        note.validate()
    except ValidationError as exc:
        assert exc.field == "organizations"
    else:
        raise AssertionError("a ';' in an organization is refused")


async def test_the_error_points_at_the_field_at_fault_not_a_word_in_it(service: FieldNotes) -> None:
    app = make_app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(pilot)
        form.query_one("#title", Input).value = "A meeting"
        orgs = form.query_one("#organizations", TagInput)
        form.set_focus(orgs.entry)
        await settle(pilot)
        await pilot.press(*keys("Legal;Friends"), "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, NoteFormScreen)  # refused
        assert app.focused is orgs.entry  # not "End", for the "end" in "Friends"
    assert service.count() == 0


async def test_keys_typed_before_the_leave_question_do_not_answer_it(service: FieldNotes) -> None:
    app = make_app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(pilot)
        burst(app, "abc", "escape", "y")  # leave? the "y" was typed before the question showed
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        burst(app, "escape", "def")  # now shown: Esc keeps editing, and typing goes on
        await settle(pilot)
        assert app.screen is form
        assert form.query_one("#title", Input).value == "abcdef"


async def test_keys_after_picking_a_kind_go_to_the_new_form(service: FieldNotes) -> None:
    app = make_app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        burst(app, "n", "v", "Title")  # "n" asks which kind, "v" answers: event
        await settle(pilot)
        form = app.screen
        assert isinstance(form, NoteFormScreen) and form.kind == "event"
        assert form.query_one("#title", Input).value == "Title"


async def test_a_search_typed_while_the_app_starts_keeps_the_keys_after_it(service: FieldNotes) -> None:
    """At 50,000 notes the list's mount can be handled after "/" and a word typed at
    launch: it must not take the focus from the search box they went to."""
    service.add(make_note(title="harbor outreach"))
    app = make_app(service)
    async with app.run_test() as pilot:
        main = app.screen
        assert isinstance(main, MainScreen) and main.focused is main.table  # no early keys
        burst(app, "/", "harb")
        await settle(pilot)
        main.on_mount()  # the list's mount, handled late, as it is at 50,000 notes
        burst(app, "or")
        await settle(pilot)
        assert main.search.value == "harbor" and main.focused is main.search
