"""Filter the notes list by kind, organization, code and dates."""

from __future__ import annotations

from datetime import datetime

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from fieldnotes.dates import parse_when
from fieldnotes.errors import DateParseError
from fieldnotes.index import NoteFilter
from fieldnotes.model import KINDS
from fieldnotes.tui.screens.base import FieldnotesModal
from fieldnotes.tui.widgets.suggest import NamesSuggester, complete


class FilterDialog(FieldnotesModal[NoteFilter | None]):
    """Kind, organization, code and date range. Enter applies."""

    HELP_TITLE = "Filter"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="cancel", tooltip="close, changing nothing"),
        Binding(
            "ctrl+s", "apply", "Apply", priority=True, id="apply-filter", tooltip="show the notes that match"
        ),
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
