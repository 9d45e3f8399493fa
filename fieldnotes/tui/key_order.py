"""Every key lands where it was typed, in the order typed, at any speed.

Textual sends a key to whatever has focus when the App takes the key off its
queue (`App.on_event`), without waiting for the widget to handle it. A key that
moves focus, opens a screen or reads what a field holds takes effect later,
once handled; keys typed meanwhile (a fast typist, a paste, `tmux send-keys`)
would already have gone to the old widget. So such a key *holds* the input:
keys and pastes wait here, in order, until its effect is done, and then go on,
in order, to whatever has focus by then.

The screens do their part: their command keys are priority bindings (run as
the App takes the key off its queue) that are off while a text field has focus
(`FieldnotesScreen.check_action`), and they move focus with `Screen.set_focus`,
which is immediate, not `Widget.focus()`, which waits for the App's queue.

A dialog that confirms something destructive (`refuses_early_keys`) ignores
every key typed before it was shown: "d" then "y" in one burst must not delete.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from textual import events
from textual._time import get_time  # the clock of `Message.time`, when a key was read
from textual.app import App
from textual.timer import Timer
from textual.widget import Widget

INPUT_HOLD_LIMIT_S = 5.0
"""A hold never lasts longer (a safety net: a hold never released would stop the keyboard)."""


class KeyOrder(App[Any]):
    """The input gate of the fieldnotes app (a base class of `FieldnotesApp`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._input_holds: set[object] = set()
        self._hold_limits: dict[object, Timer] = {}  # each hold's safety timer
        self._held_input: deque[events.Key | events.Paste] = deque()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.Paste) and not event.is_forwarded:
            if self._input_holds or self._held_input:
                self._held_input.append(event)
                return
            if self._refused(event):
                return
        await super().on_event(event)

    def _refused(self, event: events.Key | events.Paste) -> bool:
        """A key typed before the dialog on top was shown, which must not answer it."""
        screen = self.screen
        if not getattr(screen, "refuses_early_keys", False):
            return False
        shown_at: float | None = getattr(screen, "shown_at", None)
        return shown_at is None or event.time < shown_at

    # ------------------------------------------------------------------ holds
    @property
    def input_held(self) -> bool:
        return bool(self._input_holds)

    def hold_input(self, owner: object) -> None:
        """Keep keys and pastes back until `release_input(owner)`."""
        self._input_holds.add(owner)
        earlier = self._hold_limits.pop(owner, None)
        if earlier is not None:
            earlier.stop()
        self._hold_limits[owner] = self.set_timer(INPUT_HOLD_LIMIT_S, lambda: self._hold_expired(owner))

    def _hold_expired(self, owner: object) -> None:
        self._hold_limits.pop(owner, None)  # the timer is done: nothing to stop
        self.release_input(owner)

    def release_input(self, owner: object) -> None:
        # The safety timer goes with the hold: it held its owner (a screen, with every
        # widget on it) in memory for its five seconds.
        limit = self._hold_limits.pop(owner, None)
        if limit is not None:
            limit.stop()
        if owner not in self._input_holds:
            return
        self._input_holds.discard(owner)
        if not self._input_holds and self._held_input:
            self.call_later(self._replay_input)

    async def _replay_input(self) -> None:
        """Send the held keys on, in order, until one of them holds the input again."""
        while self._held_input and not self._input_holds:
            event = self._held_input.popleft()
            if not self._refused(event):
                await super().on_event(event)

    def after_typed_keys(self, widgets: Iterable[Widget], callback: Callable[[], object]) -> None:
        """Run `callback` (in the App, like an action) once each of `widgets`, and every
        container a key sent to it bubbles through, has handled what was already sent
        to it; keys typed after wait for `callback` to finish."""
        owner = object()
        self.hold_input(owner)
        waiting = [widget for widget in widgets if widget.is_attached]
        remaining = len(waiting)

        def run() -> None:
            try:
                callback()
            finally:
                self.release_input(owner)

        def one_done() -> None:
            nonlocal remaining
            remaining -= 1
            if remaining == 0:
                self.call_later(run)

        if not waiting:
            self.call_later(run)
        for widget in waiting:
            self._through_ancestors(widget, one_done)

    def _through_ancestors(self, widget: Widget, done: Callable[[], None]) -> None:
        """Call `done` after `widget`, then each of its containers in turn, has handled
        every message it had: a key it passed up (unhandled) is handled by then too."""
        chain = [node for node in widget.ancestors_with_self if isinstance(node, Widget)]

        def step(index: int) -> None:
            if index == len(chain):
                done()
                return
            if not chain[index].call_later(step, index + 1):
                step(index + 1)  # removed meanwhile: nothing more will reach it

        step(0)

    # ---------------------------------------------------------------- screens
    def push_screen(self, screen: Any, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        """Keys typed just after a screen opens wait until it has mounted and focused
        its first field (a screen with `holds_input_until_ready` releases them itself,
        with `release_input(screen)`, e.g. once its lower fields are mounted)."""
        target = self.get_screen(screen) if isinstance(screen, str) else screen
        result = super().push_screen(screen, *args, **kwargs)
        self.hold_input(target)
        if not getattr(target, "holds_input_until_ready", False):
            self.call_after_refresh(self.release_input, target)
        return result

    def pop_screen(self) -> Any:
        """Keys typed just after a dialog closes wait until what it answered is done
        (the answer runs in a `call_next`: it may open the next screen)."""
        result = super().pop_screen()
        owner = object()
        self.hold_input(owner)
        self.call_after_refresh(self.release_input, owner)
        return result


def now() -> float:
    """The clock keys are stamped with (`events.Key.time`)."""
    return get_time()
