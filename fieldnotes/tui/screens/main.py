"""The main screen: every note, newest first, with search, filters and the jot bar."""

from __future__ import annotations

import asyncio

from textual import on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Input, Label, Static
from textual.worker import Worker

from fieldnotes.export.common import plural
from fieldnotes.index import NoteFilter
from fieldnotes.merge.conflicts import conflicted_keys
from fieldnotes.tui.dialogs.filter import FilterDialog
from fieldnotes.tui.dialogs.kind_picker import KindPicker
from fieldnotes.tui.screens.base import FieldnotesScreen
from fieldnotes.tui.widgets.chrome import ScreenFooter, ScreenHeader
from fieldnotes.tui.widgets.field_input import FieldInput
from fieldnotes.tui.widgets.note_table import NoteTable

FIRST_RUN_HINT = """\
[b]Welcome to fieldnotes.[/b] No notes yet.

Just back from a meeting? Press [b]m[/b] to write it up now.
  [b]m[/b] meeting    [b]v[/b] event    [b]i[/b] interview    [b]n[/b] choose
Still in the room? Press [b]j[/b] and jot a line; write it up later.

Type dates the way you say them: [i]today 3pm[/i], [i]yesterday 14:30[/i], [i]17 Jan 2016 8:30[/i].
Everything is saved on this computer only. [b]?[/b] shows every key.
"""
NEW = Binding.Group("New")
LISTS = Binding.Group("Lists")


