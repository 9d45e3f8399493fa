"""A small modal form for one record (an organization, a code, the project...) or a one-line prompt."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual import on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, Select, Static

from fieldnotes.dates import parse_when
from fieldnotes.errors import DateParseError, InputError
from fieldnotes.tui.screens.base import FieldnotesModal
from fieldnotes.tui.widgets.field_input import FieldInput
from fieldnotes.tui.widgets.letter_select import LetterSelect
from fieldnotes.tui.widgets.suggest import NamesSuggester, complete

Apply = Callable[[dict[str, str]], str | None]
"""Called with the form's values on save; an error message keeps the form open."""


def attempt(action: Callable[[], object]) -> str | None:
    """Run a service action for a form's `apply`: its error message, or None when it worked."""
    try:
        action()
    except InputError as exc:
        return str(exc)
    return None


@dataclass
class FieldSpec:
    """One field of a record form: an input (optionally with completion) or a choice."""

    key: str
    label: str
    value: str = ""
    choices: tuple[str, ...] = ()
    suggestions: Callable[[], list[str]] | None = None
    placeholder: str = ""
    complete_on_save: bool = False
    date: bool = False
    """A day, typed as people say it ("31 Dec 2030", "next friday"...), saved as YYYY-MM-DD."""


class RecordForm(FieldnotesModal[dict[str, str] | None]):
    """Dismisses with {key: value} on save (ctrl+s or Enter), None on escape.

    `apply` is called with the values on save (it may save them); an error
    message it returns keeps the form open and shows the message."""

    HELP_TITLE = "Form"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", priority=True, id="cancel", tooltip="close, changing nothing"),
        Binding("ctrl+s", "save", "Save", priority=True, id="save-record", tooltip="save, from any field"),
        Binding(
            "enter", "enter", "Save", show=False, priority=True, id="save-enter", tooltip="in a field: save"
        ),
    ]

    def __init__(self, title: str, fields: list[FieldSpec], apply: Apply | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.fields = fields
        self.apply = apply

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog record-form"):
            yield Static(self.title_text, classes="dialog-question")
            with VerticalScroll(classes="dialog-body"), Grid(classes="record-grid"):
                for spec in self.fields:
                    yield Label(spec.label)
                    if spec.choices:
                        yield LetterSelect(
                            [(c, c) for c in spec.choices],
                            value=spec.value or Select.NULL,
                            prompt="(not recorded)",
                            id=f"r-{spec.key}",
                        )
                    else:
                        suggester = NamesSuggester(spec.suggestions) if spec.suggestions else None
                        yield FieldInput(
                            spec.value, placeholder=spec.placeholder, id=f"r-{spec.key}", suggester=suggester
                        )
            yield Static("", id="r-error", classes="error-line")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save (ctrl+s)", id="r-save", variant="primary")
                yield Button("Cancel (esc)", id="r-cancel")

    def on_mount(self) -> None:
        self.set_focus(self.query(f"#r-{self.fields[0].key}").first())

    def action_enter(self) -> None:
        focused = self.focused
        if not isinstance(focused, Input):
            self.skip_in_open_list()
            raise SkipAction()  # a button's or a list's own Enter
        self.fn_app.after_typed_keys([focused], self.action_save)

    def values(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for spec in self.fields:
            widget = self.query_one(f"#r-{spec.key}")
            if isinstance(widget, Select):
                out[spec.key] = widget.value if isinstance(widget.value, str) else ""
            else:
                assert isinstance(widget, Input)
                text = widget.value.strip()
                if spec.complete_on_save and spec.suggestions and text:
                    text = complete(text, spec.suggestions()) or text
                if spec.date and text:
                    try:
                        day = parse_when(text, dayfirst=self.fn_app.dayfirst, now=self.fn_app.now())
                        text = f"{day:%Y-%m-%d}"
                    except DateParseError as exc:
                        exc.field = spec.key
                        raise
                out[spec.key] = text
        return out

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    @on(Button.Pressed, "#r-save")
    def action_save(self) -> None:
        try:
            values = self.values()
        except DateParseError as exc:
            self.query_one("#r-error", Static).update(f"✗ {exc}")
            self.set_focus(self.query_one(f"#r-{exc.field}"))
            return
        problem = self.apply(values) if self.apply else None
        if problem:
            self.query_one("#r-error", Static).update(f"✗ {problem}")
            return
        self.dismiss(values)

    @on(Button.Pressed, "#r-cancel")
    def action_cancel(self) -> None:
        self.skip_in_open_list()
        self.dismiss(None)
