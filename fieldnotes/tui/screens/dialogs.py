"""Modal dialogs: confirm, pick a kind, filter, help."""

from __future__ import annotations

from datetime import datetime

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from fieldnotes.dates import parse_when
from fieldnotes.errors import DateParseError
from fieldnotes.index import NoteFilter
from fieldnotes.model import KINDS
from fieldnotes.tui.widgets.suggest import NamesSuggester, complete


class ConfirmDialog(ModalScreen[bool]):
    """A question with two answers. `y`/Enter confirms, `n`/Escape declines."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", show=False),
        Binding("n,escape", "answer(False)", "No", show=False),
    ]

    def __init__(self, question: str, *, yes: str = "Yes", no: str = "Cancel", danger: bool = False) -> None:
        super().__init__()
        self.question = question
        self.yes_label = yes
        self.no_label = no
        self.danger = danger

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.question, classes="dialog-question")
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self.yes_label} (y)", id="yes", variant="error" if self.danger else "primary")
                yield Button(f"{self.no_label} (n)", id="no")

    def on_mount(self) -> None:
        self.query_one("#no" if self.danger else "#yes", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class KindPicker(ModalScreen[str | None]):
    """Which kind of note: one key each."""

    BINDINGS = [
        Binding("m", "pick('meeting')", "Meeting", show=False),
        Binding("v,e", "pick('event')", "Event", show=False),
        Binding("i", "pick('interview')", "Interview", show=False),
        Binding("escape", "pick('')", "Cancel", show=False),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("New note: what kind?", classes="dialog-question")
            with Horizontal(classes="dialog-buttons"):
                yield Button("[b]m[/]eeting", id="meeting", classes="kind-meeting")
                yield Button("e[b]v[/]ent", id="event", classes="kind-event")
                yield Button("[b]i[/]nterview", id="interview", classes="kind-interview")

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id)

    def action_pick(self, kind: str) -> None:
        self.dismiss(kind or None)


class FilterDialog(ModalScreen[NoteFilter | None]):
    """Kind, organization, code and date range. Enter applies."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "apply", "Apply", priority=True),
    ]

    def __init__(self, current: NoteFilter, orgs: list[str], codes: list[str], *, dayfirst: bool) -> None:
        super().__init__()
        self.current = current
        self.orgs = orgs
        self.codes = codes
        self.dayfirst = dayfirst

    def compose(self) -> ComposeResult:
        cur = self.current
        with Vertical(classes="dialog filter-dialog"):
            yield Static("Filter notes", classes="dialog-question")
            with Grid(classes="filter-grid"):
                yield Label("Kind")
                yield Select(
                    [(kind, kind) for kind in KINDS],
                    value=cur.kind or Select.NULL,
                    prompt="any kind",
                    id="f-kind",
                )
                yield Label("Organization")
                yield Input(
                    cur.org or "", placeholder="any", id="f-org", suggester=NamesSuggester(lambda: self.orgs)
                )
                yield Label("Code")
                yield Input(
                    cur.code or "",
                    placeholder="any",
                    id="f-code",
                    suggester=NamesSuggester(lambda: self.codes),
                )
                yield Label("From")
                yield Input(
                    f"{cur.since:%Y-%m-%d}" if cur.since else "", placeholder="e.g. 1 Jun 2015", id="f-since"
                )
                yield Label("Until")
                yield Input(
                    f"{cur.until:%Y-%m-%d}" if cur.until else "", placeholder="e.g. 31 Jan 2016", id="f-until"
                )
            yield Static("", id="f-error", classes="error-line")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Apply (ctrl+s)", id="apply", variant="primary")
                yield Button("Clear all", id="clear")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#f-kind", Select).focus()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_apply()

    @on(Button.Pressed, "#apply")
    def action_apply(self) -> None:
        kind = self.query_one("#f-kind", Select).value
        dates: dict[str, datetime | None] = {}
        for name in ("since", "until"):
            field = self.query_one(f"#f-{name}", Input)
            text = field.value.strip()
            try:
                dates[name] = parse_when(text, dayfirst=self.dayfirst) if text else None
            except DateParseError as exc:
                self.query_one("#f-error", Static).update(f"✗ {exc}")
                field.focus()
                return
        org = self.query_one("#f-org", Input).value.strip()
        code = self.query_one("#f-code", Input).value.strip()
        self.dismiss(
            NoteFilter(
                kind=kind if isinstance(kind, str) else None,
                org=(complete(org, self.orgs) or org) if org else None,
                code=(complete(code, self.codes) or code) if code else None,
                since=dates["since"],
                until=dates["until"],
                text=self.current.text,
            )
        )

    @on(Button.Pressed, "#clear")
    def _clear(self) -> None:
        self.dismiss(NoteFilter(text=self.current.text))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


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


class HelpScreen(ModalScreen[None]):
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
