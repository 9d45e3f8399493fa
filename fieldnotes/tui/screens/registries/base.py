"""The registry screen, and the `Registry` protocol each registry implements for it.

`RegistryScreen` is the frame every registry shares: a search box, the list
of entries with usage counts, and the notes that use the selected entry
(Enter opens one); add and edit in a form; rename and merge, everywhere,
after a confirmation. What differs between registries is behind `Registry`:
what the entries are, which notes use one, the edit form, how to rename. A
registry whose entries can be merged is also `Mergeable`; the screen offers
merge (the key and the footer entry) only then.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

from rich.text import Text
from textual import on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Input, Static, Tree

from fieldnotes.errors import InputError
from fieldnotes.model import Note
from fieldnotes.text import tag_key
from fieldnotes.tui.dialogs.confirm import ConfirmDialog
from fieldnotes.tui.dialogs.record_form import FieldSpec, RecordForm, attempt
from fieldnotes.tui.screens.base import FieldnotesScreen
from fieldnotes.tui.widgets.chrome import ScreenFooter, ScreenHeader
from fieldnotes.tui.widgets.entry_list import Entry, EntryTable, EntryTree
from fieldnotes.tui.widgets.field_input import FieldInput
from fieldnotes.tui.widgets.note_table import NoteTable


class Registry(Protocol):
    """One registry, as its screen needs it. Entries are known by their name (the key)."""

    title: str
    """e.g. "Organizations": the screen's sub-title and the search box's hint."""
    columns: tuple[str, ...]
    """The list's column headings; none when the entries form a tree (`Entry.parent`)."""
    key_field: str
    """The edit form's field that holds the entry's name."""

    def entries(self, text: str) -> list[Entry]:
        """The entries matching the search `text` (casefolded; "" for all)."""
        ...

    def names(self) -> list[str]:
        """Every entry's name (to complete a merge target, a parent...)."""
        ...

    def notes(self, key: str) -> list[Note]:
        """The notes that use the entry."""
        ...

    def rename(self, old: str, new: str) -> object:
        """Rename the entry in the registry and in every note; raises InputError."""
        ...

    def edit_form(self, key: str | None) -> RecordForm:
        """A form that edits the entry (a new one when `key` is None) and saves it."""
        ...


@runtime_checkable
class Mergeable(Protocol):
    """A registry whose entries can be folded one into another."""

    def merge(self, source: str, target: str) -> object:
        """Fold `source` into `target` in the registry and every note; raises InputError."""
        ...


