"""A tag field: chips for the chosen names, as they will be saved, and a box with completion."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Static

from fieldnotes.model import dedupe_tags, tag_key
from fieldnotes.names import Resolved, Vocabulary
from fieldnotes.tui.widgets.field_input import FieldInput
from fieldnotes.tui.widgets.suggest import NamesSuggester, complete


class Chip(Button):
    """One chosen tag, under the name it will be saved as; "new" when saving creates it.
    Clicking it removes it."""

    can_focus = False

    def __init__(self, resolved: Resolved) -> None:
        label = Text(f"{resolved.name} ")
        if resolved.new:
            label.append("new" + ("?" if resolved.near else ""), style="bold reverse")
            label.append(" ")
        label.append("✕")
        super().__init__(label, classes="chip" + (" -new" if resolved.new else ""), compact=True)
        self.tag_name = resolved.name
        self.tooltip = f"Remove {resolved.name}"


class TagEntry(FieldInput):
    """The box of a `TagInput`. A comma, and Backspace in an empty box, act when the
    key reaches the box, in the order typed; not later, from an `Input.Changed`
    carrying an older value (which could overwrite keys typed since)."""

    @property
    def tag_input(self) -> TagInput:
        assert isinstance(self.parent, TagInput)
        return self.parent

    async def _on_key(self, event: events.Key) -> None:
        if event.character == ",":
            event.stop()
            event.prevent_default()
            self.tag_input.add(self.value)
            self.value = ""
        elif event.key == "backspace" and not self.value and self.tag_input._tags:
            event.stop()
            event.prevent_default()
            self.tag_input.remove_tag(self.tag_input._tags[-1])
        # Anything else: `FieldInput._on_key`, then `Input._on_key` (Textual calls each class's).

    def _on_paste(self, event: events.Paste) -> None:
        """Pasted names, one a line or separated by commas, each become a tag; the last
        stays in the box to go on typing."""
        event.stop()
        event.prevent_default()
        self.insert_pasted(",".join(event.text.splitlines()))
        if "," in self.value:
            *done, rest = self.value.split(",")
            for name in done:
                self.tag_input.add(name)
            self.value = rest.lstrip()


class TagInput(Vertical):
    """Type a name; Enter adds it (completing a known name or alias), a comma adds it
    as typed, Backspace in an empty box removes the last tag. A chip shows the name
    as it will be saved; a name that saving creates is marked "new", and one close
    to an existing name "new?", with the existing name said under the field."""

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
        vocabulary: Callable[[], Vocabulary],
        *,
        tags: list[str] | None = None,
        placeholder: str = "",
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.vocabulary = vocabulary
        self._tags: list[str] = dedupe_tags(tags or [])
        self._placeholder = placeholder

    def source(self) -> list[str]:
        return self.vocabulary().suggestions()

    def compose(self) -> ComposeResult:
        with Horizontal(classes="chips"):
            yield from self._chips()
        yield TagEntry(
            placeholder=self._placeholder, suggester=NamesSuggester(self.source), classes="tag-entry"
        )
        yield Static("", classes="tag-hint")

    def _chips(self) -> list[Chip]:
        if not self._tags:
            return []  # an empty field asks the registries nothing: the form opens faster
        vocabulary = self.vocabulary()
        return [Chip(vocabulary.resolve(name)) for name in self._tags]

    @property
    def entry(self) -> TagEntry:
        return self.query_one(".tag-entry", TagEntry)

    @property
    def tags(self) -> list[str]:
        """The chosen tags, plus whatever is still typed in the box."""
        pending = self.entry.value.strip() if self.is_mounted else ""
        return dedupe_tags([*self._tags, pending]) if pending else list(self._tags)

    def doubtful(self) -> list[Resolved]:
        """Tags that saving would create although they are close to an existing name."""
        vocabulary = self.vocabulary()
        found = [vocabulary.resolve(name) for name in self.tags]
        return [tag for tag in found if tag.new and tag.near]

    def set_tags(self, tags: list[str]) -> None:
        self._tags = dedupe_tags(tags)
        self._refresh_chips()

    def add(self, name: str) -> None:
        cleaned = dedupe_tags([name])
        if not cleaned:
            return
        resolved = self.vocabulary().resolve(cleaned[0])
        known = {tag_key(t) for t in self._tags}
        if tag_key(resolved.name) not in known:
            self._tags.append(resolved.name)
            self._refresh_chips()
        self.post_message(self.Changed(self))

    def remove_tag(self, name: str) -> None:
        """Drop a chosen tag (named `remove_tag`: `remove` is Textual's, removing the widget)."""
        self._tags = [t for t in self._tags if t != name]
        self._refresh_chips()
        self.post_message(self.Changed(self))

    def commit(self) -> bool:
        """Enter: the typed name (completed from the names and aliases) becomes a tag.
        False when the box is empty: Enter then moves on, like Tab."""
        text = self.entry.value.strip()
        if not text:
            return False
        self.add(complete(text, self.source()) or text)
        self.entry.value = ""
        return True

    def _refresh_chips(self) -> None:
        if not self.is_mounted:
            return
        chips = self.query_one(".chips", Horizontal)
        chips.remove_children()
        chips.mount_all(self._chips())
        chips.display = bool(self._tags)
        self._hint()

    def _hint(self) -> None:
        doubtful = [tag for tag in self.doubtful() if tag.name in self._tags]
        hint = self.query_one(".tag-hint", Static)
        if doubtful:
            tag = doubtful[-1]
            hint.update(f"“{tag.name}” is new: did you mean “{tag.near}”? (backspace removes it)")
        else:
            hint.update("")
        hint.display = bool(doubtful)

    def on_mount(self) -> None:
        self.query_one(".chips", Horizontal).display = bool(self._tags)
        self.query_one(".tag-hint").display = False

    @on(Input.Submitted, ".tag-entry")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not self.commit():
            self.screen.focus_next()

    @on(Input.Changed, ".tag-entry")
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.Changed(self))

    @on(Button.Pressed, ".chip")
    def _chip_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        assert isinstance(event.button, Chip)
        self.remove_tag(event.button.tag_name)
