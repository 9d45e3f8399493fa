"""Screens for organizations (o), informants (p) and the codebook (c).

Each has a searchable list with usage counts, edit in a form, rename and merge
with confirmation, and the notes that use the selected entry below it (Enter
opens one).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static, Tree

from fieldnotes.errors import InputError, ValidationError
from fieldnotes.index import NoteFilter
from fieldnotes.model import (
    CODE_ORIGINS,
    CONSENT_TYPES,
    Code,
    Informant,
    Organization,
)
from fieldnotes.text import tag_key
from fieldnotes.tui.screens.dialogs import ConfirmDialog
from fieldnotes.tui.screens.record_form import FieldSpec, RecordForm
from fieldnotes.tui.widgets.note_table import NoteTable

if TYPE_CHECKING:
    from fieldnotes.tui.app import FieldnotesApp


def _attempt(action: Callable[[], object]) -> str | None:
    """Run a service action; its error message, or None when it worked."""
    try:
        action()
    except InputError as exc:
        return str(exc)
    return None


class RegistryScreen(Screen[None]):
    """The shared frame: search, the entries, and the notes of the selected one."""

    TITLE_TEXT = ""
    COLUMNS: tuple[str, ...] = ()
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("slash", "search", "Search"),
        Binding("a", "add", "Add"),
        Binding("e", "edit", "Edit"),
        Binding("r", "rename", "Rename"),
        Binding("m", "merge", "Merge"),
        Binding("tab", "app.focus_next", "Next pane", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.selected: str | None = None

    @property
    def fn_app(self) -> FieldnotesApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder=f"/ to search {self.TITLE_TEXT.lower()}", id="reg-search")
        yield self.make_list()
        yield Static("", id="reg-notes-title")
        yield NoteTable(id="reg-notes")
        yield Footer()

    def make_list(self) -> DataTable[Any] | Tree[str]:
        table: DataTable[Any] = DataTable(cursor_type="row", zebra_stripes=True, id="reg-list")
        return table

    def on_mount(self) -> None:
        self.sub_title = self.TITLE_TEXT
        self.query_one("#reg-notes", NoteTable).kind_colors = self.fn_app.kind_colors()
        lister = self.query_one("#reg-list")
        if isinstance(lister, DataTable):
            lister.add_columns(*self.COLUMNS)
        self.reload()
        lister.focus()

    # ------------------------------------------------------------ content
    def entries(self, text: str) -> list[tuple[str, tuple[Any, ...]]]:
        """(key, cells) for each entry matching the search text."""
        raise NotImplementedError

    def note_filter(self, key: str) -> NoteFilter:
        raise NotImplementedError

    def reload(self) -> None:
        table = self.query_one("#reg-list", DataTable)
        text = self.query_one("#reg-search", Input).value.strip().casefold()
        table.clear()
        for key, cells in self.entries(text):
            table.add_row(*cells, key=key)
        if table.row_count:
            keys = [row.value for row in table.rows]
            index = keys.index(self.selected) if self.selected in keys else 0
            table.move_cursor(row=index)
            self.show_notes(str(keys[index]))
        else:
            self.show_notes(None)

    def show_notes(self, key: str | None) -> None:
        self.selected = key
        notes_table = self.query_one("#reg-notes", NoteTable)
        title = self.query_one("#reg-notes-title", Static)
        if key is None:
            notes_table.show([])
            title.update(
                " Nothing matches." if self.query_one("#reg-search", Input).value else " Nothing here yet."
            )
            return
        notes = self.fn_app.service.note_views(self.note_filter(key))
        notes_table.show(notes)
        title.update(f" Notes with [b]{key}[/b]: {len(notes)}   [dim](tab to the list, enter opens)[/]")

    @on(Input.Changed, "#reg-search")
    def _search(self) -> None:
        self.reload()

    @on(Input.Submitted, "#reg-search")
    def _search_done(self) -> None:
        self.query_one("#reg-list").focus()

    @on(DataTable.RowHighlighted, "#reg-list")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            self.show_notes(str(event.row_key.value))

    @on(DataTable.RowSelected, "#reg-list")
    def _selected(self) -> None:
        self.query_one("#reg-notes").focus()

    @on(DataTable.RowSelected, "#reg-notes")
    def _open(self) -> None:
        note = self.query_one("#reg-notes", NoteTable).current_note
        if note is not None:
            self.fn_app.open_note(note.id)

    # ------------------------------------------------------------ actions
    def action_back(self) -> None:
        search = self.query_one("#reg-search", Input)
        if search.has_focus and search.value:
            search.value = ""
            return
        self.dismiss(None)

    def action_search(self) -> None:
        self.query_one("#reg-search", Input).focus()

    def action_add(self) -> None:
        self.edit(None)

    def action_edit(self) -> None:
        if self.selected:
            self.edit(self.selected)

    def edit(self, key: str | None) -> None:
        raise NotImplementedError

    def names(self) -> list[str]:
        raise NotImplementedError

    def rename(self, old: str, new: str) -> object:
        raise NotImplementedError

    def merge(self, source: str, target: str) -> object:
        raise NotImplementedError

    def _after_change(self, new_key: str | None = None) -> None:
        if new_key:
            self.selected = new_key
        self.reload()
        self.fn_app.main_screen.refresh_notes()

    def action_rename(self) -> None:
        old = self.selected
        if not old:
            return

        def apply(values: dict[str, str]) -> str | None:
            return _attempt(lambda: self.rename(old, values["name"]))

        def done(values: dict[str, str] | None) -> None:
            if values:
                self.notify(f"Renamed “{old}” to “{values['name']}” in every note. A backup was taken first.")
                self._after_change(values["name"])

        self.app.push_screen(
            RecordForm(f"Rename “{old}” everywhere", [FieldSpec("name", "New name", old)], apply), done
        )

    def action_merge(self) -> None:
        source = self.selected
        if not source:
            return
        others = [name for name in self.names() if tag_key(name) != tag_key(source)]

        def chosen(values: dict[str, str] | None) -> None:
            if not values or not values["target"]:
                return
            target = values["target"]

            def answered(yes: bool | None) -> None:
                if not yes:
                    return
                problem = _attempt(lambda: self.merge(source, target))
                if problem:
                    self.notify(problem, severity="error")
                    return
                self.notify(f"Merged “{source}” into “{target}”. A backup was taken first.")
                self._after_change(target)

            self.app.push_screen(
                ConfirmDialog(
                    f"Merge “{source}” into “{target}”? Every note tagging “{source}” will tag "
                    f"“{target}” instead.",
                    yes="Merge",
                    danger=True,
                ),
                answered,
            )

        self.app.push_screen(
            RecordForm(
                f"Merge “{source}” into…",
                [
                    FieldSpec(
                        "target",
                        "Into",
                        suggestions=lambda: others,
                        complete_on_save=True,
                        placeholder="type a few letters",
                    )
                ],
            ),
            chosen,
        )


class OrganizationsScreen(RegistryScreen):
    TITLE_TEXT = "Organizations"
    COLUMNS = ("Organization", "Type", "Also known as", "Notes", "Meetings", "Events", "Interviews")

    def entries(self, text: str) -> list[tuple[str, tuple[Any, ...]]]:
        service = self.fn_app.service
        usage = service.registries.organization_usage()
        out = []
        for org in service.registries.organizations():
            haystack = " ".join([org.name, org.type, *org.aliases, org.description]).casefold()
            if text and text not in haystack:
                continue
            counts = usage.get(tag_key(org.name)) or {}
            cells = (
                org.name,
                org.type or "–",
                ", ".join(org.aliases),
                sum(counts.values()),
                counts.get("meeting", 0),
                counts.get("event", 0),
                counts.get("interview", 0),
            )
            out.append((org.name, cells))
        return out

    def note_filter(self, key: str) -> NoteFilter:
        return NoteFilter(org=key)

    def names(self) -> list[str]:
        return [org.name for org in self.fn_app.service.registries.organizations()]

    def rename(self, old: str, new: str) -> object:
        return self.fn_app.service.registries.rename_organization(old, new)

    def merge(self, source: str, target: str) -> object:
        return self.fn_app.service.registries.merge_organizations(source, target)

    def edit(self, key: str | None) -> None:
        service = self.fn_app.service
        org = service.registries.organization(key) if key else Organization("")
        fields = [
            FieldSpec("name", "Name", org.name),
            FieldSpec(
                "type",
                "Type",
                org.type,
                suggestions=service.registries.organization_types,
                placeholder="e.g. human-service nonprofit (→ completes)",
            ),
            FieldSpec(
                "aliases", "Aliases", "; ".join(org.aliases), placeholder="other spellings, separated by ;"
            ),
            FieldSpec("description", "Description", org.description),
        ]

        def apply(values: dict[str, str]) -> str | None:
            updated = replace(
                org,
                name=values["name"],
                type=values["type"],
                description=values["description"],
                aliases=[a for a in values["aliases"].split(";") if a.strip()],
            )
            return _attempt(lambda: service.registries.save_organization(updated, original=key))

        def done(values: dict[str, str] | None) -> None:
            if values:
                self._after_change(values["name"])

        self.app.push_screen(
            RecordForm("Edit organization" if key else "New organization", fields, apply), done
        )


class InformantsScreen(RegistryScreen):
    TITLE_TEXT = "Informants"
    COLUMNS = ("Pseudonym", "Role", "Organization", "Consent", "Consent date", "Interviews")
    BINDINGS = [binding for binding in RegistryScreen.BINDINGS if binding.key != "m"]

    def entries(self, text: str) -> list[tuple[str, tuple[Any, ...]]]:
        service = self.fn_app.service
        counts = service.registries.interview_counts()
        out = []
        for person in service.registries.informants():
            haystack = " ".join([person.pseudonym, person.role, person.organization, person.notes]).casefold()
            if text and text not in haystack:
                continue
            consent = person.consent or Text("not recorded", style="bold red")
            cells = (
                person.pseudonym,
                person.role,
                person.organization,
                consent,
                person.consent_date,
                counts[tag_key(person.pseudonym)],
            )
            out.append((person.pseudonym, cells))
        return out

    def note_filter(self, key: str) -> NoteFilter:
        return NoteFilter(kind="interview", text=key)

    def show_notes(self, key: str | None) -> None:
        super().show_notes(key)
        if key is not None:  # the text filter may match other notes: keep this informant's interviews
            table = self.query_one("#reg-notes", NoteTable)
            table.show([n for n in table.notes if tag_key(n.informant) == tag_key(key)])

    def names(self) -> list[str]:
        return [p.pseudonym for p in self.fn_app.service.registries.informants()]

    def rename(self, old: str, new: str) -> object:
        service = self.fn_app.service
        return service.registries.save_informant(
            replace(service.registries.informant(old), pseudonym=new), original=old
        )

    def merge(self, source: str, target: str) -> object:
        raise ValidationError("informants are not merged; rename one instead")

    def edit(self, key: str | None) -> None:
        service = self.fn_app.service
        person = service.registries.informant(key) if key else Informant("")
        fields = [
            FieldSpec("pseudonym", "Pseudonym", person.pseudonym, placeholder="never a real name"),
            FieldSpec(
                "role", "Role", person.role, suggestions=lambda: service.field_values("informant_role")
            ),
            FieldSpec(
                "organization",
                "Organization",
                person.organization,
                suggestions=lambda: [o.name for o in service.registries.organizations()],
                complete_on_save=True,
            ),
            FieldSpec("consent", "Consent", person.consent, choices=CONSENT_TYPES),
            FieldSpec("consent_date", "Consent date", person.consent_date, placeholder="YYYY-MM-DD"),
            FieldSpec("notes", "Notes", person.notes),
            FieldSpec(
                "real_names",
                "Real names",
                "; ".join(person.real_names),
                placeholder="kept here only; exports can replace them (;-separated)",
            ),
        ]

        def apply(values: dict[str, str]) -> str | None:
            names = [name.strip() for name in values.pop("real_names").split(";") if name.strip()]
            return _attempt(
                lambda: service.registries.save_informant(
                    replace(person, real_names=names, **values), original=key
                )
            )

        def done(values: dict[str, str] | None) -> None:
            if values:
                self._after_change(values["pseudonym"])

        self.app.push_screen(RecordForm("Edit informant" if key else "New informant", fields, apply), done)


class CodebookScreen(RegistryScreen):
    """The codebook as a tree: D deductive, I inductive, and how many notes use each code."""

    TITLE_TEXT = "Codebook"
    BINDINGS = [*RegistryScreen.BINDINGS, Binding("v", "move", "Move")]

    def make_list(self) -> Tree[str]:
        tree: Tree[str] = Tree("Codebook", id="reg-list")
        tree.show_root = False
        tree.guide_depth = 3
        return tree

    def reload(self) -> None:
        service = self.fn_app.service
        tree = self.query_one("#reg-list", Tree)
        text = self.query_one("#reg-search", Input).value.strip().casefold()
        usage = service.registries.code_usage()
        codes = service.registries.codes()
        children: dict[str, list[Code]] = {}
        for code in codes:
            children.setdefault(tag_key(code.parent), []).append(code)
        matching = {
            tag_key(c.name) for c in codes if not text or text in f"{c.name} {c.description}".casefold()
        }
        tree.clear()
        select_line = None

        def keep(code: Code, seen: set[str]) -> bool:
            key = tag_key(code.name)
            return key in matching or any(
                keep(child, seen | {key})
                for child in children.get(key, [])
                if tag_key(child.name) not in seen
            )

        def add(node: Any, parent_key: str, seen: set[str]) -> None:
            nonlocal select_line
            for code in children.get(parent_key, []):
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
                grandchildren = [c for c in children.get(key, []) if tag_key(c.name) not in seen | {key}]
                child = (
                    node.add(label, data=code.name, expand=True)
                    if grandchildren
                    else node.add_leaf(label, data=code.name)
                )
                if self.selected and key == tag_key(self.selected):
                    select_line = child
                add(child, key, seen | {key})

        add(tree.root, "", set())
        target = (
            select_line
            if select_line is not None
            else (tree.root.children[0] if tree.root.children else None)
        )
        self.show_notes(target.data if target is not None else None)
        if target is not None:
            # The tree lays out its lines on the next refresh; move the cursor then.
            self.call_after_refresh(tree.move_cursor, target)

    @on(Tree.NodeHighlighted, "#reg-list")
    def _node(self, event: Tree.NodeHighlighted[str]) -> None:
        if event.node.data:
            self.show_notes(event.node.data)

    @on(Tree.NodeSelected, "#reg-list")
    def _node_selected(self) -> None:
        self.query_one("#reg-notes").focus()

    def show_notes(self, key: str | None) -> None:
        super().show_notes(key)
        if key:
            code = next((c for c in self.fn_app.service.registries.codes() if c.name == key), None)
            if code is not None:
                origin = code.origin + (f", first in a note of {code.first_date}" if code.first_date else "")
                description = f" — {code.description}" if code.description else ""
                title = self.query_one("#reg-notes-title", Static)
                notes = len(self.query_one("#reg-notes", NoteTable).notes)
                title.update(
                    Text.assemble(" ", (code.name, "bold"), f" ({origin}){description}  ·  {notes} notes")
                )

    def note_filter(self, key: str) -> NoteFilter:
        return NoteFilter(code=key)

    def names(self) -> list[str]:
        return [code.name for code in self.fn_app.service.registries.codes()]

    def rename(self, old: str, new: str) -> object:
        return self.fn_app.service.registries.rename_code(old, new)

    def merge(self, source: str, target: str) -> object:
        return self.fn_app.service.registries.merge_codes(source, target)

    def edit(self, key: str | None) -> None:
        service = self.fn_app.service
        code = service.registries.code(key) if key else Code("", origin="deductive")
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
            return _attempt(lambda: service.registries.save_code(updated, original=key))

        def done(values: dict[str, str] | None) -> None:
            if values:
                self._after_change(values["name"])

        self.app.push_screen(RecordForm("Edit code" if key else "New code", fields, apply), done)

    def action_move(self) -> None:
        name = self.selected
        if not name:
            return
        service = self.fn_app.service

        def apply(values: dict[str, str]) -> str | None:
            return _attempt(lambda: service.registries.move_code(name, values["parent"]))

        def done(values: dict[str, str] | None) -> None:
            if values is not None:
                self.notify(f"Moved “{name}”. A backup was taken first.")
                self._after_change(name)

        others = [n for n in self.names() if n != name]
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
