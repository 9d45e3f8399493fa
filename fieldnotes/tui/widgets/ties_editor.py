"""The ties editor of the note form: collaboration ties between the organizations present.

A `TagInput` whose tags are ties (`ties.py`): type `Org A | Org B | type | 1-5`,
each part completing as you type (organizations, then the types, then the
intensity); Enter checks the tie and adds it as a chip (`A ↔ B · referral ·
4/5`); Backspace in the empty box removes the last one, a click on a chip
removes it. Being a TagInput, the form reads, drafts and restores it like
any tag field (`tags` is the list of ties as stored).
"""

from __future__ import annotations

from collections.abc import Callable

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.suggester import Suggester
from textual.widgets import Input, Static

from fieldnotes.errors import ValidationError
from fieldnotes.names import Resolved, Vocabulary
from fieldnotes.text import tag_key
from fieldnotes.ties import INTENSITIES, SEPARATOR, TIE_TYPES, canonical_ties, parse_tie
from fieldnotes.tui.widgets.field_input import FieldInput
from fieldnotes.tui.widgets.suggest import complete
from fieldnotes.tui.widgets.tag_input import Chip, TagInput


class TieChip(Chip):
    """One tie, shown for people; its `tag_name` is the stored text."""

    def __init__(self, text: str) -> None:
        super().__init__(Resolved(text))
        try:
            shown = parse_tie(text).describe()
        except ValidationError:
            shown = text
        self.label = f"{shown} ✕"
        self.tooltip = f"Remove the tie {shown}"


class TieSuggester(Suggester):
    """Completes the part being typed: an organization (first two parts), a type, an intensity."""

    def __init__(self, organizations: Callable[[], list[str]]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.organizations = organizations

    async def get_suggestion(self, value: str) -> str | None:
        parts = value.split(SEPARATOR)
        typed = parts[-1].lstrip()
        if not typed:
            return None
        index = len(parts) - 1
        choices = (
            self.organizations()
            if index < 2
            else list(TIE_TYPES)
            if index == 2
            else [str(level) for level in INTENSITIES]
            if index == 3
            else []
        )
        match = complete(typed, choices)
        if match is None or len(match) <= len(typed):
            return None
        return value + match[len(typed) :]


def complete_tie(text: str, organizations: list[str]) -> str:
    """`text` as a canonical tie, each organization and the type completed from a known one when
    it is the start of one (exact names first): "harb|east|ref|4". Raises ValidationError for
    what is not a tie."""
    parts = text.split(SEPARATOR)
    if len(parts) == 4:
        names = {tag_key(name): name for name in organizations}
        for index in (0, 1):
            typed = parts[index].strip()
            parts[index] = (
                names.get(tag_key(typed)) or (complete(typed, organizations) if typed else None) or typed
            )
        parts[2] = complete(parts[2].strip(), list(TIE_TYPES)) or parts[2] if parts[2].strip() else parts[2]
    tie = parse_tie(SEPARATOR.join(parts))
    return canonical_ties([tie.text], {tag_key(name): name for name in organizations})[0]


class TieEntry(FieldInput):
    """The box of the ties editor: Backspace in the empty box removes the last tie (a comma
    is text here: it may be part of an organization's name)."""

    async def _on_key(self, event: events.Key) -> None:
        editor = self.parent
        if event.key == "backspace" and not self.value and isinstance(editor, TiesEditor) and editor._tags:
            event.stop()
            event.prevent_default()
            editor.remove_tag(editor._tags[-1])


class TiesEditor(TagInput):
    """Ties as chips; `organizations()` gives the names to complete (see the module)."""

    DEFAULT_CLASSES = "tag-input ties-editor"

    def __init__(
        self,
        organizations: Callable[[], list[str]],
        *,
        ties: list[str] | None = None,
        placeholder: str = "",
        id: str | None = None,
    ) -> None:
        super().__init__(lambda: Vocabulary(organizations()), tags=[], placeholder=placeholder, id=id)
        self.organizations = organizations
        self._tags = [text for text in (ties or []) if text.strip()]

    def source(self) -> list[str]:
        return self.organizations()

    def compose(self) -> ComposeResult:
        with Horizontal(classes="chips"):
            yield from self._chips()
        # A FieldInput, like every box of the form (keys in the order typed), but not a TagEntry:
        # a comma may be part of an organization's name here.
        yield TieEntry(
            placeholder=self._placeholder, suggester=TieSuggester(self.source), classes="tag-entry"
        )
        yield Static("", classes="tag-hint")

    def _chips(self) -> list[Chip]:
        return [TieChip(text) for text in self._tags]

    @property
    def entry(self) -> TieEntry:  # type: ignore[override]
        return self.query_one(".tag-entry", TieEntry)

    def doubtful(self) -> list[Resolved]:
        return []  # a tie names known organizations (completed when added): nothing to doubt

    def commit(self) -> bool:
        """Enter: the typed tie is checked and added (see `_submitted_tie`)."""
        return bool(self.entry.value.strip())

    @property
    def tags(self) -> list[str]:
        """The ties, plus a tie still typed in the box (checked when the note is saved)."""
        pending = self.entry.value.strip() if self.is_mounted else ""
        return [*self._tags, pending] if pending else list(self._tags)

    def set_tags(self, tags: list[str]) -> None:
        self._tags = [text for text in tags if text.strip()]
        self._refresh_chips()

    def add(self, name: str) -> None:
        """Add a tie (already checked) unless it is there."""
        if tag_key(name) not in {tag_key(text) for text in self._tags}:
            self._tags.append(name)
            self._refresh_chips()
        self.post_message(self.Changed(self))

    @on(Input.Submitted, ".tag-entry")
    def _submitted_tie(self, event: Input.Submitted) -> None:
        """Enter: check the tie; add it, or say what is wrong and keep the text."""
        event.stop()
        event.prevent_default()  # not TagInput's: a tie is not a name to complete
        text = event.value.strip()
        if not text:
            self.screen.focus_next()
            return
        try:
            tie = complete_tie(text, self.source())
        except ValidationError as exc:
            self.app.notify(str(exc), title="Not a tie", severity="error", markup=False)
            return
        self.add(tie)
        self.entry.value = ""

    @on(Input.Changed, ".tag-entry")
    def _typed_tie(self, event: Input.Changed) -> None:
        """A comma is part of a name here, not the end of a tag."""
        event.stop()
        event.prevent_default()
        self.post_message(self.Changed(self))
