"""A one-line field that applies every key in the order it was typed, and keeps a paste whole."""

from __future__ import annotations

from textual import events
from textual.widgets import Input


class FieldInput(Input):
    """An `Input` that runs its own key bindings (backspace, arrows, home...) when the
    key reaches it, and keeps a pasted text whole.

    A stock `Input` inserts a printable key as soon as the key reaches it, but an
    editing key only takes effect once, unhandled, it has bubbled through every
    container back to the App, which then looks up the bindings. Keys typed in one
    burst were then applied out of order: "ab", backspace, "c" gave "abc", not "ac".
    Here the field's own bindings run in its own turn, so keys apply in order.

    Unlike a stock `Input` it does not select its text when it gets focus unless
    asked (`select_on_focus=True`): typing into a filled field never replaces it.
    """

    def __init__(self, *args: object, select_on_focus: bool = False, **kwargs: object) -> None:
        super().__init__(*args, select_on_focus=select_on_focus, **kwargs)  # type: ignore[arg-type]

    # Textual calls the `_on_key` of every class in the MRO, subclass first, until one
    # prevents the default: so this runs before `Input._on_key`, which inserts printables.
    async def _on_key(self, event: events.Key) -> None:
        if event.is_printable:
            return  # `Input._on_key` inserts it, now
        for binding in self._bindings.key_to_bindings.get(event.key, ()):
            if binding.priority:
                continue  # priority bindings ran in the App before the key was sent here
            if await self.app.run_action(binding.action, self):
                event.stop()
                event.prevent_default()
                return

    def _on_paste(self, event: events.Paste) -> None:
        """A pasted text lands whole, its lines joined by spaces (a stock `Input`
        keeps only the first line)."""
        event.stop()
        event.prevent_default()  # not `Input._on_paste` as well
        self.insert_pasted(" ".join(line.strip() for line in event.text.splitlines() if line.strip()))

    def insert_pasted(self, text: str) -> None:
        if not text:
            return
        selection = self.selection
        if selection.is_empty:
            self.insert_text_at_cursor(text)
        else:
            self.replace(text, *selection)
