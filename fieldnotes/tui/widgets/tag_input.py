"""A tag field: chips for chosen names, and an input with autocomplete."""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.events import Key
from textual.message import Message
from textual.widgets import Button, Input

from fieldnotes.model import dedupe_tags, tag_key
from fieldnotes.tui.widgets.suggest import NamesSuggester, complete


class Chip(Button):
    """One chosen tag; clicking it removes it."""

    can_focus = False

    def __init__(self, name: str) -> None:
        super().__init__(f"{name} ✕", classes="chip", compact=True)
        self.tag_name = name
        self.tooltip = f"Remove {name}"


class TagInput(Vertical):
    """Type a name; Enter adds it (completing from the registry), a comma adds
    it as typed, Backspace in an empty box removes the last tag."""

    DEFAULT_CLASSES = "tag-input"

    class Changed(Message):
        def __init__(self, tag_input: TagInput) -> None:
            super().__init__()
            self.tag_input = tag_input

        @property
        def control(self) -> TagInput:
            return self.tag_input

    def __init__(
        self,
        source: Callable[[], list[str]],
        *,
        tags: list[str] | None = None,
        placeholder: str = "",
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.source = source
        self._tags: list[str] = dedupe_tags(tags or [])
        self._placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Horizontal(classes="chips"):
            for name in self._tags:
                yield Chip(name)
        yield Input(placeholder=self._placeholder, suggester=NamesSuggester(self.source), classes="tag-entry")

    @property
    def entry(self) -> Input:
        return self.query_one(".tag-entry", Input)

    @property
    def tags(self) -> list[str]:
        """The chosen tags, plus whatever is still typed in the box."""
        pending = self.entry.value.strip() if self.is_mounted else ""
        return dedupe_tags([*self._tags, pending]) if pending else list(self._tags)

    def set_tags(self, tags: list[str]) -> None:
        self._tags = dedupe_tags(tags)
        self._refresh_chips()

    def add(self, name: str) -> None:
        cleaned = dedupe_tags([name])
        if not cleaned:
            return
        known = {tag_key(t) for t in self._tags}
        if tag_key(cleaned[0]) not in known:
            self._tags.append(cleaned[0])
            self._refresh_chips()
        self.post_message(self.Changed(self))

    def remove_tag(self, name: str) -> None:
        """Drop a chosen tag (named `remove_tag`: `remove` is Textual's, removing the widget)."""
        self._tags = [t for t in self._tags if t != name]
        self._refresh_chips()
        self.post_message(self.Changed(self))

    def _refresh_chips(self) -> None:
        if not self.is_mounted:
            return
        chips = self.query_one(".chips", Horizontal)
        chips.remove_children()
        chips.mount_all([Chip(name) for name in self._tags])
        chips.display = bool(self._tags)

    def on_mount(self) -> None:
        self.query_one(".chips", Horizontal).display = bool(self._tags)

    @on(Input.Submitted, ".tag-entry")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            self.screen.focus_next()
            return
        self.add(complete(text, self.source()) or text)
        self.entry.value = ""

    @on(Input.Changed, ".tag-entry")
    def _typed(self, event: Input.Changed) -> None:
        if "," in event.value:
            *done, rest = event.value.split(",")
            for name in done:
                self.add(name)
            self.entry.value = rest.lstrip()
        event.stop()
        self.post_message(self.Changed(self))

    def on_key(self, event: Key) -> None:
        if event.key == "backspace" and not self.entry.value and self._tags:
            event.stop()
            event.prevent_default()
            self.remove_tag(self._tags[-1])

    @on(Button.Pressed, ".chip")
    def _chip_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        assert isinstance(event.button, Chip)
        self.remove_tag(event.button.tag_name)
