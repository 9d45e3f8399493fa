"""The organization registry (o): types, aliases and how often each organization comes up."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import TYPE_CHECKING

from fieldnotes.index import NoteFilter
from fieldnotes.model import Note, Organization
from fieldnotes.text import tag_key
from fieldnotes.tui.dialogs.record_form import FieldSpec, RecordForm, attempt
from fieldnotes.tui.screens.registries.base import RegistryScreen
from fieldnotes.tui.widgets.entry_list import Entry

if TYPE_CHECKING:
    from fieldnotes.service import FieldNotes


class OrganizationRegistry:
    """Organizations for `RegistryScreen`; they can be merged (one becomes an alias of the other)."""

    title = "Organizations"
    columns: tuple[str, ...] = (
        "Organization",
        "Type",
        "Also known as",
        "Notes",
        "Meetings",
        "Events",
        "Interviews",
    )
    key_field = "name"
    memo_kind = "org"  # memos link to organizations as org:NAME

    def __init__(self, service: FieldNotes) -> None:
        self.service = service
        self.registries = service.registries

    def entries(self, text: str) -> list[Entry]:
        usage = self.registries.organization_usage()
        out = []
        for org in self.registries.organizations():
            haystack = " ".join([org.name, org.type, *org.aliases, org.description]).casefold()
            if text and text not in haystack:
                continue
            counts = usage.get(tag_key(org.name)) or Counter()
            cells = (
                org.name,
                org.type or "–",
                ", ".join(org.aliases),
                sum(counts.values()),
                counts.get("meeting", 0),
                counts.get("event", 0),
                counts.get("interview", 0),
            )
            out.append(Entry(org.name, cells))
        return out

    def names(self) -> list[str]:
        return [org.name for org in self.registries.organizations()]

    def notes(self, key: str) -> list[Note]:
        return self.service.note_views(NoteFilter(org=key))

    def rename(self, old: str, new: str) -> object:
        return self.registries.rename_organization(old, new)

    def merge(self, source: str, target: str) -> object:
        return self.registries.merge_organizations(source, target)

    def edit_form(self, key: str | None) -> RecordForm:
        registries = self.registries
        org = registries.organization(key) if key else Organization("")
        fields = [
            FieldSpec("name", "Name", org.name),
            FieldSpec(
                "type",
                "Type",
                org.type,
                suggestions=registries.organization_types,
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
            return attempt(lambda: registries.save_organization(updated, original=key))

        return RecordForm("Edit organization" if key else "New organization", fields, apply)


class OrganizationsScreen(RegistryScreen):
    """The organizations, with how many notes of each kind tag each one."""

    HELP_TITLE = "Organizations"

    def __init__(self, service: FieldNotes) -> None:
        super().__init__(OrganizationRegistry(service))
