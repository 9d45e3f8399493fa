"""The main screen: every note, newest first, with search and filters."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Footer, Header, Input, Static

from fieldnotes.export.common import plural
from fieldnotes.index import NoteFilter
from fieldnotes.tui.dialogs.filter import FilterDialog
from fieldnotes.tui.dialogs.kind_picker import KindPicker
from fieldnotes.tui.screens.base import FieldnotesScreen
from fieldnotes.tui.widgets.note_table import NoteTable

FIRST_RUN_HINT = """\
[b]Welcome to fieldnotes.[/b] No notes yet.

Just back from a meeting? Press [b]m[/b] to write it up now.
  [b]m[/b] meeting    [b]v[/b] event    [b]i[/b] interview    [b]n[/b] choose

Type dates the way you say them: [i]today 3pm[/i], [i]yesterday 14:30[/i], [i]17 Jan 2016 8:30[/i].
Everything is saved on this computer only. [b]?[/b] shows every key.
"""


class MainScreen(FieldnotesScreen[None]):
    """The notes list: capture, search, filter, open; the registries, reports and export from here."""

    HELP_TITLE = "Notes list"
    HELP_TIPS = (("enter", "open the highlighted note"),)
    # Footer order matters: at 80 columns only the first few fit, so the
    # capture keys, search and help come first.
    BINDINGS = [
        Binding("m", "new('meeting')", "Meeting", id="new-meeting", tooltip="new meeting"),
        Binding("v", "new('event')", "Event", id="new-event", tooltip="new event"),
        Binding("i", "new('interview')", "Interview", id="new-interview", tooltip="new interview"),
        Binding("n", "new('')", "New…", show=False, id="new-note", tooltip="new note: choose the kind"),
        Binding(
            "slash",
            "search",
            "Search",
            id="search",
            tooltip="search as you type (title, body, memo, people, tags)",
        ),
        Binding("question_mark", "help", "Help", id="help", tooltip="this help"),
        Binding("f", "filter", "Filter", id="filter", tooltip="filter by kind, organization, code, dates"),
        Binding("e", "edit", "Edit", id="edit-note", tooltip="edit the highlighted note"),
        Binding(
            "d", "delete", "Delete", id="delete-note", tooltip="delete the highlighted note (asks first)"
        ),
        Binding("x", "export", "Export", id="export", tooltip="export: NVivo CSV, REFI-QDA .qdpx or .qdc"),
        Binding(
            "o",
            "app.registry('organizations')",
            "Orgs",
            id="organizations",
            tooltip="organizations: usage, edit, rename, merge",
        ),
        Binding(
            "p",
            "app.registry('informants')",
            "People",
            id="informants",
            tooltip="informants, by pseudonym, with consent",
        ),
        Binding(
            "c",
            "app.registry('codebook')",
            "Codes",
            id="codebook",
            tooltip="codebook: codes as a tree, deductive and inductive",
        ),
        Binding(
            "r", "app.reports", "Reports", id="reports", tooltip="reports: contacts over time, ties, codes"
        ),
        Binding("escape", "clear", "Clear", show=False, id="clear", tooltip="clear the search and filters"),
        Binding("q", "app.quit", "Quit", id="quit", tooltip="quit (an open form is kept as a draft)"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.filter = NoteFilter()

    def compose(self) -> ComposeResult:
        yield Header()
        if self.fn_app.banner:
            yield Static(self.fn_app.banner, id="banner")
        with Horizontal(id="search-bar"):
            yield Input(
                placeholder="/ to search: title, notes, memo, people, organizations, codes", id="search"
            )
        yield Static("", id="status")
        yield NoteTable(id="notes")
        yield Static(FIRST_RUN_HINT, id="empty-hint")
        yield Footer()

    def on_mount(self) -> None:
        self.table.kind_colors = self.fn_app.kind_colors()
        self.refresh_notes()
        self.table.focus()
        # Search text is built after the first paint, before anyone can type a query.
        self.call_after_refresh(self.service.index.prepare_search)

    @property
    def table(self) -> NoteTable:
        return self.query_one("#notes", NoteTable)

    # -------------------------------------------------------------- content
    def refresh_notes(self, keep: str | None = None) -> None:
        service = self.service
        notes = service.note_views(self.filter)
        total = service.count()
        table = self.table
        if keep is None and table.current_note is not None:
            keep = table.current_note.id
        table.show(notes, keep=keep)
        empty = total == 0
        self.query_one("#empty-hint").display = empty
        table.display = not empty
        self.query_one("#status", Static).update(self._status(len(notes), total))

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

    @on(Input.Submitted, "#search")
    def _search_done(self) -> None:
        self.table.focus()

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

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_edit(self) -> None:
        note = self.table.current_note
        if note is not None:
            self.fn_app.edit_note(note.id)

    def action_delete(self) -> None:
        note = self.table.current_note
        if note is not None:
            self.fn_app.delete_note(note.id)

    def action_filter(self) -> None:
        service = self.service

        def chosen(flt: NoteFilter | None) -> None:
            if flt is not None:
                self.set_filter(flt)

        self.app.push_screen(
            FilterDialog(
                self.filter,
                [o.name for o in service.registries.organizations()],
                [c.name for c in service.registries.codes()],
                dayfirst=self.fn_app.dayfirst,
            ),
            chosen,
        )

    def action_export(self) -> None:
        from fieldnotes.tui.dialogs.export import ExportDialog

        self.app.push_screen(ExportDialog(self.filter))

    def set_filter(self, flt: NoteFilter) -> None:
        search = self.query_one("#search", Input)
        self.filter = flt
        if search.value != flt.text:
            with search.prevent(Input.Changed):
                search.value = flt.text
        self.refresh_notes()

    def action_clear(self) -> None:
        self.set_filter(NoteFilter())
        self.table.focus()

    def action_help(self) -> None:
        self.fn_app.show_help(self)
