"""The informants (p): interviewees by pseudonym, with their consent. Real names are never listed."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from rich.text import Text

from fieldnotes.index import NoteFilter
from fieldnotes.model import CONSENT_TYPES, Informant, Note
from fieldnotes.text import tag_key
from fieldnotes.tui.dialogs.record_form import FieldSpec, RecordForm, attempt
from fieldnotes.tui.screens.registries.base import RegistryScreen
from fieldnotes.tui.widgets.entry_list import Entry

if TYPE_CHECKING:
    from fieldnotes.service import FieldNotes


class InformantRegistry:
    """Informants for `RegistryScreen`. They are not merged (two people are two people):
    rename one instead."""

    title = "Informants"
    columns: tuple[str, ...] = ("Pseudonym", "Role", "Organization", "Consent", "Consent date", "Interviews")
    key_field = "pseudonym"
    memo_kind = "informant"  # memos link to informants as informant:PSEUDONYM

    def __init__(self, service: FieldNotes) -> None:
        self.service = service
        self.registries = service.registries

    def entries(self, text: str) -> list[Entry]:
        counts = self.registries.interview_counts()
        out = []
        for person in self.registries.informants():
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
            out.append(Entry(person.pseudonym, cells))
        return out

    def names(self) -> list[str]:
        return [person.pseudonym for person in self.registries.informants()]

    def notes(self, key: str) -> list[Note]:
        """The informant's notes: their interviews (the ones the Interviews column counts),
        and the notes that list them among the people present."""
        return self.service.note_views(NoteFilter(informant=key))

    def rename(self, old: str, new: str) -> object:
        registries = self.registries
        return registries.save_informant(replace(registries.informant(old), pseudonym=new), original=old)

    def edit_form(self, key: str | None) -> RecordForm:
        service = self.service
        registries = self.registries
        person = registries.informant(key) if key else Informant("")
        fields = [
            FieldSpec("pseudonym", "Pseudonym", person.pseudonym, placeholder="never a real name"),
            FieldSpec(
                "role", "Role", person.role, suggestions=lambda: service.field_values("informant_role")
            ),
            FieldSpec(
                "organization",
                "Organization",
                person.organization,
                suggestions=lambda: [o.name for o in registries.organizations()],
                complete_on_save=True,
            ),
            FieldSpec("consent", "Consent", person.consent, choices=CONSENT_TYPES),
            FieldSpec(
                "consent_date", "Consent date", person.consent_date, placeholder="e.g. 20 Jan 2016", date=True
            ),
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
            updated = replace(person, real_names=names, **values)
            return attempt(lambda: registries.save_informant(updated, original=key))

        return RecordForm("Edit informant" if key else "New informant", fields, apply)


class InformantsScreen(RegistryScreen):
    """The informants, with their consent and how many interviews each gave."""

    HELP_TITLE = "Informants"

    def __init__(self, service: FieldNotes) -> None:
        super().__init__(InformantRegistry(service))
