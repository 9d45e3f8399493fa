"""What every screen and dialog of the app shares: the app, typed, and its service;
and how their keys behave when typed fast (see `fieldnotes.tui.key_order`).

`FieldnotesScreen` is a full screen, `FieldnotesModal` a dialog over one. Both
say how the help screen names them (`HELP_TITLE`) and may add tips that are
not key bindings (`HELP_TIPS`); the keys themselves come from `BINDINGS`.

Their command keys are priority bindings: they run as the App takes the key off
its queue, so focus has moved (or a screen opened) before the next key is sent
anywhere. A command key that is a character is off while a text field has focus
(`check_action`): there, it is typed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

from textual.actions import SkipAction
from textual.binding import Binding
from textual.keys import key_to_character
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Input, Select, TextArea

from fieldnotes.tui.key_order import now

if TYPE_CHECKING:
    from fieldnotes.service import FieldNotes
    from fieldnotes.tui.app import FieldnotesApp

ResultT = TypeVar("ResultT")

FOCUS_BINDINGS = [
    Binding("tab", "focus_forward", "Next field", show=False, priority=True, id="next-field"),
    Binding("shift+tab", "focus_backward", "Previous field", show=False, priority=True, id="previous-field"),
]
"""Tab and shift+Tab move focus at once (Textual's own are not priority: they act late)."""


def _typed(key: str) -> bool:
    """A key that types a character in a text field ("e", "slash"; not "escape", "enter", "tab")."""
    character = key_to_character(key)
    return character is not None and character.isprintable()


def is_typing(widget: Widget | None) -> bool:
    """A widget that takes typed characters: a text field, a text area, a list that takes a letter."""
    if widget is None:
        return False
    if isinstance(widget, Input | TextArea):
        return True
    from fieldnotes.tui.widgets.letter_select import LetterSelect

    return isinstance(widget, LetterSelect) or any(isinstance(a, Select) for a in widget.ancestors)


def in_open_list(widget: Widget | None) -> bool:
    """Focus is in the open drop-down list of a Select (Escape and Enter are its own there)."""
    return widget is not None and any(isinstance(a, Select) for a in widget.ancestors)


class FieldnotesScreen(Screen[ResultT]):
    """A screen of the fieldnotes app."""

    HELP_TITLE: ClassVar[str] = ""
    """The screen's name in the help, e.g. "Notes list"."""
    HELP_TIPS: ClassVar[tuple[tuple[str, str], ...]] = ()
    """(keys, what they do) that are not bindings, e.g. typing in a tag field."""
    BINDINGS = FOCUS_BINDINGS

    @property
    def fn_app(self) -> FieldnotesApp:
        return cast("FieldnotesApp", self.app)

    @property
    def service(self) -> FieldNotes:
        """The open database (the app's service)."""
        return self.fn_app.service

    @property
    def typing(self) -> bool:
        """A text field (or a list that takes letters) has focus: characters are typed there."""
        return is_typing(self.focused)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A command bound to a character is off (shown dimmed) while a field takes characters."""
        if self.typing and action in self._character_actions():
            return None
        return True

    @classmethod
    def _character_actions(cls) -> frozenset[str]:
        found = cls.__dict__.get("_char_actions")
        if found is None:
            found = frozenset(
                binding.action
                for base in cls.__mro__
                for binding in Binding.make_bindings(base.__dict__.get("BINDINGS", []))
                if _typed(binding.key)
            )
            cls._char_actions = found  # type: ignore[attr-defined]
        return found

    def action_focus_forward(self) -> None:
        self.focus_next()

    def action_focus_backward(self) -> None:
        self.focus_previous()

    def skip_in_open_list(self) -> None:
        """Raise SkipAction when a drop-down list is open: its own Escape or Enter first."""
        if in_open_list(self.focused):
            raise SkipAction()


class FieldnotesModal(ModalScreen[ResultT], FieldnotesScreen[ResultT]):
    """A dialog of the fieldnotes app: a modal screen over the one below."""


class ConfirmingModal(FieldnotesModal[ResultT]):
    """A dialog that confirms something destructive: it ignores every key typed before
    it was shown (on screen), so a key meant for the screen below never answers it."""

    refuses_early_keys: ClassVar[bool] = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.shown_at: float | None = None

    def _on_mount(self) -> None:
        self.call_after_refresh(self._shown)

    def _shown(self) -> None:
        self.shown_at = now()
