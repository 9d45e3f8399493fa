"""The list of a registry screen: a table of entries, or a tree of them (the codebook).

Both are filled with `Entry` rows by `fill`, which keeps the cursor on the
selected entry when it is still there and says which entry the cursor is on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.widgets import DataTable, Tree
from textual.widgets.tree import TreeNode

from fieldnotes.text import tag_key


@dataclass(frozen=True)
class Entry:
    """One line of a registry list: its key (the entry's name), its cells, and,
    in a tree, the key of the entry it sits under ("" at the top)."""

    key: str
    cells: tuple[Any, ...]
    parent: str = ""


class EntryTable(DataTable[Any]):
    """Entries as table rows, keyed by name."""

    def __init__(self, columns: tuple[str, ...], *, id: str | None = None) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, id=id)
        self.headings = columns

    def on_mount(self) -> None:
        self.add_columns(*self.headings)

    def fill(self, entries: list[Entry], selected: str | None) -> str | None:
        """Show `entries`; the key the cursor is on (`selected` if listed), None if empty."""
        self.clear()
        for entry in entries:
            self.add_row(*entry.cells, key=entry.key)
        if not self.row_count:
            return None
        keys = [entry.key for entry in entries]
        index = keys.index(selected) if selected in keys else 0
        self.move_cursor(row=index)
        return keys[index]


class EntryTree(Tree[str]):
    """Entries as a tree, in the order given (a parent before its children);
    an entry's first cell is its label, the node's data its key."""

    def __init__(self, label: str, *, id: str | None = None) -> None:
        super().__init__(label, id=id)
        self.show_root = False
        self.guide_depth = 3

    def fill(self, entries: list[Entry], selected: str | None) -> str | None:
        """Show `entries`; the key the cursor goes to (`selected` if listed), None if empty."""
        self.clear()
        parents = {entry.parent for entry in entries}
        nodes: dict[str, TreeNode[str]] = {"": self.root}
        target: TreeNode[str] | None = None
        for entry in entries:
            under = nodes[entry.parent]
            label = entry.cells[0]
            if entry.key in parents:
                node = under.add(label, data=entry.key, expand=True)
            else:
                node = under.add_leaf(label, data=entry.key)
            nodes[entry.key] = node
            if selected and tag_key(entry.key) == tag_key(selected):
                target = node
        if target is None and self.root.children:
            target = self.root.children[0]
        if target is None:
            return None
        # The tree lays out its lines on the next refresh; move the cursor then.
        self.call_after_refresh(self.move_cursor, target)
        return target.data
