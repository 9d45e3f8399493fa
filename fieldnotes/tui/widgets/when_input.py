"""A date-time field that reads natural text and echoes what it understood."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Static

from fieldnotes.dates import describe, parse_when
from fieldnotes.errors import DateParseError


class WhenInput(Vertical):
    """Shows `→ Sun 17 Jan 2016, 08:30` live, or why the text can't be read.

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
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self._initial = value
        self.optional = optional
        self.dayfirst = dayfirst
        self.base = base
        self.now = now
        self._placeholder = placeholder

    def compose(self) -> ComposeResult:
        yield Input(self._initial, placeholder=self._placeholder, classes="when-entry")
        yield Static("", classes="when-echo")

    def on_mount(self) -> None:
        self.update_echo()

    @property
    def entry(self) -> Input:
        return self.query_one(".when-entry", Input)

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
            echo.update(f"✗ {exc}")
            self.set_class(True, "-invalid")
            return
        self.set_class(False, "-invalid")
        echo.update("→ (none)" if value is None else f"→ {describe(value)}")

    @on(Input.Changed, ".when-entry")
    def _changed(self) -> None:
        self.update_echo()
