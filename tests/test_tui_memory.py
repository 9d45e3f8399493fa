"""A long session stays as light as a short one: a screen closed is gone from memory.

Textual's header and footer keep watchers on longer-lived objects (the app's title, the
footer's `compact`) that it drops only when those values change; in this app they never
do, so every screen opened stayed in memory, ~4,000 objects each, and the garbage
collector walked them all at each full pass (see `fieldnotes.tui.widgets.chrome`)."""

from __future__ import annotations

import gc

from rich.cells import cell_len
from textual.screen import Screen
from textual.widgets._footer import FooterKey

from fieldnotes.service import FieldNotes
from tests.conftest import make_note
from tests.test_tui import make_app

# From the notes list: each opens a screen or a dialog that escape closes.
OPENERS = ("enter", "m", "o", "p", "c", "r", "x", "f", "question_mark")


def alive(kind: type) -> list[object]:
    gc.unfreeze()  # the app freezes what is alive after a load: frozen, a leak would hide
    gc.collect()
    return [obj for obj in gc.get_objects() if isinstance(obj, kind)]


async def test_screens_closed_are_freed_and_the_footer_keeps_only_its_keys(service: FieldNotes) -> None:
    service.add(make_note(title="Budget", body="the director arrives late"))
    app = make_app(service)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        for _ in range(2):
            for key in OPENERS:
                await pilot.press(key)
                await pilot.pause()
                assert len(app.screen_stack) == 2, key  # it opened
                await pilot.press("escape")
                await pilot.pause()
                assert len(app.screen_stack) == 1, key
        await pilot.pause()
        stack = set(map(id, app.screen_stack))
        left = [type(screen).__name__ for screen in alive(Screen) if id(screen) not in stack]
        assert left == []
        keys = alive(FooterKey)
        assert keys and all(key.is_attached for key in keys)


async def test_the_header_follows_its_screen_fits_and_opens_the_palette(service: FieldNotes) -> None:
    from textual.command import CommandPalette

    from fieldnotes.tui.widgets.chrome import ScreenHeader

    app = make_app(service)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        header = app.screen.query_one(ScreenHeader)
        line = header.render().plain
        assert len(line) == 60 and line.startswith(" ⭘      ") and "fieldnotes — " in line
        app.screen.sub_title = "A sub-title far too long to fit in sixty columns of a terminal"
        await pilot.pause()
        line = header.render().plain
        assert len(line) == 60 and line.rstrip().endswith("…") and line.endswith(" " * 10)
        assert "fieldnotes — A sub-title" in line
        app.screen.sub_title = "田野笔记 — 访谈记录与组织 🗂️ 文件夹"  # two cells a character
        await pilot.pause()
        line = header.render().plain
        assert cell_len(line) == 60 and line.endswith(" " * 10) and "田野笔记" in line
        await pilot.click(ScreenHeader, offset=(1, 0))
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
