"""Textual's `Header` and `Footer`, without keeping what they show after it is gone.

Both register watchers on a longer-lived object: the header on the app's title and
sub-title, each key of the footer on the footer's `compact`. Textual drops the watcher
of a removed widget only when the watched value next changes, and these never do here.
So every screen opened and closed stayed in memory (through its header), and the notes
list's footer kept the ~30 keys it recomposes at each screen change: ~4,000 objects an
open note, which the garbage collector then walked at each full pass (tens of
milliseconds of lag after a few dozen notes). These two let go of them at once."""

from __future__ import annotations

from collections.abc import Callable

from textual.dom import DOMNode
from textual.widgets import Footer, Header


def forget_watchers(watched: object, names: tuple[str, ...], gone: Callable[[DOMNode], bool]) -> None:
    """Drop the watchers of `watched`'s reactives `names` whose widget is `gone`."""
    registry: dict[str, list[tuple[DOMNode, object]]] = getattr(watched, "__watchers", {})
    for name in names:
        watchers = registry.get(name)
        if watchers:
            watchers[:] = [(node, callback) for node, callback in watchers if not gone(node)]


class ScreenHeader(Header):
    """A screen's header: removed, it takes its watchers of the app's title with it."""

    def on_unmount(self) -> None:
        forget_watchers(self.app, ("title", "sub_title"), lambda node: node is self)


class ScreenFooter(Footer):
    """A screen's footer: the keys it recomposes away are forgotten, not kept."""

    async def recompose(self) -> None:
        await super().recompose()
        forget_watchers(self, ("compact",), lambda node: not node.is_attached)
