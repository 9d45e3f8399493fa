"""The table of notes, newest first, filled a page at a time.

A DataTable's cost grows with its rows, so only the first PAGE matches are
added; moving the cursor to the last row adds the next page. Search stays
fast at 10,000 notes.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import DataTable

from fieldnotes.model import Note

PAGE = 100
KIND_WIDTH = 13  # "● interview ⚠"
WIDE = 100
"""From this many columns on the table shows times and a Codes column; narrower, the title gets the room."""


def kind_cell(note: Note, colors: dict[str, str]) -> Text:
    """The kind as a word and a coloured mark (never colour alone); ⚠ flags an
    interview without recorded consent."""
    cell = Text.assemble(("● ", colors.get(note.kind, "")), (note.kind, "bold"))
    if note.unconsented:
        cell.append(" ⚠", style="bold red")
    return cell


def _position(notes: Sequence[Note], note_id: str) -> int | None:
    """Where note `note_id` is among `notes` (a lazy sequence finds it without building models)."""
    position = getattr(notes, "position", None)
    if position is not None:
        return position(note_id)  # type: ignore[no-any-return]
    return next((number for number, note in enumerate(notes) if note.id == note_id), None)


class NoteTable(DataTable[str | Text]):
    """Rows keyed by note id. `show(notes)` replaces the content."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self.notes: Sequence[Note] = []
        self.shown = 0
        self.kind_colors: dict[str, str] = {}
        self.conflicted: set[str] = set()
        """Ids of the notes two merged copies disagree on: flagged ⚠ before the title."""
        self._widths: dict[str, int] = {}

    def on_mount(self) -> None:
        self._add_columns()

    @property
    def wide(self) -> bool:
        return self._width() >= WIDE

    def _width(self) -> int:
        return max(self.size.width or self.app.size.width, 60)

    def layout_widths(self) -> dict[str, int]:
        """Each column's width for the table's width: the title gets the most of what is left."""
        total = self._width()
        date = 16 if self.wide else 10
        columns = 5 if self.wide else 4
        spare = max(total - date - KIND_WIDTH - columns * 2 - 2, 30)
        if self.wide:
            title = spare * 4 // 10
            orgs = spare * 3 // 10
            return {
                "date": date,
                "kind": KIND_WIDTH,
                "title": title,
                "orgs": orgs,
                "codes": spare - title - orgs,
            }
        title = spare * 6 // 10
        return {"date": date, "kind": KIND_WIDTH, "title": title, "orgs": spare - title}

    def _add_columns(self) -> None:
        headings = {
            "date": "Date",
            "kind": "Kind",
            "title": "Title",
            "orgs": "Organizations",
            "codes": "Codes",
        }
        self._widths = self.layout_widths()
        for key, width in self._widths.items():
            self.add_column(headings[key], width=width, key=key)

    def on_resize(self) -> None:
        if self.layout_widths() != getattr(self, "_widths", None):
            row = self.cursor_row
            shown = self.shown
            self.clear(columns=True)
            self._add_columns()
            self.shown = 0
            self._add_page(shown)
            if self.row_count:
                self.move_cursor(row=min(row, self.row_count - 1), animate=False)

    def show(self, notes: Sequence[Note], *, keep: str | None = None) -> None:
        """Show `notes`; keep the cursor on note `keep` when it is among them."""
        self.notes = notes
        self.shown = 0
        self.clear()
        target = 0
        if keep is not None:
            target = _position(notes, keep) or 0
        self._add_page(max(PAGE, target + 1))
        if self.row_count:
            self.move_cursor(row=target, animate=False)

    def _add_page(self, count: int = PAGE) -> None:
        chunk = self.notes[self.shown : self.shown + count]
        self.add_rows([self._cells(note) for note in chunk])  # row i is self.notes[i]
        self.shown += len(chunk)

    def _cells(self, note: Note) -> tuple[str | Text, ...]:
        wide = "codes" in self._widths  # the columns as added, whatever the width now
        flags = (
            ("⚠ " if note.id in self.conflicted else "")
            + ("✎ " if note.jotted else "")
            + ("🔒 " if note.private.strip() else "")
        )
        cells: tuple[str | Text, ...] = (
            note.start.replace("T", " ") if wide else note.start[:10],
            kind_cell(note, self.kind_colors),
            flags + " ".join(note.title.split()),
            ", ".join(note.organizations),
        )
        return (*cells, ", ".join(note.codes)) if wide else cells

    @property
    def more(self) -> int:
        return len(self.notes) - self.shown

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if self.more and event.cursor_row >= self.shown - 1:
            self._add_page()

    @property
    def current_note(self) -> Note | None:
        if not self.row_count or not 0 <= self.cursor_row < self.shown:
            return None
        return self.notes[self.cursor_row]
