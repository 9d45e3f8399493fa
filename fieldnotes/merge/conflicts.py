"""Conflicts a merge kept: listing them, and resolving one with a value the researcher picks.

A conflict record names a record (a note by id, a registry record by guid) and a
field, with every value the copies had, who wrote each and when. The record holds
the newer value meanwhile. Resolving saves the chosen (or an edited, combined)
value as a new version, drops the conflict and leaves a tombstone for it, so a
copy that still has the conflict does not bring it back in a later merge.

An "edit against a delete" conflict (`kind` "deleted") is resolved by keeping the
note (a new version that supersedes the delete) or deleting it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from fieldnotes.errors import NotFoundError, ValidationError
from fieldnotes.merge.revisions import CONFLICTS, TOMBSTONES, stamp, tombstone
from fieldnotes.model import Code, Informant, Note, Organization, Project, now_stamp

if TYPE_CHECKING:
    from fieldnotes.service import FieldNotes

KEEP, DELETE = "keep", "delete"


@dataclass
class Conflict:
    guid: str
    table: str
    key: str
    field: str
    kind: str  # "field": two values for one field; "deleted": an edit against a delete
    values: list[dict[str, Any]] = field(default_factory=list)  # value, author, when, rev
    kept: Any = None  # what the record holds meanwhile
    found: str = ""
    title: str = ""  # the note's title or the record's name, to show

    @property
    def what(self) -> str:
        """The field, as a person would call it."""
        if self.kind == "deleted":
            return "deleted on one side, edited on the other"
        from fieldnotes.model import FIELD

        spec = FIELD.get(self.field)
        return spec.label if spec is not None and self.table == "notes" else self.field

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.guid,
            "table": self.table,
            "record": self.key,
            "title": self.title,
            "field": self.field,
            "kind": self.kind,
            "values": self.values,
            "kept": self.kept,
            "found": self.found,
        }


def _title(service: FieldNotes, table: str, key: str) -> str:
    if table == "notes":
        view = service.index.view(key)
        return view.title if view is not None else key
    for doc in service.store.records(table):
        if doc.get("guid") == key:
            for name in ("name", "pseudonym", "protocol"):
                if doc.get(name):
                    return str(doc[name])
    return key


def list_conflicts(service: FieldNotes) -> list[Conflict]:
    """Every open conflict, oldest first."""
    out = []
    for doc in service.store.records(CONFLICTS):
        values = doc.get("values") if isinstance(doc.get("values"), list) else []
        table, key = str(doc.get("table", "")), str(doc.get("key", ""))
        out.append(
            Conflict(
                guid=str(doc.get("guid", "")),
                table=table,
                key=key,
                field=str(doc.get("field", "")),
                kind=str(doc.get("kind", "field")),
                values=[v for v in values if isinstance(v, dict)],
                kept=doc.get("kept"),
                found=str(doc.get("found", "")),
                title=_title(service, table, key),
            )
        )
    return sorted(out, key=lambda c: (c.found, c.table, c.title, c.field, c.guid))


def conflicted_keys(service: FieldNotes, table: str = "notes") -> set[str]:
    """The records of `table` with an open conflict (the ⚠ flag)."""
    return {str(doc.get("key", "")) for doc in service.store.records(CONFLICTS) if doc.get("table") == table}


def conflicted_fields(service: FieldNotes, key: str, table: str = "notes") -> list[str]:
    """The fields of one record with an open conflict ("deletion": deleted on one copy, edited on
    the other)."""
    fields = []
    for doc in service.store.records(CONFLICTS):
        if doc.get("table") == table and doc.get("key") == key:
            field = "deletion" if doc.get("kind") == "deleted" else str(doc.get("field", ""))
            if field not in fields:
                fields.append(field)
    return fields


def find_conflict(service: FieldNotes, prefix: str) -> Conflict:
    """The conflict whose id is `prefix` or starts with it."""
    prefix = prefix.strip().lower()
    found = [c for c in list_conflicts(service) if prefix and c.guid.lower().startswith(prefix)]
    if not found:
        raise NotFoundError(f"no open conflict has the id {prefix!r}: see `fieldnotes conflicts`")
    if len(found) > 1:
        raise ValidationError(f"{prefix!r} is the start of {len(found)} conflict ids: give more of it")
    return found[0]


def resolve(service: FieldNotes, conflict: Conflict, value: Any) -> None:
    """Save `value` as the resolution of `conflict` (a new version), and drop the conflict.

    For a "deleted" conflict, `value` is KEEP or DELETE."""
    author = service.registries.author()
    with service.store.transaction():
        if conflict.kind == "deleted":
            _resolve_delete(service, conflict, value, author)
        elif conflict.table == "notes":
            note = service.get(conflict.key)
            service.update(Note.from_dict({**note.to_dict(), conflict.field: value}))
        else:
            _resolve_record(service, conflict, value, author)
        service.store.delete_records(CONFLICTS, [conflict.guid])
        mark = tombstone(CONFLICTS, conflict.guid, {"guid": conflict.guid}, author=author, when=now_stamp())
        service.store.put_records(TOMBSTONES, [mark])


def _resolve_delete(service: FieldNotes, conflict: Conflict, value: Any, author: str) -> None:
    if value not in (KEEP, DELETE):
        raise ValidationError(f"resolve an edit against a delete with {KEEP!r} or {DELETE!r}, not {value!r}")
    deleted_revs = tuple(str(v.get("rev", "")) for v in conflict.values if v.get("value") == "deleted")
    if conflict.table == "notes":
        if value == DELETE:
            service.delete(conflict.key)
            return
        old = service.get(conflict.key)
        doc = stamp(old.to_dict(), old.to_dict(), author, extra_parents=tuple(r for r in deleted_revs if r))
        service.store.put_note(doc)
        service.index.remember(Note.from_dict(doc))
        return
    stored = {d.get("guid"): d for d in service.store.records(conflict.table)}
    if conflict.key not in stored:
        raise NotFoundError(f"the record {conflict.key} is gone")
    if value == DELETE:
        service.registries._delete(conflict.table, [conflict.key])
        return
    old = stored[conflict.key]
    extra = tuple(r for r in deleted_revs if r)
    service.store.put_records(
        conflict.table, [stamp(old, old, author, extra_parents=extra, when=now_stamp())]
    )


def _resolve_record(service: FieldNotes, conflict: Conflict, value: Any, author: str) -> None:
    registries = service.registries
    stored = {d.get("guid"): d for d in service.store.records(conflict.table)}
    if conflict.key not in stored:
        raise NotFoundError(f"the record {conflict.key} is gone")
    doc = {**stored[conflict.key], conflict.field: value}
    if conflict.table == "organizations":
        org = Organization.from_dict(doc)
        registries.save_organization(org, original=str(stored[conflict.key].get("name", "")))
    elif conflict.table == "codes":
        code = Code.from_dict(doc)
        registries.save_code(code, original=str(stored[conflict.key].get("name", "")))
    elif conflict.table == "informants":
        person = Informant.from_dict(doc)
        registries.save_informant(person, original=str(stored[conflict.key].get("pseudonym", "")))
    elif conflict.table == "project":
        registries.save_project(replace(Project.from_dict(doc)))
    else:
        service.store.put_records(
            conflict.table, [stamp(doc, stored[conflict.key], author, when=now_stamp())]
        )


__all__ = [
    "DELETE",
    "KEEP",
    "Conflict",
    "conflicted_fields",
    "conflicted_keys",
    "find_conflict",
    "list_conflicts",
    "resolve",
]
