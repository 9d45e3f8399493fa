"""An unsaved note was left behind (a crash, a closed lid): resume it, discard it, or decide later."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from fieldnotes.tui.screens.base import FieldnotesModal


class DraftDialog(FieldnotesModal[str]):
    """Dismisses with "resume", "discard" or "later"."""

    HELP_TITLE = "Unsaved note"
    BINDINGS = [
        Binding("r,enter", "answer('resume')", "Resume", show=False, id="draft-resume"),
        Binding("d", "answer('discard')", "Discard", show=False, id="draft-discard"),
        Binding("escape,l", "answer('later')", "Later", show=False, id="draft-later"),
    ]

    def __init__(self, draft: dict[str, Any]) -> None:
        super().__init__()
        self.draft = draft

    def compose(self) -> ComposeResult:
        fields = self.draft.get("fields", {})
        title = (fields.get("title") or "").strip() or "untitled"
        kind = self.draft.get("kind", "note")
        when = self.draft.get("saved_at", "")
        with Vertical(classes="dialog"):
            yield Static(
                f"You have an unsaved {kind}, “{title}”, kept at {when}.\nResume it?",
                classes="dialog-question",
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Resume (r)", id="resume", variant="primary")
                yield Button("Discard (d)", id="discard", variant="error")
                yield Button("Later (esc)", id="later")

    def on_mount(self) -> None:
        self.query_one("#resume", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id or "later")

    def action_answer(self, answer: str) -> None:
        self.dismiss(answer)
