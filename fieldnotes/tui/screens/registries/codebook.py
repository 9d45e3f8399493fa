"""The codebook (c): codes as a tree, D deductive or I inductive, and how many notes use each."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from rich.text import Text
from textual.binding import Binding

from fieldnotes.index import NoteFilter
from fieldnotes.model import CODE_ORIGINS, Code, Note
from fieldnotes.text import tag_key
from fieldnotes.tui.dialogs.record_form import FieldSpec, RecordForm, attempt
from fieldnotes.tui.screens.registries.base import RegistryScreen
from fieldnotes.tui.widgets.entry_list import Entry

if TYPE_CHECKING:
    from fieldnotes.service import FieldNotes


class CodebookRegistry:
    """Codes for `RegistryScreen`, as a tree; they can be merged (and moved, by `CodebookScreen`)."""

    title = "Codebook"
    columns: tuple[str, ...] = ()  # a tree
    key_field = "name"
    memo_kind = "code"  # memos link to codes as code:NAME

    def __init__(self, service: FieldNotes) -> None:
        self.service = service
        self.registries = service.registries

    def entries(self, text: str) -> list[Entry]:
        """Every code matching `text`, with the codes above it, parents first. The
        label is the name (bold when it matches a search), D or I, and the notes using it."""
        usage = self.registries.code_usage()
        codes = self.registries.codes()
        children: dict[str, list[Code]] = {}
        for code in codes:
            children.setdefault(tag_key(code.parent), []).append(code)
        matching = {
            tag_key(c.name) for c in codes if not text or text in f"{c.name} {c.description}".casefold()
        }

        def keep(code: Code, seen: set[str]) -> bool:
            key = tag_key(code.name)
            return key in matching or any(
                keep(child, seen | {key})
                for child in children.get(key, [])
                if tag_key(child.name) not in seen
            )

        out: list[Entry] = []

        def add(parent: Code | None, seen: set[str]) -> None:
            for code in children.get(tag_key(parent.name) if parent else "", []):
                key = tag_key(code.name)
                if key in seen or not keep(code, seen):
                    continue
                label = Text.assemble(
                    (f"{code.name}", "bold" if key in matching and text else ""),
                    (
                        f"  {'D' if code.origin == 'deductive' else 'I'}",
                        "cyan" if code.origin == "deductive" else "magenta",
                    ),
                    (f"  {usage[key]}", "dim"),
                )
                out.append(Entry(code.name, (label,), parent.name if parent else ""))
                add(code, seen | {key})

        add(None, set())
        return out

    def names(self) -> list[str]:
        return [code.name for code in self.registries.codes()]

    def notes(self, key: str) -> list[Note]:
        return self.service.note_views(NoteFilter(code=key))

    def rename(self, old: str, new: str) -> object:
        return self.registries.rename_code(old, new)

    def merge(self, source: str, target: str) -> object:
        return self.registries.merge_codes(source, target)

    def move(self, name: str, parent: str) -> object:
        return self.registries.move_code(name, parent)

    def edit_form(self, key: str | None) -> RecordForm:
        registries = self.registries
        code = registries.code(key) if key else Code("", origin="deductive")
        fields = [
            FieldSpec("name", "Name", code.name),
            FieldSpec(
                "description", "Description", code.description, placeholder="its definition: when to use it"
            ),
            FieldSpec(
                "parent",
                "Parent",
                code.parent,
                suggestions=self.names,
                complete_on_save=True,
                placeholder="empty for the top level",
            ),
            FieldSpec("origin", "Origin", code.origin, choices=CODE_ORIGINS),
            FieldSpec("color", "Colour", code.color, placeholder="#1f77b4 (optional)"),
        ]

        def apply(values: dict[str, str]) -> str | None:
            updated = replace(code, **values, origin=values["origin"] or "inductive")
            return attempt(lambda: registries.save_code(updated, original=key))

        return RecordForm("Edit code" if key else "New code", fields, apply)


class CodebookScreen(RegistryScreen):
    """The codebook tree; the line over the notes says where the selected code came from."""

    HELP_TITLE = "Codebook"
    BINDINGS = [
        Binding(
            "b",
            "move",
            "Move",
            priority=True,
            id="move-code",
            tooltip="move a code below another, after a backup",
        ),
        Binding(
            "h",
            "history",
            "History",
            show=False,
            priority=True,
            id="code-history",
            tooltip="the code's history: every change, and why",
        ),
    ]

    def __init__(self, service: FieldNotes) -> None:
        codebook = CodebookRegistry(service)
        super().__init__(codebook)
        self.codebook = codebook

    def heading(self, key: str, count: int) -> str | Text:
        code = next((c for c in self.service.registries.codes() if c.name == key), None)
        if code is None:
            return super().heading(key, count)
        origin = code.origin + (f", first in a note of {code.first_date}" if code.first_date else "")
        description = f" — {code.description}" if code.description else ""
        under = len(self.service.code_family(code.name)) - 1
        family = f" (with the {under} code{'s' if under > 1 else ''} under it)" if under else ""
        changes = len(self.service.registries.history.for_code(code.name, code.guid))
        history = f"  ·  {changes} change{'s' if changes != 1 else ''} (h)" if changes else ""
        return Text.assemble(
            " ",
            (code.name, "bold"),
            f" ({origin}){description}  ·  {count} notes{family}{history}{self.memo_count(key)}",
        )

    def action_history(self) -> None:
        """The selected code's history (fieldwork: codebook_history.py)."""
        from fieldnotes.tui.screens.code_history import CodeHistoryDialog

        code = next((c for c in self.service.registries.codes() if c.name == self.selected), None)
        if code is not None:
            self.app.push_screen(CodeHistoryDialog(code.name, code.guid))

    def action_move(self) -> None:
        self.on_selected("move", self._move)

    def _move(self, name: str) -> None:
        def apply(values: dict[str, str]) -> str | None:
            return attempt(lambda: self.codebook.move(name, values["parent"]))

        def done(values: dict[str, str] | None) -> None:
            if values is not None:
                self.notify(f"Moved “{name}”. A backup was taken first.")
                self.after_change(name)

        others = [n for n in self.codebook.names() if n != name]
        self.app.push_screen(
            RecordForm(
                f"Move “{name}” under…",
                [
                    FieldSpec(
                        "parent",
                        "Parent",
                        suggestions=lambda: others,
                        complete_on_save=True,
                        placeholder="empty for the top",
                    )
                ],
                apply,
            ),
            done,
        )
