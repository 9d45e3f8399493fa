"""Completion from a live list of names (organizations, codes, people)."""

from __future__ import annotations

from collections.abc import Callable

from textual.suggester import Suggester


def complete(text: str, names: list[str]) -> str | None:
    """The first name that starts with `text`, ignoring case; None if none or empty."""
    folded = text.casefold().lstrip()
    if not folded:
        return None
    for name in names:
        if name.casefold().startswith(folded):
            return name
    return None


class NamesSuggester(Suggester):
    """Suggests from `source()`, read afresh each time so new names show up."""

    def __init__(self, source: Callable[[], list[str]]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.source = source

    async def get_suggestion(self, value: str) -> str | None:
        match = complete(value, self.source())
        if match is None:
            return None
        # Keep what was typed, so the ghost text only adds the rest.
        return value + match[len(value.lstrip()) :] if len(match) > len(value.lstrip()) else None
