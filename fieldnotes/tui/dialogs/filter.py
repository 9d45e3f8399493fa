"""Filter the notes list by kind, organization, code, informant, status and dates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from textual import on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from fieldnotes.dates import describe, parse_when
from fieldnotes.errors import DateParseError
from fieldnotes.index import NoteFilter
from fieldnotes.model import KINDS, STATUSES
from fieldnotes.tui.screens.base import FieldnotesModal
from fieldnotes.tui.widgets.field_input import FieldInput
from fieldnotes.tui.widgets.letter_select import LetterSelect
from fieldnotes.tui.widgets.suggest import NamesSuggester, complete


class FilterDialog(FieldnotesModal[NoteFilter | None]):
    """Kind, organization, code (with the codes under it, or not), informant, status and a
    date range. Enter or ctrl+s applies; an unreadable date is said under the fields."""

    HELP_TITLE = "Filter"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", priority=True, id="cancel", tooltip="close, changing nothing"),
        Binding(
            "ctrl+s", "apply", "Apply", priority=True, id="apply-filter", tooltip="show the notes that match"
        ),
        Binding(
            "enter",
            "enter",
            "Apply",
            show=False,
            priority=True,
            id="apply-enter",
            tooltip="in a field: apply",
        ),
    ]

    def __init__(
        self,
        current: NoteFilter,
        orgs: list[str],
        codes: list[str],
        informants: list[str] | None = None,
        *,
        dayfirst: bool,
        now: Callable[[], datetime] = datetime.now,
    ) -> None:
        super().__init__()
        self.current = current
        self.orgs = orgs
        self.codes = codes
        self.informants = informants or []
        self.dayfirst = dayfirst
        self.now = now

    def compose(self) -> ComposeResult:
        cur = self.current
        with Vertical(classes="dialog filter-dialog"):
            yield Static("Filter notes", classes="dialog-question")
            with VerticalScroll(classes="dialog-body"), Grid(classes="filter-grid"):
                yield Label("Kind")
                yield LetterSelect(
                    [(kind, kind) for kind in KINDS],
                    value=cur.kind or Select.NULL,
                    prompt="any kind",
                    id="f-kind",
                )
                yield Label("Organization")
                yield FieldInput(
                    cur.org or "",
                    placeholder="any (a name or an alias)",
                    id="f-org",
                    suggester=NamesSuggester(lambda: self.orgs),
                )
                yield Label("Code")
                yield FieldInput(
                    cur.code or "",
                    placeholder="any",
                    id="f-code",
                    suggester=NamesSuggester(lambda: self.codes),
                )
                yield Label("")
                yield Checkbox("with the codes under it", value=cur.subcodes, id="f-subcodes")
                yield Label("Informant")
                yield FieldInput(
                    cur.informant or "",
                    placeholder="any pseudonym",
                    id="f-informant",
                    suggester=NamesSuggester(lambda: self.informants),
                )
                yield Label("Status")
                yield LetterSelect(
                    [(status, status) for status in STATUSES],
                    value=cur.status or Select.NULL,
                    prompt="any status",
                    id="f-status",
                )
                yield Label("From")
                yield FieldInput(
                    f"{cur.since:%Y-%m-%d}" if cur.since else "",
                    placeholder="e.g. 1 Jun 2015",
                    id="f-since",
                )
                yield Label("Until")
                yield FieldInput(
                    f"{cur.until:%Y-%m-%d}" if cur.until else "",
                    placeholder="e.g. last monday",
                    id="f-until",
                )
            yield Static("", id="f-error", classes="error-line")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Apply (ctrl+s)", id="apply", variant="primary")
                yield Button("Clear all", id="clear")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#f-kind", Select))

    def action_enter(self) -> None:
        focused = self.focused
        if not isinstance(focused, Input):
            self.skip_in_open_list()
            raise SkipAction()  # a button's, a checkbox's or a list's own Enter
        self.fn_app.after_typed_keys([focused], self.action_apply)

    @on(Input.Changed, "#f-since, #f-until")
    def _date_typed(self, event: Input.Changed) -> None:
        """Echo what a date is read as, where the eye is."""
        self._dates(report=False)

    def _dates(self, *, report: bool) -> dict[str, datetime | None] | None:
        dates: dict[str, datetime | None] = {}
        error = self.query_one("#f-error", Static)
        echoes = []
        for name in ("since", "until"):
            field = self.query_one(f"#f-{name}", Input)
            text = field.value.strip()
            try:
                dates[name] = parse_when(text, dayfirst=self.dayfirst, now=self.now()) if text else None
            except DateParseError as exc:
                error.update(f"✗ {'From' if name == 'since' else 'Until'}: {exc}")
                if report:
                    self.set_focus(field)
                return None
            if dates[name] is not None:
                echoes.append(f"{'from' if name == 'since' else 'until'} {describe(dates[name])[:-7]}")  # type: ignore[arg-type]
        error.update(f"→ {' · '.join(echoes)}" if echoes else "")
        return dates

    @on(Button.Pressed, "#apply")
    def action_apply(self) -> None:
        kind = self.query_one("#f-kind", Select).value
        status = self.query_one("#f-status", Select).value
        dates = self._dates(report=True)
        if dates is None:
            return
        org = self.query_one("#f-org", Input).value.strip()
        code = self.query_one("#f-code", Input).value.strip()
        informant = self.query_one("#f-informant", Input).value.strip()
        self.dismiss(
            NoteFilter(
                kind=kind if isinstance(kind, str) else None,
                org=(complete(org, self.orgs) or org) if org else None,
                code=(complete(code, self.codes) or code) if code else None,
                subcodes=self.query_one("#f-subcodes", Checkbox).value,
                informant=(complete(informant, self.informants) or informant) if informant else None,
                status=status if isinstance(status, str) else None,
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
        self.skip_in_open_list()
        self.dismiss(None)
