"""A yes-or-no question."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from fieldnotes.tui.screens.base import ConfirmingModal


class ConfirmDialog(ConfirmingModal[bool]):
    """A question with two answers: `y` confirms, Escape declines (Enter presses the
    focused button: "no" when `danger`). A key typed before the question was on
    screen answers nothing (see `ConfirmingModal`)."""

    HELP_TITLE = "Question"
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", show=False, priority=True, id="confirm-yes"),
        Binding("escape", "answer(False)", "No", show=False, priority=True, id="confirm-no"),
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
                yield Button(f"{self.no_label} (esc)", id="no")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#no" if self.danger else "#yes", Button))

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
