"""The passphrase screen for an encrypted database."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.widgets import Input, Static

from fieldnotes.errors import FieldnotesError
from fieldnotes.tui.screens.base import FieldnotesScreen

if TYPE_CHECKING:
    from fieldnotes.service import FieldNotes


class UnlockScreen(FieldnotesScreen[None]):
    """Asks for the passphrase; `opener` returns the open service or raises."""

    HELP_TITLE = "Passphrase"
    BINDINGS = [Binding("ctrl+q", "app.quit", "Quit", id="quit")]

    def __init__(
        self, name: str, opener: Callable[[str], FieldNotes], unlocked: Callable[[FieldNotes], None]
    ) -> None:
        super().__init__()
        self.db_name = name
        self.opener = opener
        self.unlocked = unlocked

    def compose(self) -> ComposeResult:
        with Center(), Vertical(classes="dialog unlock-dialog"):
            yield Static(f"🔒 {self.db_name} is encrypted", classes="dialog-question")
            yield Static("Type its passphrase and press Enter. (ctrl+q quits.)")
            yield Input(password=True, placeholder="passphrase", id="passphrase")
            yield Static("", id="unlock-error", classes="error-line")

    def on_mount(self) -> None:
        self.query_one("#passphrase", Input).focus()

    @on(Input.Submitted, "#passphrase")
    def _submitted(self, event: Input.Submitted) -> None:
        passphrase = event.value
        event.input.value = ""
        if not passphrase:
            return
        try:
            service = self.opener(passphrase)
        except FieldnotesError as exc:
            self.query_one("#unlock-error", Static).update(f"✗ {exc}")
            return
        self.unlocked(service)