class MainScreen(FieldnotesScreen[None]):
    """The notes list: capture, search, filter, open; the registries, reports and export from here."""

    HELP_TITLE = "Notes list"
    HELP_TIPS = (("enter", "open the highlighted note"),)
    # Footer order matters: at 80 columns only the first ones fit, so capture,
    # search, the keys acting on the highlighted note, help and quit come first.
    # Priority: the App runs them as it takes the key off its queue, so a key typed
    # right after "/" or "m" goes to the search box or the new form, not to the
    # table ("/dye" once deleted a note). In the search box they are off (typed).
    BINDINGS = [
        Binding(
            "m",
            "new('meeting')",
            "Meeting",
            priority=True,
            group=NEW,
            id="new-meeting",
            tooltip="new meeting",
        ),
        Binding("v", "new('event')", "Event", priority=True, group=NEW, id="new-event", tooltip="new event"),
        Binding(
            "i",
            "new('interview')",
            "Interview",
            priority=True,
            group=NEW,
            id="new-interview",
            tooltip="new interview",
        ),
        Binding(
            "n",
            "new('')",
            "New…",
            show=False,
            priority=True,
            id="new-note",
            tooltip="new note: choose the kind",
        ),
        Binding("j", "jot", "Jot", priority=True, id="jot", tooltip="jot a line into today's jotting note"),
        Binding(
            "slash",
            "search",
            "Find",
            show=False,  # the search box says "/ search" itself
            priority=True,
            id="search",
            tooltip="search as you type: every field, tags, informant; case and accents ignored",
        ),
        Binding(
            "e",
            "edit",
            "Edit",
            priority=True,
            id="edit-note",
            tooltip="edit (or write up) the highlighted note",
        ),
        Binding(
            "d",
            "delete",
            "Delete",
            priority=True,
            id="delete-note",
            tooltip="delete the highlighted note (asks first)",
        ),
        Binding(
            "x",
            "export",
            "Export",
            priority=True,
            id="export",
            tooltip="export: NVivo CSV or Excel, documents, REFI-QDA .qdpx or .qdc, GraphML",
        ),
        Binding(
            "f",
            "filter",
            "Filter",
            priority=True,
            id="filter",
            tooltip="filter by kind, organization, code, dates…",
        ),
        Binding(
            "o",
            "registry('organizations')",
            "Orgs",
            priority=True,
            group=LISTS,
            id="organizations",
            tooltip="organizations: usage, edit, rename, merge",
        ),
        Binding(
            "p",
            "registry('informants')",
            "People",
            priority=True,
            group=LISTS,
            id="informants",
            tooltip="informants, by pseudonym, with consent and their notes",
        ),
        Binding(
            "c",
            "registry('codebook')",
            "Codes",
            priority=True,
            group=LISTS,
            id="codebook",
            tooltip="codebook: codes as a tree, deductive and inductive",
        ),
        Binding(
            "r",
            "reports",
            "Reports",
            priority=True,
            group=LISTS,
            id="reports",
            tooltip="reports: contacts, ties, codes",
        ),
        Binding("question_mark", "help", "Help", priority=True, id="help", tooltip="every key"),
        Binding(
            "q", "quit", "Quit", priority=True, id="quit", tooltip="quit (an open form is kept as a draft)"
        ),
        Binding(
            "enter",
            "search_done",
            "Search done",
            show=False,
            priority=True,
            id="search-done",
            tooltip="in the search box: back to the list",
        ),
        Binding(
            "escape",
            "clear",
            "Clear",
            show=False,
            priority=True,
            id="clear",
            tooltip="close the jot bar; clear the search and filters",
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.filter = NoteFilter()
        self._preparing: Worker[None] | None = None
        self._search_asked = False  # "/" was pressed (perhaps before the first paint)

    def compose(self) -> ComposeResult:
        yield ScreenHeader()
        if self.fn_app.banner:
            yield Static(self.fn_app.banner, id="banner")
        with Horizontal(id="search-bar"):
            yield FieldInput(placeholder="/ search every field, tags, informant…", id="search")
        yield Static("", id="status")
        yield NoteTable(id="notes")
        yield Static(FIRST_RUN_HINT, id="empty-hint")
        with Horizontal(id="jot-bar"):
            yield Label("Jot", id="jot-label")
            yield FieldInput(placeholder="a line; enter keeps it (HH:MM added) · esc closes", id="jot")
        yield ScreenFooter(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#jot-bar").display = False
        self.table.kind_colors = self.fn_app.kind_colors()
        self.refresh_notes()
        if self.focused is not self.search or not (self.search.value or self._search_asked):
            # Keys typed while the app started may have asked for the search box already
            # ("/" and a word): they keep it, and so do the keys after them.
            self.set_focus(self.table)
        self.prepare_search()

    def prepare_search(self) -> None:
        """Index the notes' words between keystrokes, after the first paint (a search
        meanwhile reads the notes: slower at 50,000, never wrong)."""
        running = self._preparing is not None and not self._preparing.is_finished
        if not running and not self.service.index.search_ready:
            self._preparing = self.run_worker(self._prepare_search(), group="search-index")

    async def _prepare_search(self) -> None:
        await asyncio.sleep(0)
        for _ in self.service.index.prepare_search_steps():
            await asyncio.sleep(0)  # keys and paints go first

    @property
    def table(self) -> NoteTable:
        return self.query_one("#notes", NoteTable)

    @property
    def search(self) -> FieldInput:
        return self.query_one("#search", FieldInput)

    # -------------------------------------------------------------- content
    def refresh_notes(self, keep: str | None = None) -> None:
        service = self.service
        notes = service.note_views(self.filter)
        total = service.count()
        table = self.table
        if keep is None and table.current_note is not None:
            keep = table.current_note.id
        table.conflicted = conflicted_keys(service)
        table.show(notes, keep=keep)
        empty = total == 0
        self.query_one("#empty-hint").display = empty
        table.display = not empty
        self.query_one("#status", Static).update(self._status(len(notes), total))
        if self.filter.text and not self.service.index.search_ready:
            self.prepare_search()  # the notes were reloaded (another process wrote)

    def _status(self, matching: int, total: int) -> str:
        if total == 0:
            return ""
        desc = self.filter.describe(with_text=True)
        if desc:
            line = f" {matching:,} of {plural(total, 'note')} · {desc}  [dim](esc clears)[/]"
            if matching == 0:
                line = f" No notes match {desc}.  [dim]esc clears the search and filters[/]"
        else:
            line = f" {plural(total, 'note')}, newest first"
        more = self.table.more
        if more:
            line += f"  [dim]· first {self.table.shown:,} shown, more as you scroll[/]"
        return line

    @on(Input.Changed, "#search")
    def _search(self, event: Input.Changed) -> None:
        self.filter = NoteFilter(**{**self.filter.__dict__, "text": event.value})
        self.refresh_notes()

    @on(DataTable.RowSelected, "#notes")
    def _open(self, event: DataTable.RowSelected) -> None:
        note = self.table.current_note
        if note is not None:
            self.fn_app.open_note(note.id)

    # -------------------------------------------------------------- actions
    def action_new(self, kind: str) -> None:
        if kind:
            self.fn_app.new_note(kind)
            return

        def picked(choice: str | None) -> None:
            if choice:
                self.fn_app.new_note(choice)

        self.app.push_screen(KindPicker(), picked)

    def action_registry(self, which: str) -> None:
        self.fn_app.action_registry(which)

    def action_reports(self) -> None:
        self.fn_app.action_reports()

    async def action_quit(self) -> None:
        await self.fn_app.action_quit()

    def action_search(self) -> None:
        # `set_focus` at once, not `Widget.focus()`, which waits for the App's queue:
        # the next keys are sent to whatever has focus when they are taken off it.
        self._search_asked = True
        self.set_focus(self.search)

    def action_search_done(self) -> None:
        if self.focused is self.search:
            self.set_focus(self.table)
        elif self.focused is self.query_one("#jot", FieldInput):
            jot = self.query_one("#jot", FieldInput)
            self.fn_app.after_typed_keys([jot], self._jot_done)
        else:
            raise SkipAction()  # the table's own Enter: open the note

    def _on_note(self, verb: str, act: object) -> None:
        """Act on the highlighted note once the cursor keys typed before have moved it;
        say why nothing happens on an empty list."""

        def run() -> None:
            note = self.table.current_note
            if note is None:
                if self.service.count() == 0:
                    self.notify(
                        f"There is no note to {verb} yet: m, v or i writes one.", title=verb.capitalize()
                    )
                else:
                    self.notify(
                        f"No note matches the search or filters: none to {verb}. esc clears them.",
                        title=verb.capitalize(),
                    )
                return
            act(note.id)  # type: ignore[operator]

        self.fn_app.after_typed_keys([self.table], run)

    def action_edit(self) -> None:
        self._on_note("edit", self.fn_app.edit_note)

    def action_delete(self) -> None:
        self._on_note("delete", self.fn_app.delete_note)

    def action_jot(self) -> None:
        bar = self.query_one("#jot-bar")
        bar.display = True
        self.set_focus(self.query_one("#jot", FieldInput))

    def _jot_done(self) -> None:
        jot = self.query_one("#jot", FieldInput)
        text = jot.value.strip()
        if not text:
            self._close_jot_bar()
            return
        note = self.fn_app.jot(text)
        if note is not None:
            jot.value = ""
            lines = note.body.count("\n") + 1
            self.query_one("#jot-label", Label).update(f"Jot ({lines})")
            if lines == 1:
                self.notify(f"A new jotting note: “{note.title}”.", title="Jot", timeout=4)

    def _close_jot_bar(self) -> None:
        self.query_one("#jot-bar").display = False
        self.set_focus(self.table)

    def action_filter(self) -> None:
        service = self.service
        registries = service.registries

        def chosen(flt: NoteFilter | None) -> None:
            if flt is not None:
                self.set_filter(flt)

        self.app.push_screen(
            FilterDialog(
                self.filter,
                [name for org in registries.organizations() for name in (org.name, *org.aliases)],
                [c.name for c in registries.codes()],
                [p.pseudonym for p in registries.informants()],
                dayfirst=self.fn_app.dayfirst,
                now=self.fn_app.now,
            ),
            chosen,
        )

    def action_export(self) -> None:
        from fieldnotes.tui.dialogs.export import ExportDialog

        self.app.push_screen(ExportDialog(self.filter))

    def set_filter(self, flt: NoteFilter) -> None:
        search = self.search
        self.filter = flt
        if search.value != flt.text:
            with search.prevent(Input.Changed):
                search.value = flt.text
        self.refresh_notes()

    def action_clear(self) -> None:
        if self.query_one("#jot-bar").display and self.focused is self.query_one("#jot", FieldInput):
            self._close_jot_bar()
            return
        # After the keys already typed into the search box, or they would refill it.
        self.fn_app.after_typed_keys([self.search], self._clear)

    def _clear(self) -> None:
        self.set_filter(NoteFilter())
        self.set_focus(self.table)

    def action_help(self) -> None:
        self.fn_app.show_help(self)
