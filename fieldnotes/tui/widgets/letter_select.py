"""A closed list that takes a typed letter, as a desktop list box does."""

from __future__ import annotations

from typing import Any

from textual import events
from textual.widgets import Select


class LetterSelect(Select[str]):
    """A `Select` where typing a letter picks the next choice starting with it (again
    for the one after), without opening the list; Enter or ↓ still open it."""

    def __init__(self, options: Any, **kwargs: Any) -> None:
        super().__init__(options, **kwargs)
        self.choices: list[str] = [value for _, value in options]

    def _on_key(self, event: events.Key) -> None:
        character = event.character
        if self.expanded or not event.is_printable or not character or not character.strip():
            return
        event.stop()
        event.prevent_default()
        self.pick_letter(character)

    def pick_letter(self, character: str) -> bool:
        """Select the next choice after the current one that starts with `character`."""
        letter = character.casefold()
        current = self.value if isinstance(self.value, str) else None
        start = self.choices.index(current) + 1 if current in self.choices else 0
        ordered = self.choices[start:] + self.choices[:start]
        match = next((choice for choice in ordered if choice.casefold().startswith(letter)), None)
        if match is None:
            self.app.bell()
            return False
        self.value = match
        return True
