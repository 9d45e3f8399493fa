"""The codebook's history (h in the codebook): every change to a code, when, by whom, and why."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from fieldnotes.codebook_history import HistoryEntry
from fieldnotes.tui.screens.base import FieldnotesModal


class CodeHistoryDialog(FieldnotesModal[None]):
    """The history of one code (`name`; codes merged into it included), or of the whole codebook."""

    HELP_TITLE = "Codebook history"
    BINDINGS = [Binding("escape,q,h", "close", "Close", id="close-history", tooltip="close")]

    def __init__(self, name: str | None = None, guid: str = "") -> None:
        super().__init__()
        self.code_name = name
        self.guid = guid

    def entries(self) -> list[HistoryEntry]:
        history = self.service.registries.history
        return history.for_code(self.code_name, self.guid) if self.code_name else history.entries()

    def compose(self) -> ComposeResult:
        entries = self.entries()
        title = f"History of “{self.code_name}”" if self.code_name else "The codebook's history"
        with Vertical(classes="dialog history-dialog"):
            yield Static(
                f"{title}: {len(entries)} change{'s' if len(entries) != 1 else ''}", classes="dialog-question"
            )
            table: DataTable[str] = DataTable(id="history-table", zebra_stripes=True, cursor_type="row")
            table.add_columns("When", "Code", "Change", "By", "Why")
            table.add_rows(
                (entry.when.replace("T", " ")[:16], entry.code, entry.describe(), entry.author, entry.reason)
                for entry in reversed(entries)  # the latest first
            )
            yield table
            yield Static("Newest first. esc closes.", classes="dim")

    def on_mount(self) -> None:
        frame = self.query_one(".history-dialog")
        frame.styles.width, frame.styles.height = 120, "80%"  # wider than a dialog: five columns
        self.query_one("#history-table", DataTable).focus()

    def action_close(self) -> None:
        self.dismiss(None)
