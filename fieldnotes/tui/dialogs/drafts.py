"""The unsaved forms kept as drafts (a crash, a closed lid, "later"): resume or discard each."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, Static

from fieldnotes.errors import FieldnotesError
from fieldnotes.model import KINDS
from fieldnotes.text import one_line
from fieldnotes.tui.dialogs.confirm import ConfirmDialog
from fieldnotes.tui.screens.base import FieldnotesModal

FIRST_WORDS = 40


def draft_kind(draft: dict[str, Any]) -> str:
    """The kind of note a draft is for ('' when it is not a note form's draft)."""
    kind = draft.get("kind")
    return kind if isinstance(kind, str) and kind in KINDS else ""


def draft_row(draft: dict[str, Any]) -> tuple[str, str, str, str]:
    """(when saved, kind, title, first words) as the list shows a draft."""
    fields = draft.get("fields") if isinstance(draft.get("fields"), dict) else {}
    title = one_line(str(fields.get("title", ""))) or "(untitled)"
    if draft.get("note_id"):
        title += "  (edit)"
    words = one_line(str(fields.get("body", "")))
    if len(words) > FIRST_WORDS:
        words = words[: FIRST_WORDS - 1] + "…"
    return str(draft.get("saved_at", "")), draft_kind(draft), title, words


class DraftsDialog(FieldnotesModal[tuple[str, str] | None]):
    """Dismisses with ("resume", draft id), or None ("later": every draft is kept)."""

    HELP_TITLE = "Unsaved drafts"
    BINDINGS = [
        Binding(
            "e", "resume", "Resume", priority=True, id="draft-resume", tooltip="resume the draft (edit it)"
        ),
        Binding(
            "d",
            "discard",
            "Discard",
            priority=True,
            id="draft-discard",
            tooltip="discard the draft (asks first)",
        ),
        Binding(
            "escape", "later", "Later", priority=True, id="draft-later", tooltip="later: keep every draft"
        ),
    ]

    def __init__(self, drafts: list[tuple[str, dict[str, Any]]], *, on_start: bool = False) -> None:
        super().__init__()
        self.drafts = list(drafts)
        self.on_start = on_start

    def compose(self) -> ComposeResult:
        count = len(self.drafts)
        intro = (
            f"{'An unsaved note was' if count == 1 else f'{count} unsaved notes were'} kept as "
            f"{'a draft' if count == 1 else 'drafts'}."
        )
        with Vertical(classes="dialog drafts-dialog"):
            yield Static(intro + " Resume one, discard it, or decide later.", classes="dialog-question")
            yield DataTable(id="drafts", cursor_type="row", zebra_stripes=True)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Resume (e)", id="resume", variant="primary")
                yield Button("Discard (d)", id="discard", variant="error")
                yield Button("Later (esc)", id="later")

    def on_mount(self) -> None:
        table = self.query_one("#drafts", DataTable)
        table.add_columns("Kept at", "Kind", "Title", "First words")
        self._fill()
        self.set_focus(table)

    def _fill(self) -> None:
        table = self.query_one("#drafts", DataTable)
        table.clear()
        for draft_id, draft in self.drafts:
            table.add_row(*draft_row(draft), key=draft_id)

    @property
    def selected(self) -> str | None:
        table = self.query_one("#drafts", DataTable)
        if not table.row_count:
            return None
        return self.drafts[table.cursor_row][0]

    @on(DataTable.RowSelected, "#drafts")
    @on(Button.Pressed, "#resume")
    def action_resume(self) -> None:
        draft_id = self.selected
        if draft_id is not None:
            self.dismiss(("resume", draft_id))

    @on(Button.Pressed, "#discard")
    def action_discard(self) -> None:
        draft_id = self.selected
        if draft_id is None:
            return
        _, kind, title, _ = draft_row(dict(self.drafts)[draft_id])

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            try:
                self.service.discard_draft(draft_id)
            except (FieldnotesError, OSError) as exc:
                self.fn_app.show_error(exc, title="Draft not discarded")
                return
            self.drafts = [(key, draft) for key, draft in self.drafts if key != draft_id]
            self.notify(f"Discarded the draft “{title}”.", title="Drafts")
            if not self.drafts:
                self.dismiss(None)
                return
            self._fill()

        self.app.push_screen(
            ConfirmDialog(
                f"Discard the unsaved {kind} “{title}”? What it holds will be lost.",
                yes="Discard",
                danger=True,
            ),
            answered,
        )

    @on(Button.Pressed, "#later")
    def action_later(self) -> None:
        if self.on_start:
            self.notify("Drafts are kept. Open them again with ctrl+p, “Drafts…”.", title="Drafts")
        self.dismiss(None)
