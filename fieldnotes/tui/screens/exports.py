"""The export ledger screen: every export written from this database, newest first.

What an ethics board asks for in a data-management audit: when, which format,
where, how many notes, the filters and protections. An export made without
pseudonymising while real names are registered is marked ⚠, and so is one
whose files are gone from disk (deleted, moved, or on another machine).
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from fieldnotes.errors import FieldnotesError
from fieldnotes.export.common import plural
from fieldnotes.ledger import ExportRecord
from fieldnotes.tui.screens.base import FieldnotesScreen
from fieldnotes.tui.widgets.chrome import ScreenFooter, ScreenHeader


def details(record: ExportRecord) -> str:
    """The record in full, for the panel under the table."""
    lines = [
        f"{record.when.replace('T', ' ')} · {record.format} · {plural(record.notes, 'note')}",
        f"written to {record.path or '(no path recorded)'}"
        + ("" if not record.path or Path(record.path).exists() else "  (no longer there)"),
        f"filters: {record.filters or 'none (every note)'}",
        f"protections: {', '.join(record.protections) or 'none'}",
    ]
    if record.options:
        lines.append("options: " + "; ".join(f"{key}: {value}" for key, value in record.options.items()))
    if record.names_exposed:
        lines.append("⚠ NOT pseudonymised while real names are registered for informants")
    return "\n".join(lines)


class ExportsScreen(FieldnotesScreen[None]):
    """The ledger, read-only: it is appended to by every export and never edited."""

    HELP_TITLE = "Export ledger"
    BINDINGS = [Binding("escape", "back", "Back", id="back", tooltip="back")]

    def compose(self) -> ComposeResult:
        yield ScreenHeader()
        yield Static("", id="ex-summary")
        yield DataTable(id="ex-table", zebra_stripes=True, cursor_type="row")
        yield Static("", id="ex-details", markup=False)
        yield ScreenFooter()

    def on_mount(self) -> None:
        self.sub_title = "Export ledger"
        table = self.query_one("#ex-table", DataTable)
        table.add_column("", key="mark", width=2)
        table.add_column("When", key="when", width=16)
        table.add_column("Format", key="format", width=14)
        table.add_column("Notes", key="notes", width=7)
        table.add_column("Where", key="path")
        try:
            self.records = self.service.exports()
        except (FieldnotesError, OSError) as exc:
            self.records = []
            self.fn_app.show_error(exc, title="The ledger could not be read")
        exposed = sum(record.names_exposed for record in self.records)
        summary = (
            f" {plural(len(self.records), 'export')}, newest first"
            if self.records
            else " No exports yet: x on the notes list writes one, and it is recorded here."
        )
        if exposed:
            summary += f" · [b red]⚠ {exposed} not pseudonymised[/] while real names are registered"
        self.query_one("#ex-summary", Static).update(summary)
        for number, record in enumerate(self.records):
            table.add_row(
                Text("⚠", style="bold red") if record.names_exposed else "",
                record.when.replace("T", " ")[:16],
                record.format,
                f"{record.notes:,}",
                record.path,
                key=str(number),
            )
        table.display = bool(self.records)
        self.query_one("#ex-details").display = bool(self.records)
        table.focus()

    @on(DataTable.RowHighlighted, "#ex-table")
    def _show(self, event: DataTable.RowHighlighted) -> None:
        if 0 <= event.cursor_row < len(self.records):
            self.query_one("#ex-details", Static).update(details(self.records[event.cursor_row]))

    def action_back(self) -> None:
        self.dismiss(None)
