"""The table of notes, newest first, filled a page at a time.

A DataTable's cost grows with its rows, so only the first PAGE matches are
added; moving the cursor to the last row adds the next page. Search stays
fast at 10,000 notes.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from fieldnotes.model import Note

PAGE = 100
FIXED = {"date": 16, "kind": 13}


def kind_cell(note: Note, colors: dict[str, str]) -> Text:
    """The kind as a word and a coloured mark (never colour alone); ⚠ flags an
    interview without recorded consent."""
    cell = Text.assemble(("● ", colors.get(note.kind, "")), (note.kind, "bold"))
    if note.unconsented:
        cell.append(" ⚠", style="bold red")
    return cell


class NoteTable(DataTable[str | Text]):
    """Rows keyed by note id. `show(notes)` replaces the content."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self.notes: list[Note] = []
        self.shown = 0
        self.kind_colors: dict[str, str] = {}

    def on_mount(self) -> None:
        self._add_columns()

    def _add_columns(self) -> None:
        title, orgs, codes = self._flex_widths()
        self.add_column("Date", width=FIXED["date"], key="date")
        self.add_column("Kind", width=FIXED["kind"], key="kind")
        self.add_column("Title", width=title, key="title")
        self.add_column("Organizations", width=orgs, key="orgs")
        self.add_column("Codes", width=codes, key="codes")

    def _flex_widths(self) -> tuple[int, int, int]:
        total = max(self.size.width or self.app.size.width, 60)
        spare = max(total - sum(FIXED.values()) - 5 * 2 - 2, 30)
        title = spare * 4 // 10
        orgs = spare * 3 // 10
        return title, orgs, spare - title - orgs

    def on_resize(self) -> None:
        title = self._flex_widths()[0]
        column = self.columns.get("title")  # type: ignore[call-overload]
        if column is not None and column.width != title:
            row = self.cursor_row
            shown = self.shown
            self.clear(columns=True)
            self._add_columns()
            self.shown = 0
            self._add_page(shown)
            if self.row_count:
                self.move_cursor(row=min(row, self.row_count - 1), animate=False)

    def show(self, notes: list[Note], *, keep: str | None = None) -> None:
        """Show `notes`; keep the cursor on note `keep` when it is among them."""
        self.notes = notes
        self.shown = 0
        self.clear()
        target = 0
        if keep is not None:
            for index, note in enumerate(notes):
                if note.id == keep:
                    target = index
                    break
        self._add_page(max(PAGE, target + 1))
        if self.row_count:
            self.move_cursor(row=target, animate=False)

    def _add_page(self, count: int = PAGE) -> None:
        chunk = self.notes[self.shown : self.shown + count]
        self.add_rows([self._cells(note) for note in chunk])  # row i is self.notes[i]
        self.shown += len(chunk)

    def _cells(self, note: Note) -> tuple[str | Text, ...]:
        return (
            note.start.replace("T", " "),
            kind_cell(note, self.kind_colors),
            ("🔒 " if note.private.strip() else "") + " ".join(note.title.split()),
            ", ".join(note.organizations),
            ", ".join(note.codes),
        )

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
