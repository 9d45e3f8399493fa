"""Organizations, informants, the codebook and the project: the registries.

`Registries` is owned by the service (`FieldNotes.registries`). Every operation
that renames, merges or moves also updates every note that uses the name, in
one atomic write, after a backup of the whole database. It also keeps a note's
tags consistent with the registries: canonical spellings, and new names
registered when a note is saved.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from fieldnotes.codebook_history import CodebookHistory
from fieldnotes.errors import NotFoundError, ValidationError
from fieldnotes.index import NoteIndex
from fieldnotes.merge.revisions import TOMBSTONES, env_author, stamp, tombstone, tombstone_guid
from fieldnotes.model import (
    ORG_TYPES,
    Code,
    Informant,
    Note,
    Organization,
    Project,
    new_id,
    now_stamp,
    stable_guid,
)
from fieldnotes.storage import Store
from fieldnotes.storage.store import CODES, INFORMANTS, ORGANIZATIONS, PROJECT
from fieldnotes.text import dedupe_tags, one_line, tag_key
from fieldnotes.ties import canonical_ties, renamed_tie, tie_organizations

T = TypeVar("T")
# Told when an organization, code or informant is renamed or merged: (kind, the old
# spellings' keys, the new name). Memos and follow-ups keep their links with it.
RenameListener = Callable[[str, set[str], str], None]


def _replace_tag(tags: list[str], old_keys: set[str], new: str) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for tag in tags:
        value = new if tag_key(tag) in old_keys else tag
        if tag_key(value) not in seen:
            seen.add(tag_key(value))
            out.append(value)
    return out


class Registries:
    """The registries of one database; `index` is its notes, for usage counts and retagging.

    What is read from the store is cached until the data changes (`Store.revision`
    moves with every change, even inside a transaction), so tagging 10,000
    imported notes reads the registries once, not 10,000 times. Public methods
    hand out copies: callers may change what they get.

    Every change to the codebook is recorded in `history` (the audit trail), in the
    same atomic write; `reason` arguments say why. `listeners` are told of renames
    and merges, inside the write that makes them."""

    def __init__(self, store: Store, index: NoteIndex) -> None:
        from fieldnotes.authors import current_author

        self.store = store
        self.index = index
        self._cache: dict[str, Any] = {}
        self._revision = -1
        self.history = CodebookHistory(store, author=lambda: current_author(self))
        self.listeners: list[RenameListener] = []

    def _announce(self, kind: str, old_keys: set[str], new: str) -> None:
        """Tell the listeners that `old_keys` now mean `new` (call inside the transaction)."""
        old_keys = old_keys - {tag_key(new)}
        if old_keys:
            for listener in self.listeners:
                listener(kind, old_keys, new)

    def _cached(self, key: str, build: Callable[[], T]) -> T:
        revision = self.store.revision
        if revision != self._revision:
            self._cache.clear()
            self._revision = revision
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]  # type: ignore[no-any-return]

    # ---------------------------------------------------------- organizations
    def _orgs(self) -> list[Organization]:
        def build() -> list[Organization]:
            orgs = [Organization.from_dict(doc) for doc in self.store.records(ORGANIZATIONS)]
            return sorted(orgs, key=lambda org: org.name.casefold())

        return self._cached("orgs", build)

    def organizations(self) -> list[Organization]:
        return [replace(org, aliases=list(org.aliases)) for org in self._orgs()]

    def _org_names(self) -> dict[str, str]:
        """Every spelling (names and aliases) -> the registry name."""

        def build() -> dict[str, str]:
            orgs = self._orgs()
            names = {tag_key(alias): org.name for org in reversed(orgs) for alias in org.aliases}
            names.update({tag_key(org.name): org.name for org in orgs})  # a name beats an alias
            return names

        return self._cached("org names", build)

    def organization(self, name: str) -> Organization:
        key = tag_key(name)
        for org in self.organizations():
            if key in org.spellings():
                return org
        raise NotFoundError(f"no organization is called {name!r}")

    def organization_types(self) -> list[str]:
        used = {org.type for org in self.organizations() if org.type}
        return [*ORG_TYPES, *sorted(used - set(ORG_TYPES), key=str.casefold)]

    def organization_usage(self) -> dict[str, Counter[str]]:
        """Organization key -> notes tagging it, counted by kind."""
        usage: dict[str, Counter[str]] = {}
        for note in self.index.views():
            for org in note.organizations:
                usage.setdefault(tag_key(org), Counter())[note.kind] += 1
        return usage

    def save_organization(self, org: Organization, *, original: str | None = None) -> Organization:
        """Add, or edit the organization first called `original` (renaming notes if needed)."""
        org = org.cleaned()
        org.validate()
        current = self.organization(original) if original else None
        others = [o for o in self.organizations() if current is None or o.guid != current.guid]
        taken = {key for other in others for key in other.spellings()}
        clash = next((spelling for spelling in [org.name, *org.aliases] if tag_key(spelling) in taken), None)
        if clash is not None:
            raise ValidationError(f"{clash!r} is already an organization or an alias of one", field="name")
        if current is not None:
            org.guid = current.guid
        with self.store.transaction():
            if current is not None and current.name != org.name:
                self.store.backup("before-rename")
                dropped = current.spellings() - {tag_key(a) for a in org.aliases}
                self._retag_organizations(dropped, org.name)
                self._announce("organization", dropped, org.name)
            self._put(ORGANIZATIONS, [org.to_dict()])
        return org

    def rename_organization(self, old: str, new: str) -> int:
        """Rename, updating every note that tags it. Returns how many notes changed."""
        org = self.organization(old)
        before = self._notes_tagging_org(org.spellings())
        self.save_organization(replace(org, name=new), original=org.name)
        return before

    def merge_organizations(self, source: str, target: str) -> int:
        """Fold `source` into `target`: tags and aliases. A backup is taken first."""
        src, dst = self.organization(source), self.organization(target)
        if src.guid == dst.guid:
            raise ValidationError(f"{source!r} and {target!r} are the same organization", field="target")
        changed = self._notes_tagging_org(src.spellings())
        dst_keys = dst.spellings()
        merged = replace(
            dst,
            aliases=[*dst.aliases, *(a for a in [src.name, *src.aliases] if tag_key(a) not in dst_keys)],
            description=dst.description or src.description,
            type=dst.type or src.type,
        )
        with self.store.transaction():
            self.store.backup("before-merge")
            self._retag_organizations(src.spellings(), dst.name)
            self._announce("organization", src.spellings(), dst.name)
            self._delete(ORGANIZATIONS, [src.guid])
            self._put(ORGANIZATIONS, [merged.to_dict()])
        return changed

    def _notes_tagging_org(self, keys: set[str]) -> int:
        return sum(
            1
            for note in self.index.views()
            if any(tag_key(o) in keys for o in [*note.organizations, *note.organizers, note.host])
        )

    def _retag_organizations(self, old_keys: set[str], new: str) -> None:
        changed = []
        for view in self.index.views():
            names = [*view.organizations, *view.organizers, view.host, *tie_organizations(view.ties)]
            if not any(tag_key(name) in old_keys for name in names if name):
                continue
            note = replace(view)
            note.organizations = _replace_tag(note.organizations, old_keys, new)
            note.organizers = _replace_tag(note.organizers, old_keys, new)
            if note.host and tag_key(note.host) in old_keys:
                note.host = new
            if note.ties:
                note.ties = [renamed_tie(tie, dict.fromkeys(old_keys, new)) for tie in note.ties]
            changed.append(note)
        self._save_retagged(changed)

    def _save_retagged(self, notes: list[Note]) -> None:
        if notes:
            author = self.author()
            docs = []
            for note in notes:
                old = self.index.view(note.id)
                doc = stamp(note.to_dict(), old.to_dict() if old is not None else None, author)
                docs.append(doc)
                self.index.remember(Note.from_dict(doc))
            self.store.put_notes(docs)

    # ------------------------------------------------------------- revisions
    def author(self) -> str:
        """Who makes the changes saved now: `FIELDNOTES_AUTHOR`, else the project's researcher."""
        return env_author() or self._cached("author", lambda: self.project().researcher)

    def _put(self, table: str, docs: list[dict[str, Any]]) -> None:
        """Save records with their revision bookkeeping (see merge/revisions.py)."""
        if not docs:
            return
        with self.store.transaction():
            stored = {doc.get("guid"): doc for doc in self.store.records(table)}
            fresh = [doc["guid"] for doc in docs if doc["guid"] not in stored]
            tombs = {}
            if fresh:
                wanted = {tombstone_guid(table, guid) for guid in fresh}
                tombs = {t["key"]: t for t in self.store.records(TOMBSTONES) if t.get("guid") in wanted}
            author, now = self.author(), now_stamp()
            revised = []
            for doc in docs:
                tomb = tombs.get(doc["guid"])
                extra = (str(tomb["rev"]),) if tomb and tomb.get("rev") else ()
                revised.append(stamp(doc, stored.get(doc["guid"]), author, extra_parents=extra, when=now))
            self.store.put_records(table, revised)
            self.store.delete_records(TOMBSTONES, [tombstone_guid(table, guid) for guid in tombs])

    def _delete(self, table: str, guids: list[str]) -> None:
        """Delete records, leaving a tombstone for each (a delete is not "never had it")."""
        with self.store.transaction():
            stored = {doc.get("guid"): doc for doc in self.store.records(table)}
            author, now = self.author(), now_stamp()
            marks = [
                tombstone(table, guid, stored[guid], author=author, when=now)
                for guid in guids
                if guid in stored
            ]
            self.store.delete_records(table, guids)
            self.store.put_records(TOMBSTONES, marks)

    # ----------------------------------------------------------------- codes
    def _codes(self) -> list[Code]:
        def build() -> list[Code]:
            codes = [Code.from_dict(doc) for doc in self.store.records(CODES)]
            return sorted(codes, key=lambda code: code.name.casefold())

        return self._cached("codes", build)

    def codes(self) -> list[Code]:
        return [replace(code) for code in self._codes()]

    def _code_names(self) -> dict[str, str]:
        return self._cached("code names", lambda: {tag_key(code.name): code.name for code in self._codes()})

    def code(self, name: str) -> Code:
        key = tag_key(name)
        for code in self.codes():
            if tag_key(code.name) == key:
                return code
        raise NotFoundError(f"no code is called {name!r}")

    def code_usage(self) -> Counter[str]:
        """Code key -> number of notes tagged with it."""
        usage: Counter[str] = Counter()
        for note in self.index.views():
            usage.update(tag_key(code) for code in note.codes)
        return usage

    def save_code(self, code: Code, *, original: str | None = None, reason: str = "") -> Code:
        """Add, or edit the code first called `original` (renaming notes if needed). The change
        is recorded in the codebook's history, with `reason`."""
        code = replace(code, name=one_line(code.name), parent=one_line(code.parent))
        code.validate()
        current = self.code(original) if original else None
        names = self._code_names()
        if tag_key(code.name) in names and (current is None or tag_key(current.name) != tag_key(code.name)):
            raise ValidationError(f"the code {code.name!r} exists already")
        if code.parent:
            if tag_key(code.parent) not in names:
                raise ValidationError(f"the parent code {code.parent!r} does not exist")
            code.parent = names[tag_key(code.parent)]
            self._check_no_cycle(current.name if current else code.name, code.parent)
        if current is not None:
            code.guid = current.guid
        with self.store.transaction():
            if current is not None and current.name != code.name:
                self.store.backup("before-rename")
                self._retag_codes({tag_key(current.name)}, code.name)
                self._reparent({tag_key(current.name)}, code.name)
                self._announce("code", {tag_key(current.name)}, code.name)
            self._put(CODES, [code.to_dict()])
            self._record_changes(current, code, reason)
        return code

    def _record_changes(self, before: Code | None, after: Code, reason: str) -> None:
        """The history entries of one save: a creation, or each field that changed."""
        history = self.history
        if before is None:
            history.record("create", after.name, after.guid, after=after.origin, reason=reason)
            return
        changes = (
            ("rename", before.name, after.name),
            ("move", before.parent, after.parent),
            ("description", before.description, after.description),
            ("origin", before.origin, after.origin),
            ("colour", before.color, after.color),
        )
        for action, old, new in changes:
            if old != new and not (action == "move" and tag_key(old) == tag_key(new)):
                history.record(action, after.name, after.guid, before=old, after=new, reason=reason)

    def _check_no_cycle(self, name: str, parent: str) -> None:
        by_key = {tag_key(c.name): c for c in self.codes()}
        key = tag_key(parent)
        seen = set()
        while key:
            if key == tag_key(name):
                raise ValidationError(f"{parent!r} is under {name!r}: a code can't be its own ancestor")
            if key in seen or key not in by_key:
                return
            seen.add(key)
            key = tag_key(by_key[key].parent) if by_key[key].parent else ""

    def rename_code(self, old: str, new: str, *, reason: str = "") -> int:
        code = self.code(old)
        changed = self.code_usage()[tag_key(code.name)]
        self.save_code(replace(code, name=new), original=code.name, reason=reason)
        return changed

    def move_code(self, name: str, parent: str, *, reason: str = "") -> Code:
        """Put a code under `parent` ("" for the top level). A backup is taken first."""
        code = self.code(name)
        with self.store.transaction():
            self.store.backup("before-move")
            return self.save_code(replace(code, parent=parent), original=code.name, reason=reason)

    def merge_codes(self, source: str, target: str, *, reason: str = "") -> int:
        """Fold `source` into `target` in every note; its children move under `target`."""
        src, dst = self.code(source), self.code(target)
        if src.guid == dst.guid:
            raise ValidationError(f"{source!r} and {target!r} are the same code", field="target")
        changed = self.code_usage()[tag_key(src.name)]
        merged = replace(dst, description=dst.description or src.description)
        if tag_key(merged.parent) == tag_key(src.name):
            merged.parent = src.parent
        if src.first_date and (not dst.first_date or src.first_date < dst.first_date):
            merged.first_note, merged.first_date = src.first_note, src.first_date  # used earlier
        children = [c for c in self.codes() if c.parent and tag_key(c.parent) == tag_key(src.name)]
        with self.store.transaction():
            self.store.backup("before-merge")
            self._retag_codes({tag_key(src.name)}, dst.name)
            self._delete(CODES, [src.guid])
            self._put(CODES, [merged.to_dict()])
            self._reparent({tag_key(src.name)}, dst.name)
            self._announce("code", {tag_key(src.name)}, dst.name)
            self.history.record(
                "merge",
                dst.name,
                dst.guid,
                before=src.name,
                after=dst.name,
                reason=reason,
                source_guid=src.guid,
            )
            for child in children:
                if tag_key(child.name) != tag_key(dst.name):
                    self.history.record(
                        "move",
                        child.name,
                        child.guid,
                        before=src.name,
                        after=dst.name,
                        reason=f"its parent {src.name!r} was merged into {dst.name!r}",
                    )
        return changed

    def _retag_codes(self, old_keys: set[str], new: str) -> None:
        changed = []
        for view in self.index.views():
            if any(tag_key(code) in old_keys for code in view.codes):
                note = replace(view)
                note.codes = _replace_tag(note.codes, old_keys, new)
                changed.append(note)
        self._save_retagged(changed)

    def _reparent(self, old_keys: set[str], new_parent: str) -> None:
        children = [
            replace(code, parent=new_parent)
            for code in self.codes()
            if code.parent and tag_key(code.parent) in old_keys and tag_key(code.name) != tag_key(new_parent)
        ]
        self._put(CODES, [child.to_dict() for child in children])

    def import_codebook(self, path: Path) -> tuple[int, int]:
        """Pre-load codes from CSV (name, parent, description[, origin]) or a REFI .qdc.

        New codes are deductive unless the file says otherwise; existing ones are
        left as they are. Returns (added, already there).
        """
        from fieldnotes.importing.codebook import read_codebook

        incoming = read_codebook(path)
        names = self._code_names()
        new = []
        for code in incoming:
            if tag_key(code.name) in names:
                continue
            names[tag_key(code.name)] = code.name
            new.append(code)
        for code in new:
            code.validate()
        ordered = _parents_first(new)
        known = set(names)
        for code in ordered:
            if code.parent and tag_key(code.parent) not in known:
                code.parent = ""
        if ordered:
            with self.store.transaction():
                self._put(CODES, [code.to_dict() for code in ordered])
                for code in ordered:
                    self.history.record(
                        "create", code.name, code.guid, after=code.origin, reason=f"imported from {path.name}"
                    )
        return len(ordered), len(incoming) - len(ordered)

    # ------------------------------------------------------------ informants
    def _informants(self) -> list[Informant]:
        def build() -> list[Informant]:
            people = [Informant.from_dict(doc) for doc in self.store.records(INFORMANTS)]
            return sorted(people, key=lambda person: person.pseudonym.casefold())

        return self._cached("informants", build)

    def informants(self) -> list[Informant]:
        return [replace(person, real_names=list(person.real_names)) for person in self._informants()]

    def informant(self, pseudonym: str) -> Informant:
        key = tag_key(pseudonym)
        for person in self.informants():
            if tag_key(person.pseudonym) == key:
                return person
        raise NotFoundError(f"no informant has the pseudonym {pseudonym!r}")

    def interview_counts(self) -> Counter[str]:
        return Counter(
            tag_key(note.informant)
            for note in self.index.views()
            if note.kind == "interview" and note.informant
        )

    def save_informant(self, person: Informant, *, original: str | None = None) -> Informant:
        person = replace(
            person,
            pseudonym=one_line(person.pseudonym),
            organization=one_line(person.organization),
            real_names=dedupe_tags(person.real_names),
        )
        person.validate()
        current = self.informant(original) if original else None
        taken = {tag_key(p.pseudonym) for p in self.informants() if current is None or p.guid != current.guid}
        if tag_key(person.pseudonym) in taken:
            raise ValidationError(f"the pseudonym {person.pseudonym!r} is taken", field="pseudonym")
        if person.organization:
            person.organization = self._org_names().get(tag_key(person.organization), person.organization)
        if current is not None:
            person.guid = current.guid
        with self.store.transaction():
            if person.organization and tag_key(person.organization) not in self._org_names():
                self._put(ORGANIZATIONS, [Organization(person.organization).to_dict()])
            if current is not None and current.pseudonym != person.pseudonym:
                self.store.backup("before-rename")
                self._announce("informant", {tag_key(current.pseudonym)}, person.pseudonym)
                changed = []
                for view in self.index.views():
                    if view.informant and tag_key(view.informant) == tag_key(current.pseudonym):
                        changed.append(replace(view, informant=person.pseudonym))
                self._save_retagged(changed)
            self._put(INFORMANTS, [person.to_dict()])
        return person

    # --------------------------------------------------------------- project
    def project(self) -> Project:
        records = self.store.records(PROJECT)
        return Project.from_dict(records[0]) if records else Project()

    def save_project(self, project: Project) -> Project:
        project = replace(project, consent_forms=dedupe_tags(project.consent_forms))
        project.validate()
        self._put(PROJECT, [{**project.to_dict(), "guid": "project"}])
        return project

    def retention_warning(self, today: str) -> str | None:
        """A warning when the study's destroy-by date has passed."""
        project = self.project()
        if project.overdue(today):
            protocol = f" (protocol {project.protocol})" if project.protocol else ""
            return (
                f"The destroy-by date of this study{protocol}, {project.destroy_by}, has passed. "
                "Export what you must keep, then destroy the data as your ethics approval requires."
            )
        return None

    # ------------------------------------------------------ tags from a note
    def canonicalise(self, note: Note) -> None:
        """Tags as the registries spell them (aliases become the name), cleaned and
        deduplicated; then the note is validated. Changes `note` in place."""
        note.check_types()  # the types first: tags are cleaned below
        orgs, codes = self._org_names(), self._code_names()
        note.title = note.title.strip()
        note.location = note.location.strip()
        note.people = dedupe_tags(note.people)
        note.organizations = _canonical(dedupe_tags(note.organizations), orgs)
        note.codes = _canonical(dedupe_tags(note.codes), codes)
        note.organizers = _canonical(dedupe_tags(note.organizers), orgs)
        if note.host.strip():
            note.host = _canonical([note.host.strip()], orgs)[0]
        if note.ties:  # canonical text, and the organizations a tie names are present
            note.ties = canonical_ties(note.ties, {**{tag_key(o): o for o in note.organizations}, **orgs})
            note.organizations = dedupe_tags([*note.organizations, *tie_organizations(note.ties)])
        note.validate()

    def register_tags(self, note: Note) -> None:
        """Unknown organizations, codes and informants named by a note join the registries."""
        known_orgs = self._org_names()
        org_guids = {org.guid for org in self._orgs()}
        new_orgs: dict[str, Organization] = {}
        for name in [*note.organizations, *note.organizers, *([note.host] if note.host else [])]:
            key = tag_key(name)
            if key not in known_orgs and key not in new_orgs:
                new_orgs[key] = Organization(name, guid=_fresh_guid("organization", key, org_guids))
        known_codes = self._code_names()
        code_guids = {code.guid for code in self._codes()}
        new_codes = [
            Code(
                name,
                origin="inductive",
                first_note=note.id,
                first_date=note.start[:10],
                guid=_fresh_guid("code", tag_key(name), code_guids),
            )
            for name in note.codes
            if tag_key(name) not in known_codes
        ]
        self._put(ORGANIZATIONS, [org.to_dict() for org in new_orgs.values()])
        self._put(CODES, [code.to_dict() for code in new_codes])
        for code in new_codes:
            self.history.record(
                "create", code.name, code.guid, after="inductive", reason=f"typed on note {note.id[:8]}"
            )
            self.history.record("first use", code.name, code.guid, note_id=note.id, after=note.start[:10])
        self._first_uses(note, {tag_key(code.name) for code in new_codes})
        if note.kind == "interview" and note.informant.strip():
            known = {tag_key(p.pseudonym) for p in self._informants()}
            if tag_key(note.informant) not in known:
                person = Informant(
                    one_line(note.informant),
                    role=note.informant_role,
                    organization=note.organizations[0] if note.organizations else "",
                    consent=note.consent,
                    consent_date=note.start[:10] if note.consent in ("written", "verbal") else "",
                )
                self._put(INFORMANTS, [person.to_dict()])

    def first_use_needs_notes(self, note: Note) -> bool:
        """Whether saving `note` is the first use of a code of the codebook: finding out whether
        older notes used it needs the notes read, which must happen before the save's transaction."""
        keys = {tag_key(name) for name in note.codes}
        return any(not code.first_note and tag_key(code.name) in keys for code in self._codes())

    def _first_uses(self, note: Note, new: set[str]) -> None:
        """Codes of the codebook this note is the first to use: remember the note on the code and
        record the first use. A code with no first note that notes used before the audit trail
        existed gets its earliest such note instead, marked as found afterwards."""
        unused = [
            code
            for code in self._codes()
            if not code.first_note and tag_key(code.name) in {tag_key(c) for c in note.codes} - new
        ]
        for code in unused:
            key = tag_key(code.name)
            views = self.index.views() if self.index.is_loaded else []  # see `first_use_needs_notes`
            earlier = [view for view in views if view.id != note.id and key in map(tag_key, view.codes)]
            if earlier:  # used before its first use could be recorded: the earliest note is its first
                used = min([*earlier, note], key=lambda view: (view.start, view.created))
                reason = "found later: notes used it before the codebook history was kept"
                when = used.created or f"{used.start}:00"
            else:
                used, reason, when = note, "", ""
            self._put(CODES, [replace(code, first_note=used.id, first_date=used.start[:10]).to_dict()])
            self.history.record(
                "first use",
                code.name,
                code.guid,
                note_id=used.id,
                after=used.start[:10],
                reason=reason,
                when=when,
            )


def _fresh_guid(kind: str, key: str, taken: set[str]) -> str:
    """The name's stable guid (so the same data gives the same guids), unless an
    earlier record, since renamed, already holds it."""
    guid = stable_guid(kind, key)
    return new_id() if guid in taken else guid


def _canonical(names: list[str], registry: dict[str, str]) -> list[str]:
    return dedupe_tags([registry.get(tag_key(name), name) for name in names])


def _parents_first(codes: list[Code]) -> list[Code]:
    by_key = {tag_key(code.name): code for code in codes}
    ordered: list[Code] = []
    placed: set[str] = set()

    def place(code: Code, trail: set[str]) -> None:
        key = tag_key(code.name)
        if key in placed or key in trail:
            return
        parent = by_key.get(tag_key(code.parent)) if code.parent else None
        if parent is not None:
            place(parent, trail | {key})
        placed.add(key)
        ordered.append(code)

    for code in codes:
        place(code, set())
    return ordered
