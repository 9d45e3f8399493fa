"""Which kind of note to write: one key each."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from fieldnotes.tui.screens.base import FieldnotesModal


class KindPicker(FieldnotesModal[str | None]):
    """Dismisses with the kind chosen, or None."""

    HELP_TITLE = "New note"
    # Priority (as in every dialog without a text field): answered as the App takes
    # the key off its queue, so the keys typed after go to the new form.
    BINDINGS = [
        Binding("m", "pick('meeting')", "Meeting", show=False, priority=True, id="pick-meeting"),
        Binding("v", "pick('event')", "Event", show=False, priority=True, id="pick-event"),
        Binding("i", "pick('interview')", "Interview", show=False, priority=True, id="pick-interview"),
        Binding("escape", "pick('')", "Cancel", show=False, priority=True, id="cancel"),
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
