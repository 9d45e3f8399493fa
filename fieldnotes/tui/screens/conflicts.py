"""The Conflicts screen (ctrl+k): what merges could not decide, and the researcher's choice.

Each conflict shows every value with who wrote it and when. Pick one (1, 2...), or
edit a combined value in the box and save it (ctrl+s); an edit against a delete is
kept (k) or deleted (d). Resolving saves a new version of the note or record.

`offer_conflict_copies` is what the app does at start: sync tools' conflicted copies
beside the database are offered for merging, and open conflicts are announced.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, DataTable, Label, Static, TextArea

from fieldnotes.errors import FieldnotesError
from fieldnotes.merge.conflicts import DELETE, KEEP, Conflict, list_conflicts, resolve
from fieldnotes.tui.screens.base import FieldnotesScreen
from fieldnotes.tui.widgets.chrome import ScreenFooter, ScreenHeader

if TYPE_CHECKING:
    from fieldnotes.tui.app import FieldnotesApp


def _shown(value: Any) -> str:
    return "(empty)" if value in ("", None) else str(value)


class ConflictsScreen(FieldnotesScreen[None]):
    """Every open conflict; the highlighted one's values, with their authors and times."""

    HELP_TITLE = "Conflicts"
    BINDINGS = [
        Binding("escape", "back", "Back", id="conflicts-back", tooltip="back to the list of notes"),
        Binding("1", "pick(1)", "Use 1", id="conflict-pick-1", tooltip="keep value 1"),
        Binding("2", "pick(2)", "Use 2", id="conflict-pick-2", tooltip="keep value 2"),
        Binding("3", "pick(3)", "Use 3", show=False, id="conflict-pick-3", tooltip="keep value 3"),
        Binding(
            "ctrl+s",
            "combined",
            "Save edited",
            priority=True,
            id="conflict-save",
            tooltip="keep the edited value",
        ),
        Binding("k", "keep", "Keep", id="conflict-keep", tooltip="an edit against a delete: keep it"),
        Binding("d", "delete", "Delete", id="conflict-delete", tooltip="an edit against a delete: delete it"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.conflicts: list[Conflict] = []

    def compose(self) -> ComposeResult:
        yield ScreenHeader()
        yield DataTable(id="cf-table", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="cf-detail"):
            yield Static("", id="cf-what")
            yield Vertical(id="cf-values")
            yield Label("Or edit a combined value, then ctrl+s:", id="cf-edit-label")
            yield TextArea("", id="cf-combined")
            with Horizontal(id="cf-buttons"):
                yield Button("Save edited (ctrl+s)", id="cf-save", variant="primary")
                yield Button("Keep (k)", id="cf-keep")
                yield Button("Delete (d)", id="cf-delete", variant="error")
        yield Static("No conflicts: every merge so far was decided.", id="cf-empty")
        yield ScreenFooter()

    def on_mount(self) -> None:
        self.sub_title = "Conflicts"
        self.query_one("#cf-table", DataTable).add_columns("", "Record", "What", "Values", "Found")
        self.reload()

    def reload(self) -> None:
        self.conflicts = list_conflicts(self.service)
        table = self.query_one("#cf-table", DataTable)
        table.clear()
        for conflict in self.conflicts:
            values = " | ".join(_shown(side.get("value"))[:30] for side in conflict.values)
            table.add_row("⚠", conflict.title[:40], conflict.what, values, conflict.found, key=conflict.guid)
        empty = not self.conflicts
        self.query_one("#cf-empty").display = empty
        self.query_one("#cf-detail").display = not empty
        table.display = not empty
        if not empty:
            table.focus()
            self.show(self.conflicts[min(table.cursor_row, len(self.conflicts) - 1)])

    @property
    def current(self) -> Conflict | None:
        table = self.query_one("#cf-table", DataTable)
        if not self.conflicts:
            return None
        return self.conflicts[min(max(table.cursor_row, 0), len(self.conflicts) - 1)]

    @on(DataTable.RowHighlighted, "#cf-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        conflict = next((c for c in self.conflicts if c.guid == event.row_key.value), None)
        if conflict is not None:
            self.show(conflict)

    def show(self, conflict: Conflict) -> None:
        deleted = conflict.kind == "deleted"
        self.query_one("#cf-what", Static).update(f"⚠ {conflict.title}: {conflict.what}")
        box = self.query_one("#cf-values", Vertical)
        box.remove_children()
        for number, side in enumerate(conflict.values, start=1):
            who = side.get("author") or "someone"
            when = side.get("when") or "at an unknown time"
            text = _shown(side.get("value"))
            if deleted:
                text = "Deleted." if side.get("value") == "deleted" else "Edited: the note is kept meanwhile."
            value = Static(text, classes="cf-value", markup=False)
            value.border_title = f"{number}. {who}, {when}"
            box.mount(value)
        combined = "\n\n".join(str(side.get("value") or "") for side in conflict.values if side.get("value"))
        area = self.query_one("#cf-combined", TextArea)
        area.text = "" if deleted else combined
        for widget in ("#cf-combined", "#cf-edit-label", "#cf-save"):
            self.query_one(widget).display = not deleted
        for widget in ("#cf-keep", "#cf-delete"):
            self.query_one(widget).display = deleted
        self.refresh_bindings()

    def _resolve(self, value: Any) -> None:
        conflict = self.current
        if conflict is None:
            return
        try:
            resolve(self.service, conflict, value)
        except FieldnotesError as exc:
            self.fn_app.show_error(exc, title="Not resolved")
            return
        self.notify(f"Resolved: {conflict.title}, {conflict.what}.")
        self.reload()
        self.fn_app.main_screen.refresh_notes()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        conflict = self.current
        if action in ("keep", "delete"):
            return conflict is not None and conflict.kind == "deleted"
        if action in ("pick", "combined"):
            return conflict is not None and conflict.kind != "deleted"
        return True

    def action_pick(self, number: int) -> None:
        conflict = self.current
        if conflict is not None and 1 <= number <= len(conflict.values):
            self._resolve(conflict.values[number - 1].get("value"))

    def action_combined(self) -> None:
        self._resolve(self.query_one("#cf-combined", TextArea).text)

    def action_keep(self) -> None:
        self._resolve(KEEP)

    def action_delete(self) -> None:
        self._resolve(DELETE)

    def action_back(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#cf-save")
    def _save(self) -> None:
        self.action_combined()

    @on(Button.Pressed, "#cf-keep")
    def _keep(self) -> None:
        self.action_keep()

    @on(Button.Pressed, "#cf-delete")
    def _delete(self) -> None:
        self.action_delete()


def offer_conflict_copies(app: FieldnotesApp) -> None:
    """At start: offer to merge a sync tool's conflicted copies; announce open conflicts."""
    from fieldnotes.merge.copies import conflict_copies
    from fieldnotes.tui.dialogs.confirm import ConfirmDialog

    service = app.service
    copies = conflict_copies(service.path)
    count = len(list_conflicts(service))
    if count:
        app.notify(f"{count} conflict(s) from merges to resolve: ctrl+k.", title="Conflicts", timeout=15)
    if not copies:
        return
    names = ", ".join(copy.name for copy in copies)
    if service.store.encrypted:
        app.notify(
            f"A sync tool left conflicted copies beside the database: {names}. "
            "Merge them with `fieldnotes doctor --merge-copies`.",
            title="Conflicted copies",
            severity="warning",
            timeout=30,
            markup=False,
        )
        return

    def answered(yes: bool | None) -> None:
        if yes:
            merge_copies(app, copies)

    question = (
        f"A sync tool left {len(copies)} conflicted cop{'y' if len(copies) == 1 else 'ies'} of this "
        f"database beside it ({names}). Merge them in now? A backup is taken first."
    )
    app.push_screen(ConfirmDialog(question, yes="Merge"), answered)


def merge_copies(app: FieldnotesApp, copies: list[Any]) -> None:
    import os

    from fieldnotes.merge.files import merge_into, read_copy

    path = app.service.path
    aside = path.parent / "backups" / "merged-copies"
    for copy in copies:
        try:
            outcome = merge_into(path, read_copy(copy, what="the copy"))
            aside.mkdir(parents=True, exist_ok=True)
            os.replace(copy, aside / copy.name)
        except (FieldnotesError, OSError) as exc:
            app.show_error(exc, title=f"{copy.name} was not merged")
            continue
        app.notify(" ".join(outcome.report.lines()), title=f"Merged {copy.name}", markup=False)
    app.main_screen.refresh_notes()


__all__ = ["ConflictsScreen", "merge_copies", "offer_conflict_copies"]
