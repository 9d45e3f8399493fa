"""One note, in full, for reading."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from fieldnotes.dates import describe, parse_iso
from fieldnotes.merge.conflicts import conflicted_fields
from fieldnotes.model import FIELD, KIND_FIELDS, PROSE_FIELDS, Note
from fieldnotes.ties import describe_tie
from fieldnotes.tui.screens.base import FieldnotesScreen
from fieldnotes.tui.widgets.chrome import ScreenFooter, ScreenHeader

HEAD_FIELDS = ("location", "organizations", "codes", "people")
"""Shown under the date, before the fields of the note's kind."""
SECTION_TITLES = {"private": "🔒 Private — never exported unless asked"}
"""Titles of the prose sections that say more than the field's label."""
WARNING_SECTIONS = frozenset({"private"})
"""Prose sections whose title is in the theme's error colour, not its accent."""


def note_header(note: Note, color: str, conflicts: list[str] | None = None) -> Text:
    """The facts of a note as aligned label/value lines; `conflicts`: the fields two merged
    copies disagree on."""
    when = describe(parse_iso(note.start))
    if note.end:
        when += f" – {describe(parse_iso(note.end))} ({note.duration_minutes} min)"
    rows: list[tuple[str, str]] = [(FIELD["start"].label, when)]
    for name in (*HEAD_FIELDS, *KIND_FIELDS[note.kind]):
        value = getattr(note, name)
        if name == "ties":  # fieldwork: "A ↔ B · referral · 4/5", one a line
            value = [describe_tie(text) for text in value]
            rows.append((FIELD[name].label, f"\n{'':>16}".join(value)))
            continue
        rows.append((FIELD[name].label, ", ".join(value) if isinstance(value, list) else value))
    text = Text()
    text.append("● ", style=color)
    text.append(note.kind.upper(), style="bold")
    text.append(f"  {note.title}\n\n", style="bold")
    for label, value in rows:
        if value:
            text.append(f"{label:>14}  ", style="dim")
            text.append(f"{value}\n")
    if note.jotted:
        text.append(f"{'Status':>14}  ", style="dim")
        text.append("✎ jotted: the write-up is still to do (e writes it up)\n", style="bold")
    if note.unconsented:
        text.append(f"{FIELD['consent'].label:>14}  ", style="dim")
        text.append("⚠ none recorded: left out of exports unless asked\n", style="bold red")
    if conflicts:
        text.append(f"{'Conflict':>14}  ", style="dim")
        text.append(
            f"⚠ two copies disagree on {', '.join(conflicts)}: ctrl+k shows both, to choose\n",
            style="bold red",
        )
    text.append(f"{'Saved':>14}  ", style="dim")
    text.append(f"{note.updated.replace('T', ' ')}  ·  id {note.id[:8]}\n", style="dim")
    return text


def note_sections(note: Note, memo_lines: list[str], accent: str, warning: str) -> list[RenderableType]:
    """The prose of a note, each section under its title, then the titles of its memos.

    Empty sections are left out. Titles are bold in `accent` (`warning` for the private
    text); the text under them is set in by one column."""
    parts: list[RenderableType] = []

    def section(title: str, text: str, color: str) -> None:
        parts.append(Text(f"\n{title}", style=f"bold {color}".strip()))
        parts.append(Padding(Text(text), (0, 1)))

    for name in PROSE_FIELDS:
        if text := getattr(note, name):
            color = warning if name in WARNING_SECTIONS else accent
            section(SECTION_TITLES.get(name, FIELD[name].label), text, color)
    if memo_lines:  # fieldwork: linked memos
        section(f"Memos about this note ({len(memo_lines)}) — M", "\n".join(memo_lines), accent)
    return parts


class NoteDetailScreen(FieldnotesScreen[None]):
    """The note's facts, then its notes, memo, follow-ups and private text."""

    HELP_TITLE = "Note view"
    BINDINGS = [
        Binding("escape", "back", "Back", priority=True, id="back", tooltip="back to the list"),
        Binding("e", "edit", "Edit", priority=True, id="edit-note", tooltip="edit (or write up) this note"),
        Binding(
            "d", "delete", "Delete", priority=True, id="delete-note", tooltip="delete this note (asks first)"
        ),
        Binding("question_mark", "help", "Help", priority=True, id="help", tooltip="every key"),
        Binding(
            "M",
            "memos",
            "Memos",
            show=False,
            priority=True,
            id="note-memos",
            tooltip="the memos about this note",
        ),
    ]

    def __init__(self, note_id: str) -> None:
        super().__init__()
        self.note_id = note_id

    def compose(self) -> ComposeResult:
        yield ScreenHeader()
        with VerticalScroll(id="detail"):
            # One widget for the whole note: each widget more costs the screen ~3 ms to open.
            yield Static(id="detail-body")
        yield ScreenFooter(compact=True)

    def on_mount(self) -> None:
        self.show_note()

    def show_note(self) -> None:
        note = self.service.get(self.note_id)
        colors = self.fn_app.theme_colors("accent", "error")
        color = self.fn_app.kind_colors().get(note.kind, "")
        conflicts = conflicted_fields(self.service, note.id)
        memos = self.service.memos.about("note", note.id)
        memo_lines = [f"{memo.short_id}  {memo.type}: {memo.title}" for memo in memos]
        parts = note_sections(note, memo_lines, colors["accent"], colors["error"])
        self.query_one("#detail-body", Static).update(Group(note_header(note, color, conflicts), *parts))

    def action_memos(self) -> None:
        note = self.service.get(self.note_id)
        self.fn_app.action_memos("note", note.id, f"“{note.title}”")

    def action_help(self) -> None:
        self.fn_app.show_help(self)

    def action_back(self) -> None:
        self.dismiss(None)

    def action_edit(self) -> None:
        self.fn_app.edit_note(self.note_id)

    def action_delete(self) -> None:
        self.fn_app.delete_note(self.note_id, then_close=self)
