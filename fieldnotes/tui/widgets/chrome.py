"""The header and footer of every screen, without keeping what they show after it is gone.

Textual's header watched the app's title and sub-title, and each key of its footer
watches the footer's `compact`; Textual drops the watcher of a removed widget only when
the watched value next changes, and here these never do. So every screen opened and
closed stayed in memory (through its header), and the notes list's footer kept the ~30
keys it recomposes at each screen change: ~4,000 objects an open note, which the garbage
collector then walked at each full pass (tens of milliseconds of lag after a few dozen
notes)."""

from __future__ import annotations

from textual import events
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Footer


class ScreenHeader(Widget):
    """A screen's header, as Textual's `Header` draws it (the icon, the title centred
    between the icon and the clock's space), in one widget that draws one line.

    Textual's is four widgets, docked, that watch the app's title and sub-title (set
    once, as the app starts, and never let go of: the leak above) and write the title in
    after the screen is shown: a second layout and paint of the whole screen. Together a
    third of the time a note took to open. This one follows its screen's title and
    sub-title, and a click on the icon opens the command palette, as there."""

    # Its place and colours are Header's, in app.tcss.

    def on_mount(self) -> None:
        self.watch(self.screen, "title", self.refresh, init=False)
        self.watch(self.screen, "sub_title", self.refresh, init=False)

    def render(self) -> Content:
        screen, app = self.screen, self.app
        title = app.format_title(
            screen.title if screen.title is not None else app.title,
            screen.sub_title if screen.sub_title is not None else app.sub_title,
        )
        room = max(self.size.width - _ICON_CELLS - _CLOCK_CELLS, 0)
        title = title.rstrip().truncate(room, ellipsis=True)
        left = (room - title.cell_length) // 2
        return Content.assemble(
            f" {_ICON}".ljust(_ICON_CELLS),
            title.pad(left, room - title.cell_length - left),
            " " * _CLOCK_CELLS,
        )

    async def on_click(self, event: events.Click) -> None:
        if event.x < _ICON_CELLS:
            event.stop()
            await self.run_action("app.command_palette")


_ICON = "⭘"
_ICON_CELLS = 8  # Textual's header icon: 8 cells, the icon after one of padding
_CLOCK_CELLS = 10  # and the clock's space on the right, kept empty


class ScreenFooter(Footer):
    """A screen's footer: the keys it recomposes away are forgotten, not kept."""

    async def recompose(self) -> None:
        await super().recompose()
        # Textual 8's watcher registry (textual/reactive.py `_watch`): (widget, callback) pairs.
        watchers = getattr(self, "__watchers", {}).get("compact")
        if watchers:
            watchers[:] = [(node, callback) for node, callback in watchers if node.is_attached]
