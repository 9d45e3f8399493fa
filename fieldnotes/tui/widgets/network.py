"""The Network tab of the Reports screen: each organization's strongest recorded tie, period by period."""

from __future__ import annotations

from dataclasses import astuple

from textual.widgets import DataTable

from fieldnotes.reports import StrongestTieRow, headers


class NetworkTable(DataTable[object]):
    """Rows of `strongest_ties`: organization, its type, the period, whom it had the strongest
    ties with, their total intensity, how many ties and of which types."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, zebra_stripes=True, cursor_type="row")

    def on_mount(self) -> None:
        self.add_columns(*[name.replace("_", " ") for name in headers(StrongestTieRow)])

    def show(self, rows: list[StrongestTieRow]) -> None:
        self.clear()
        self.add_rows([astuple(row) for row in rows])
