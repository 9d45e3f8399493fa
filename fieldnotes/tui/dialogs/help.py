"""The help screen: every key, by screen, and how to type dates."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from fieldnotes.tui.screens.base import FieldnotesModal

HELP_SECTIONS: list[tuple[str, list[tuple[str, str]]]] = [
    (
        "Notes list",
        [
            ("m / v / i", "new meeting / event / interview"),
            ("n", "new note: choose the kind"),
            ("/", "search as you type (title, body, memo, people, tags)"),
            ("enter", "open the highlighted note"),
            ("e", "edit the highlighted note"),
            ("d", "delete the highlighted note (asks first)"),
            ("f", "filter by kind, organization, code, dates"),
            ("x", "export: NVivo CSV, REFI-QDA .qdpx or .qdc"),
            ("o / p / c", "organizations / informants / codebook"),
            ("r", "reports: contacts over time, ties, codes"),
            ("esc", "clear the search and filters"),
            ("ctrl+p", "command palette: every command, filters by name, project settings"),
            ("?", "this help"),
            ("q", "quit"),
        ],
    ),
    (
        "Note form",
        [
            ("tab / shift+tab", "next / previous field"),
            ("ctrl+s", "save, from any field"),
            ("esc", "leave (asks when there are unsaved changes)"),
            ("enter in a tag field", "add the tag, completing a known name"),
            (",", "add the tag exactly as typed"),
            ("backspace in an empty tag field", "remove the last tag"),
            ("→ at the end of a field", "accept the grey completion"),
            ("🔒 Private box", "never exported unless you ask"),
        ],
    ),
    (
        "Organizations, informants, codebook",
        [
            ("/", "search the list"),
            ("tab", "between the list and its notes; enter opens a note"),
            ("a / e", "add / edit (a form)"),
            ("r / m", "rename / merge, everywhere, after a backup"),
            ("v", "codebook: move a code under another"),
            ("esc", "back"),
        ],
    ),
    (
        "Note view",
        [("e", "edit"), ("d", "delete"), ("esc", "back to the list")],
    ),
    (
        "Dates",
        [
            ("now, today 3pm, yesterday 14:30", ""),
            ("monday 9am (the last Monday), 17 Jan 2016 8:30", ""),
            ("2016-01-17 08:30, 1/17/2016 (or day-first with --dayfirst)", ""),
            ("End: 4:30pm (same day), +90m, 2h", ""),
        ],
    ),
]


class HelpScreen(FieldnotesModal[None]):
    """Every key, by screen, and how to type dates."""

    BINDINGS = [Binding("escape,q,question_mark", "close", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog help-dialog"):
            yield Static("fieldnotes — keys", classes="dialog-question")
            for title, rows in HELP_SECTIONS:
                yield Static(f"[b]{title}[/]", classes="help-title")
                for key, what in rows:
                    yield Static(f"  [b]{key:<34}[/] {what}" if what else f"  {key}", markup=True)
            yield Static("\nPress esc to close.", classes="dim")

    def action_close(self) -> None:
        self.dismiss(None)
