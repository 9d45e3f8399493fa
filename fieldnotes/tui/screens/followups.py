"""The Follow-ups screen (F): every note's follow-ups as items, open ones first, overdue marked."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from fieldnotes.errors import InputError
from fieldnotes.followups import Followup, parse_due
from fieldnotes.tui.dialogs.record_form import FieldSpec, RecordForm
from fieldnotes.tui.screens.base import FieldnotesScreen
from fieldnotes.tui.widgets.chrome import ScreenFooter, ScreenHeader


class FollowupsScreen(FieldnotesScreen[None]):
    """Items of every note (or of one organization), to tick off. Enter opens the item's note."""

    HELP_TITLE = "Follow-ups"
    HELP_TIPS = (("enter", "open the item's note"),)
    BINDINGS = [
        Binding("escape", "back", "Back", id="back", tooltip="back"),
        Binding("space,x", "toggle", "Done", id="followup-done", tooltip="mark the item done, or open again"),
        Binding(
            "u", "due", "Due", id="followup-due", tooltip="set its due date: friday, in 2 weeks, 1 Feb..."
        ),
        Binding(
            "c",
            "concerns",
            "Concerns",
            id="followup-concerns",
            tooltip="the organization or person it concerns",
        ),
        Binding(
            "o", "open_only", "Open only", id="followups-open", tooltip="only open items, or all of them"
        ),
    ]

    def __init__(self, concerning: str | None = None) -> None:
        super().__init__()
        self.concerning = concerning
        self.open_only = False
        self.items: list[Followup] = []

    def compose(self) -> ComposeResult:
        yield ScreenHeader()
        yield Static("", id="fu-summary")
        yield DataTable(id="fu-table", zebra_stripes=True, cursor_type="row")
        yield ScreenFooter()

    def on_mount(self) -> None:
        self.sub_title = "Follow-ups" + (f" — {self.concerning}" if self.concerning else "")
        table = self.table
        table.add_column("Id", key="id", width=7)
        table.add_column("", key="mark", width=3)
        table.add_column("Due", key="due", width=19)
        table.add_column("Follow-up", key="text")
        table.add_column("Concerns", key="concerns")
        table.add_column("Note", key="note")
        self.refresh_items()
        table.focus()

    @property
    def table(self) -> DataTable[object]:
        return self.query_one("#fu-table", DataTable)

    def today(self) -> str:
        return self.fn_app.now().strftime("%Y-%m-%d")

    def refresh_items(self, keep: str | None = None) -> None:
        """Read the items afresh; the cursor stays on `keep` (an item id), else on its row."""
        items = self.service.followups.items(open_only=self.open_only, concerning=self.concerning)
        self.items = items
        today = self.today()
        table = self.table
        row = table.cursor_row
        table.clear()
        for item in items:
            overdue = item.overdue(today)
            mark = (
                Text("✓", style="green")
                if not item.is_open
                else Text("!", style="bold red")
                if overdue
                else "·"
            )
            due = Text(f"{item.due} overdue", style="bold red") if overdue else item.due
            text = Text(item.text, style="dim strike" if not item.is_open else "")
            note = f"{item.note_start[:10]} {item.note_title}"
            table.add_row(item.short_id, mark, due, text, item.concerns, note, key=item.id)
        if keep is not None and any(item.id == keep for item in items):
            table.move_cursor(row=table.get_row_index(keep))
        elif items:
            table.move_cursor(row=min(row, len(items) - 1))
        open_count = sum(1 for item in items if item.is_open)
        overdue_count = sum(1 for item in items if item.overdue(today))
        summary = (
            f" {open_count} open" + (f", {overdue_count} overdue" if overdue_count else "")
            if items
            else " No follow-ups yet: write them in a note's Follow-ups box, one per line."
        )
        if items and not self.open_only:
            summary += f", {len(items) - open_count} done"
        self.query_one("#fu-summary", Static).update(summary)

    @property
    def current(self) -> Followup | None:
        table = self.table
        if not table.row_count:
            return None
        row = table.cursor_row
        return self.items[row] if 0 <= row < len(self.items) else None

    # ------------------------------------------------------------ actions
    def action_back(self) -> None:
        self.dismiss(None)

    def action_toggle(self) -> None:
        item = self.current
        if item is None:
            return
        saved = self.service.followups.set_done(item.id, item.is_open)
        self.refresh_items(keep=saved.id)

    def action_open_only(self) -> None:
        self.open_only = not self.open_only
        self.refresh_items()

    def action_due(self) -> None:
        item = self.current
        if item is None:
            return
        dayfirst = self.fn_app.dayfirst
        now = self.fn_app.now().date()

        def apply(values: dict[str, str]) -> str | None:
            try:
                self.service.followups.edit(
                    item.id, due=parse_due(values["due"], today=now, dayfirst=dayfirst)
                )
            except InputError as exc:
                return str(exc)
            return None

        self._form(
            item,
            "Due",
            FieldSpec("due", "Due", item.due, placeholder="friday, in 2 weeks, 1 Feb 2016"),
            apply,
        )

    def action_concerns(self) -> None:
        item = self.current
        if item is None:
            return
        registries = self.service.registries

        def names() -> list[str]:
            return [org.name for org in registries.organizations()] + [
                p.pseudonym for p in registries.informants()
            ]

        def apply(values: dict[str, str]) -> str | None:
            try:
                self.service.followups.edit(item.id, concerns=values["concerns"])
            except InputError as exc:
                return str(exc)
            return None

        spec = FieldSpec(
            "concerns",
            "Concerns",
            item.concerns,
            suggestions=names,
            complete_on_save=True,
            placeholder="an organization or person; empty: its note's",
        )
        self._form(item, "Concerns", spec, apply)

    def _form(self, item: Followup, what: str, spec: FieldSpec, apply: object) -> None:
        def done(values: dict[str, str] | None) -> None:
            if values is not None:
                self.refresh_items(keep=item.id)

        self.app.push_screen(RecordForm(f"{what}: “{item.text}”", [spec], apply), done)  # type: ignore[arg-type]

    @on(DataTable.RowSelected, "#fu-table")
    def _open(self) -> None:
        item = self.current
        if item is not None:
            self.fn_app.open_note(item.note_id)
