"""What every screen and dialog of the app shares: the app, typed, and its service.

`FieldnotesScreen` is a full screen, `FieldnotesModal` a dialog over one. Both
say how the help screen names them (`HELP_TITLE`) and may add tips that are
not key bindings (`HELP_TIPS`); the keys themselves come from `BINDINGS`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, TypeVar, cast

from textual.screen import ModalScreen, Screen

if TYPE_CHECKING:
    from fieldnotes.service import FieldNotes
    from fieldnotes.tui.app import FieldnotesApp

ResultT = TypeVar("ResultT")


class FieldnotesScreen(Screen[ResultT]):
    """A screen of the fieldnotes app."""

    HELP_TITLE: ClassVar[str] = ""
    """The screen's name in the help, e.g. "Notes list"."""
    HELP_TIPS: ClassVar[tuple[tuple[str, str], ...]] = ()
    """(keys, what they do) that are not bindings, e.g. typing in a tag field."""

    @property
    def fn_app(self) -> FieldnotesApp:
        return cast("FieldnotesApp", self.app)

    @property
    def service(self) -> FieldNotes:
        """The open database (the app's service)."""
        return self.fn_app.service


class FieldnotesModal(ModalScreen[ResultT], FieldnotesScreen[ResultT]):
    """A dialog of the fieldnotes app: a modal screen over the one below."""