class RegistryScreen(FieldnotesScreen[None]):
    """A registry's entries, with the notes of the selected one below them."""

    HELP_TITLE = "Organizations, informants, codebook"
    HELP_TIPS = (("enter", "in the list: go to its notes; in the notes: open one"),)
    # Priority, off while the search box has focus (see `FieldnotesScreen`). The keys
    # mean what they mean everywhere: "m" and "r" are a new meeting and the reports on
    # the list, so rename is F2 and merge is "u" (unite) here.
    BINDINGS = [
        Binding(
            "escape", "back", "Back", priority=True, id="back", tooltip="back (a search is cleared first)"
        ),
        Binding("slash", "search", "Search", priority=True, id="search", tooltip="search the list"),
        Binding("a", "add", "Add", priority=True, id="add-entry", tooltip="add (a form)"),
        Binding("e", "edit", "Edit", priority=True, id="edit-entry", tooltip="edit (a form)"),
        Binding(
            "f2",
            "rename",
            "Rename",
            priority=True,
            id="rename-entry",
            tooltip="rename, everywhere, after a backup",
        ),
        Binding(
            "u",
            "merge",
            "Merge",
            priority=True,
            id="merge-entry",
            tooltip="merge (unite) into another, everywhere, after a backup (not informants)",
        ),
        Binding("question_mark", "help", "Help", priority=True, id="help", tooltip="every key"),
        Binding(
            "enter",
            "search_done",
            "Search done",
            show=False,
            priority=True,
            id="search-done",
            tooltip="in the search box: to the list",
        ),
        Binding(
            "M",
            "memos",
            "Memos",
            show=False,
            priority=True,
            id="entry-memos",
            tooltip="the memos about the selected entry (a writes one)",
        ),
        Binding(
            "tab",
            "focus_forward",
            "Next pane",
            show=False,
            priority=True,
            id="next-pane",
            tooltip="between the search, the list and its notes",
        ),
    ]

    def __init__(self, registry: Registry) -> None:
        super().__init__()
        self.registry = registry
        self.selected: str | None = None

    def compose(self) -> ComposeResult:
        yield ScreenHeader()
        yield FieldInput(placeholder=f"/ to search {self.registry.title.lower()}", id="reg-search")
        if self.registry.columns:
            yield EntryTable(self.registry.columns, id="reg-list")
        else:
            yield EntryTree(self.registry.title, id="reg-list")
        yield Static("", id="reg-notes-title")
        yield NoteTable(id="reg-notes")
        yield ScreenFooter(compact=True)

    def on_mount(self) -> None:
        self.sub_title = self.registry.title
        self.query_one("#reg-notes", NoteTable).kind_colors = self.fn_app.kind_colors()
        self.reload()
        self.set_focus(self.entry_list)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Merge only where the registry merges: elsewhere its key does nothing and the footer omits it."""
        if action == "merge" and not isinstance(self.registry, Mergeable):
            return False
        return super().check_action(action, parameters)

    # ------------------------------------------------------------ content
    @property
    def entry_list(self) -> EntryTable | EntryTree:
        found = self.query_one("#reg-list")
        assert isinstance(found, EntryTable | EntryTree)
        return found

    def reload(self) -> None:
        """Fill the list afresh (after a search or a change), keeping the selection."""
        text = self.query_one("#reg-search", Input).value.strip().casefold()
        self.show_notes(self.entry_list.fill(self.registry.entries(text), self.selected))

    def show_notes(self, key: str | None) -> None:
        self.selected = key
        notes_table = self.query_one("#reg-notes", NoteTable)
        title = self.query_one("#reg-notes-title", Static)
        if key is None:
            notes_table.show([])
            title.update(
                " Nothing matches." if self.query_one("#reg-search", Input).value else " Nothing here yet."
            )
            return
        notes = self.registry.notes(key)
        notes_table.show(notes)
        title.update(self.heading(key, len(notes)))

    def heading(self, key: str, count: int) -> str | Text:
        """The line over the notes of entry `key`."""
        return Text.assemble(
            " Notes with ",
            (key, "bold"),
            f": {count}{self.memo_count(key)}   ",
            ("(tab moves here, enter opens one)", "dim"),
        )

    def memo_count(self, key: str) -> str:
        """' · 2 memos (M)' for an entry that memos are about ('' for none)."""
        kind = getattr(self.registry, "memo_kind", "")
        count = self.service.memos.count_about(kind, key) if kind else 0
        return f" · {count} memo{'s' if count != 1 else ''} (M)" if count else ""

    def action_memos(self) -> None:
        """The memos about the selected entry (fieldwork: memos.py)."""
        kind = getattr(self.registry, "memo_kind", "")
        if kind and self.selected:
            self.fn_app.action_memos(kind, self.selected)

    @on(Input.Changed, "#reg-search")
    def _search(self) -> None:
        self.reload()

    def action_search_done(self) -> None:
        if self.focused is not self.query_one("#reg-search", Input):
            raise SkipAction()  # the list's own Enter
        self.set_focus(self.entry_list)

    @on(DataTable.RowHighlighted, "#reg-list")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            self.show_notes(str(event.row_key.value))

    @on(Tree.NodeHighlighted, "#reg-list")
    def _node_highlighted(self, event: Tree.NodeHighlighted[str]) -> None:
        if event.node.data:
            self.show_notes(event.node.data)

    @on(DataTable.RowSelected, "#reg-list")
    @on(Tree.NodeSelected, "#reg-list")
    def _selected(self) -> None:
        self.set_focus(self.query_one("#reg-notes"))

    @on(DataTable.RowSelected, "#reg-notes")
    def _open(self) -> None:
        note = self.query_one("#reg-notes", NoteTable).current_note
        if note is not None:
            self.fn_app.open_note(note.id)

    # ------------------------------------------------------------ actions
    def action_back(self) -> None:
        search = self.query_one("#reg-search", Input)
        if search.has_focus and search.value:
            search.value = ""
            return
        self.dismiss(None)

    def action_search(self) -> None:
        self.set_focus(self.query_one("#reg-search", Input))

    def action_help(self) -> None:
        self.fn_app.show_help(self)

    def action_add(self) -> None:
        self.edit(None)

    def on_selected(self, verb: str, act: Callable[[str], object]) -> None:
        """Act on the selected entry once the cursor keys typed before have moved it;
        say why nothing happens when there is none."""

        def run() -> None:
            if self.selected:
                act(self.selected)
            else:
                self.notify(
                    f"Nothing is selected to {verb}: the list is empty"
                    + (
                        " for this search (esc clears it)."
                        if self.query_one("#reg-search", Input).value
                        else "."
                    ),
                    title=verb.capitalize(),
                )

        self.fn_app.after_typed_keys([self.entry_list], run)

    def action_edit(self) -> None:
        self.on_selected("edit", self.edit)

    def edit(self, key: str | None) -> None:
        def done(values: dict[str, str] | None) -> None:
            if values:
                self.after_change(values[self.registry.key_field])

        self.app.push_screen(self.registry.edit_form(key), done)

    def after_change(self, new_key: str | None = None) -> None:
        """After a save: the list, with `new_key` selected, and the notes list below."""
        if new_key:
            self.selected = new_key
        self.reload()
        self.fn_app.main_screen.refresh_notes()

    def action_rename(self) -> None:
        self.on_selected("rename", self._rename)

    def _rename(self, old: str) -> None:
        def apply(values: dict[str, str]) -> str | None:
            return attempt(lambda: self.registry.rename(old, values["name"]))

        def done(values: dict[str, str] | None) -> None:
            if values:
                self.notify(f"Renamed “{old}” to “{values['name']}” in every note. A backup was taken first.")
                self.after_change(values["name"])

        self.app.push_screen(
            RecordForm(f"Rename “{old}” everywhere", [FieldSpec("name", "New name", old)], apply), done
        )

    def action_merge(self) -> None:
        self.on_selected("merge", self._merge)

    def _merge(self, source: str) -> None:
        registry = self.registry
        if not isinstance(registry, Mergeable):
            return
        others = [name for name in self.registry.names() if tag_key(name) != tag_key(source)]

        def chosen(values: dict[str, str] | None) -> None:
            if not values or not values["target"]:
                return
            target = values["target"]

            def answered(yes: bool | None) -> None:
                if not yes:
                    return
                try:
                    registry.merge(source, target)
                except InputError as exc:
                    self.fn_app.show_error(exc)
                    return
                self.notify(f"Merged “{source}” into “{target}”. A backup was taken first.")
                self.after_change(target)

            self.app.push_screen(
                ConfirmDialog(
                    f"Merge “{source}” into “{target}”? Every note tagging “{source}” will tag "
                    f"“{target}” instead.",
                    yes="Merge",
                    danger=True,
                ),
                answered,
            )

        self.app.push_screen(
            RecordForm(
                f"Merge “{source}” into…",
                [
                    FieldSpec(
                        "target",
                        "Into",
                        suggestions=lambda: others,
                        complete_on_save=True,
                        placeholder="type a few letters",
                    )
                ],
            ),
            chosen,
        )
