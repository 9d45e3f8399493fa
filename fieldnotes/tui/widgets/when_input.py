"""A date-time field that reads natural text and echoes what it understood, as you type."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Static

from fieldnotes.dates import describe, order_note, parse_when
from fieldnotes.errors import DateParseError
from fieldnotes.tui.widgets.field_input import FieldInput


def short_reason(exc: DateParseError) -> str:
    """Why a date can't be read, in a few words for an echo line."""
    message = str(exc)
    reason = message.split(": ", 1)[1] if ": " in message else "not a date"
    reason = reason.split(" (try", 1)[0]
    return f"✗ {reason} — try today 3pm, 17 Jan 8:30"


class WhenInput(Vertical):
    """Shows `→ Sun 17 Jan 2016, 08:30` live, or why the text can't be read; says which
    of day and month came first in 1/2 or 13/01; and, for an end, when it is before
    the start.

    `base` gives the start a bare time or `+90m` refers to (for an end field).
    An optional field accepts empty text as "no value".
    """

    DEFAULT_CLASSES = "when-input"

    def __init__(
        self,
        value: str = "",
        *,
        optional: bool = False,
        dayfirst: bool = False,
        base: Callable[[], datetime | None] | None = None,
        placeholder: str = "",
        now: Callable[[], datetime] = datetime.now,
        select_on_focus: bool = False,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self._initial = value
        self.optional = optional
        self.dayfirst = dayfirst
        self.base = base
        self.now = now
        self._placeholder = placeholder
        self._select_on_focus = select_on_focus

    def compose(self) -> ComposeResult:
        yield FieldInput(
            self._initial,
            placeholder=self._placeholder,
            classes="when-entry",
            select_on_focus=self._select_on_focus,
        )
        yield Static("", classes="when-echo")

    def on_mount(self) -> None:
        self.update_echo()

    @property
    def entry(self) -> FieldInput:
        return self.query_one(".when-entry", FieldInput)

    @property
    def text(self) -> str:
        return self.entry.value

    def parse(self) -> datetime | None:
        """The parsed value; None when optional and empty. Raises DateParseError."""
        text = self.entry.value
        if self.optional and not text.strip():
            return None
        base = self.base() if self.base else None
        return parse_when(text, now=self.now(), dayfirst=self.dayfirst, base=base)

    def update_echo(self) -> None:
        """Refresh the echo line: what the text was read as, or why it can't be."""
        echo = self.query_one(".when-echo", Static)
        try:
            value = self.parse()
        except DateParseError as exc:
            echo.update(short_reason(exc))
            self.set_class(True, "-invalid")
            return
        if value is None:
            self.set_class(False, "-invalid")
            echo.update("→ (none)")
            return
        base = self.base() if self.base else None
        if base is not None and value < base:
            echo.update(f"✗ before the start ({describe(base)})")
            self.set_class(True, "-invalid")
            return
        self.set_class(False, "-invalid")
        note = order_note(self.entry.value, dayfirst=self.dayfirst)
        echo.update(f"→ {describe(value)}" + (f"\n  {note}" if note else ""))

    @on(Input.Changed, ".when-entry")
    def _changed(self) -> None:
        self.update_echo()
