"""The Reports screen (r): contacts over time, ties, the network of recorded ties, and code frequencies."""

from __future__ import annotations

from dataclasses import astuple
from datetime import datetime
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import (
    DataTable,
    Input,
    Label,
    Select,
    Sparkline,
    Static,
    TabbedContent,
    TabPane,
)

from fieldnotes.dates import parse_when
from fieldnotes.errors import DateParseError
from fieldnotes.index import NoteFilter
from fieldnotes.reports import (
    CODE_GROUPS,
    PERIODS,
    CodeRow,
    ContactRow,
    TieRow,
    contact_series,
    headers,
    periods_between,
)
from fieldnotes.tui.screens.base import FieldnotesScreen
from fieldnotes.tui.widgets.chrome import ScreenFooter, ScreenHeader
from fieldnotes.tui.widgets.field_input import FieldInput
from fieldnotes.tui.widgets.letter_select import LetterSelect
from fieldnotes.tui.widgets.network import NetworkTable


class ReportsScreen(FieldnotesScreen[None]):
    """Four tabs over one date range: contacts per organization over time, ties, the network of
    recorded ties, codes."""

    HELP_TITLE = "Reports"
    TABS = Binding.Group("Tabs", compact=True)
    BINDINGS = [
        Binding("escape", "back", "Back", priority=True, id="back", tooltip="back to the list"),
        Binding(
            "1",
            "tab('tab-contacts')",
            "Contacts",
            priority=True,
            group=TABS,
            id="tab-contacts",
            tooltip="the Contacts over time tab",
        ),
        Binding(
            "2", "tab('tab-ties')", "Ties", priority=True, group=TABS, id="tab-ties", tooltip="the Ties tab"
        ),
        Binding(
            "3",
            "tab('tab-network')",
            "Network",
            priority=True,
            group=TABS,
            id="tab-network",
            tooltip="the Network tab: the strongest recorded ties over time",
        ),
        Binding(
            "4",
            "tab('tab-codes')",
            "Codes",
            priority=True,
            group=TABS,
            id="tab-codes",
            tooltip="the Codes tab",
        ),
        Binding(
            "f",
            "focus_dates",
            "Filter dates",
            priority=True,
            id="report-dates",
            tooltip="filter: set the date range",
        ),
        Binding("question_mark", "help", "Help", priority=True, id="help", tooltip="every key"),
    ]
    HELP_TIPS = (("← → on the tab names", "switch tabs too"),)

    def compose(self) -> ComposeResult:
        yield ScreenHeader()
        with Horizontal(id="report-bar"):
            yield Label("From")
            yield FieldInput(placeholder="any date", id="rep-since")
            yield Label("Until")
            yield FieldInput(placeholder="any date", id="rep-until")
            yield Label("By")
            yield LetterSelect([(p, p) for p in PERIODS], value="month", allow_blank=False, id="rep-period")
        yield Static("", id="rep-error", classes="error-line")
        yield Static(
            " Tabs: 1 contacts · 2 ties · 3 network · 4 codes (or ← → on the tab names)", id="rep-tabs-hint"
        )
        with TabbedContent(id="rep-tabs"):
            with TabPane("1 Contacts over time", id="tab-contacts"), VerticalScroll():
                yield Static("", id="rep-spark-title")
                yield VerticalScroll(id="rep-sparks")
                yield DataTable(id="rep-contacts", zebra_stripes=True, cursor_type="row")
            with TabPane("2 Ties (co-presence)", id="tab-ties"):
                yield DataTable(id="rep-ties", zebra_stripes=True, cursor_type="row")
            with TabPane("3 Network", id="tab-network"):  # fieldwork: the strongest recorded ties over time
                yield Static(" Each organization's strongest recorded tie in each period (total intensity).")
                yield NetworkTable(id="rep-network")
            with TabPane("4 Codes", id="tab-codes"):
                yield LetterSelect(
                    [(g, g) for g in CODE_GROUPS], value="org-type", allow_blank=False, id="rep-group"
                )
                yield DataTable(id="rep-codes", zebra_stripes=True, cursor_type="row")
        yield ScreenFooter(compact=True)

    def on_mount(self) -> None:
        self.sub_title = "Reports"
        self.query_one("#rep-contacts", DataTable).add_columns(
            *[h.replace("_", " ") for h in headers(ContactRow)]
        )
        self.query_one("#rep-ties", DataTable).add_columns(*[h.replace("_", " ") for h in headers(TieRow)])
        self.query_one("#rep-codes", DataTable).add_columns(*[h.replace("_", " ") for h in headers(CodeRow)])
        self.refresh_reports()
        self.set_focus(self.query_one("#rep-contacts", DataTable))  # letters are commands, not dates

    def _filter(self) -> NoteFilter | None:
        dates: dict[str, datetime | None] = {}
        for name in ("since", "until"):
            text = self.query_one(f"#rep-{name}", Input).value.strip()
            try:
                dates[name] = parse_when(text, dayfirst=self.fn_app.dayfirst) if text else None
            except DateParseError as exc:
                self.query_one("#rep-error", Static).update(f"✗ {exc}")
                return None
        self.query_one("#rep-error", Static).update("")
        return NoteFilter(since=dates["since"], until=dates["until"])

    def refresh_reports(self) -> None:
        flt = self._filter()
        if flt is None:
            return
        service = self.service
        period = str(self.query_one("#rep-period", Select).value)
        group = str(self.query_one("#rep-group", Select).value)
        contacts = service.report_contacts(by=period, flt=flt)
        self._fill("#rep-contacts", [astuple(row) for row in contacts])
        self._fill("#rep-ties", [astuple(row) for row in service.report_ties(flt)])
        self._fill("#rep-codes", [astuple(row) for row in service.report_codes(by=group, flt=flt)])
        self.query_one("#rep-network", NetworkTable).show(service.report_strongest_ties(by=period, flt=flt))
        self._sparks(contacts, period)

    def _fill(self, selector: str, rows: list[tuple[Any, ...]]) -> None:
        table = self.query_one(selector, DataTable)
        table.clear()
        table.add_rows(rows)

    def _sparks(self, rows: list[ContactRow], period: str) -> None:
        box = self.query_one("#rep-sparks", VerticalScroll)
        box.remove_children()
        title = self.query_one("#rep-spark-title", Static)
        if not rows:
            title.update(" No notes in this range.")
            return
        starts = [_period_start(row.period) for row in rows]
        periods = periods_between(min(starts), max(starts), period)
        series = contact_series(rows, periods)
        types = {row.organization: row.type for row in rows}
        totals = {org: sum(values) for org, values in series.items()}
        minutes: dict[str, int] = {}
        for row in rows:
            minutes[row.organization] = minutes.get(row.organization, 0) + row.minutes
        title.update(
            f" Notes per {period}, {periods[0]} to {periods[-1]} — one line per organization "
            f"(total notes · hours)"
        )
        lines = []
        for org in sorted(series, key=lambda name: (-totals[name], name.casefold())):
            label = (
                f"{org[:26]:<26} {types.get(org, '')[:18]:<18} {totals[org]:>4} · {minutes[org] / 60:>5.1f} h"
            )
            lines.append(
                Horizontal(
                    Label(label, classes="spark-label"),
                    Sparkline(series[org], summary_function=max, classes="spark"),
                    classes="spark-row",
                )
            )
        box.mount_all(lines)

    @on(Input.Submitted)
    @on(Select.Changed)
    def _changed(self) -> None:
        self.refresh_reports()

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        if not event.value.strip():
            self.refresh_reports()

    def action_back(self) -> None:
        self.skip_in_open_list()
        self.dismiss(None)

    def action_focus_dates(self) -> None:
        self.set_focus(self.query_one("#rep-since", Input))

    def action_tab(self, pane: str) -> None:
        """Show a tab, and put the cursor in its table (the tabs follow the focus)."""
        self.query_one("#rep-tabs", TabbedContent).active = pane
        tables = {
            "tab-contacts": "#rep-contacts",
            "tab-ties": "#rep-ties",
            "tab-network": "#rep-network",
            "tab-codes": "#rep-codes",
        }
        table = tables[pane]
        self.set_focus(self.query_one(table, DataTable))

    def action_help(self) -> None:
        self.fn_app.show_help(self)


def _period_start(period: str) -> str:
    """The first day of a period ('2015-06' or '2015-W23') as YYYY-MM-DD."""
    if "-W" in period:
        year, week = period.split("-W")
        return datetime.fromisocalendar(int(year), int(week), 1).strftime("%Y-%m-%d")
    return f"{period}-01"
