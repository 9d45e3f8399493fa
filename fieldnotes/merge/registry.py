"""Registry records in a merge: matched by guid, else by name or alias, and kept consistent.

* Two records are the same organization, code or informant when they share a guid
  (records made from the same name get the same guid on every device), or else a
  spelling: a name or alias (organizations), a name (codes), a pseudonym (informants).
* An organization keeps every name either side gave it: a name it no longer goes by
  becomes an alias, so notes tagged with it on the other device still find it.
* A code or informant renamed on one side: notes that use the old name are retagged.
* Two records that end up sharing a spelling are folded into one (the smaller guid):
  their fields merge, with a conflict where they differ.
* A code's parent that would make a cycle is set aside as a conflict.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fieldnotes.merge.docs import conflict_record, merge_docs, side_of
from fieldnotes.merge.revisions import Doc, content, stamp
from fieldnotes.text import tag_key

ORGANIZATIONS, CODES, INFORMANTS, PROJECT = "organizations", "codes", "informants", "project"
NAME_FIELD = {ORGANIZATIONS: "name", CODES: "name", INFORMANTS: "pseudonym"}


def spellings(table: str, doc: Doc) -> set[str]:
    """The keys a record answers to (empty for tables matched by guid only)."""
    name = NAME_FIELD.get(table)
    if name is None:
        return set()
    keys = {tag_key(str(doc.get(name, "")))}
    if table == ORGANIZATIONS and isinstance(doc.get("aliases"), list):
        keys |= {tag_key(str(alias)) for alias in doc["aliases"]}
    return keys - {""}


@dataclass
class Matched:
    """Records of one table after matching: pairs, and those on one side only."""

    pairs: list[tuple[Doc, Doc]] = field(default_factory=list)
    ours_only: list[Doc] = field(default_factory=list)
    theirs_only: list[Doc] = field(default_factory=list)


def match(table: str, ours: dict[str, Doc], theirs: dict[str, Doc]) -> Matched:
    """Pair records by guid, then by a shared spelling (the same pairs whichever side is ours)."""
    out = Matched()
    for guid in sorted(ours.keys() & theirs.keys()):
        out.pairs.append((ours[guid], theirs[guid]))
    left = {g: d for g, d in ours.items() if g not in theirs}
    right = {g: d for g, d in theirs.items() if g not in ours}
    candidates = sorted(
        (min(og, tg), max(og, tg), og, tg)
        for og, o in left.items()
        for tg, t in right.items()
        if spellings(table, o) & spellings(table, t)
    )
    taken: set[str] = set()
    for _, _, og, tg in candidates:
        if og in taken or tg in taken:
            continue
        taken |= {og, tg}
        out.pairs.append((left[og], right[tg]))
    out.ours_only = [d for g, d in sorted(left.items()) if g not in taken]
    out.theirs_only = [d for g, d in sorted(right.items()) if g not in taken]
    return out


def merge_pair(table: str, a: Doc, b: Doc, base: Doc | None, *, found: str) -> tuple[Doc, list[Doc]]:
    """One record from two copies matched by guid or spelling."""
    guid = min(str(a.get("guid", "")), str(b.get("guid", "")))
    merged = merge_docs(a, b, base, table=table, key=guid, found=found, fixed=frozenset({"guid"}))
    doc = {**merged.doc, "guid": guid}
    conflicts = [{**c, "key": guid} for c in merged.conflicts]
    if table == ORGANIZATIONS:
        doc = keep_every_name(doc, [a, b])
    if table == CODES:
        doc, conflicts = earliest_first_use(doc, conflicts, [a, b])
    return refreshed(doc, merged.doc), conflicts


def keep_every_name(doc: Doc, copies: list[Doc]) -> Doc:
    """An organization keeps the names its copies had: those it no longer goes by become aliases."""
    name = str(doc.get("name", ""))
    aliases = [str(alias) for alias in doc.get("aliases", []) if isinstance(alias, str)]
    keys = {tag_key(name), *(tag_key(alias) for alias in aliases)}
    for copy in copies:
        for spelling in [copy.get("name", ""), *(copy.get("aliases") or [])]:
            if isinstance(spelling, str) and spelling and tag_key(spelling) not in keys:
                keys.add(tag_key(spelling))
                aliases.append(spelling)
    return {**doc, "aliases": aliases}


def earliest_first_use(doc: Doc, conflicts: list[Doc], copies: list[Doc]) -> tuple[Doc, list[Doc]]:
    """A code made on two devices keeps the earliest note that prompted it: not a conflict."""
    uses = sorted(
        (c for c in copies if c.get("first_date") or c.get("first_note")),
        key=lambda c: (str(c.get("first_date") or "9999"), str(c.get("first_note", ""))),
    )
    if not uses:
        return doc, conflicts
    first = uses[0]
    doc = {**doc, "first_date": first.get("first_date", ""), "first_note": first.get("first_note", "")}
    return doc, [c for c in conflicts if c["field"] not in ("first_date", "first_note")]


def refreshed(doc: Doc, before: Doc) -> Doc:
    """`doc` as a version made from `before` when a rule changed its content (a new rev)."""
    if content(doc) == content(before):
        return doc
    return stamp(doc, before, str(before.get("author", "")))


def fold_clashes(table: str, records: dict[str, Doc], *, found: str) -> tuple[dict[str, Doc], list[Doc]]:
    """Records that share a spelling after the merge become one (the smaller guid)."""
    conflicts: list[Doc] = []
    while True:
        owner: dict[str, str] = {}
        clash: tuple[str, str] | None = None
        for guid in sorted(records):
            for key in sorted(spellings(table, records[guid])):
                if key in owner and owner[key] != guid:
                    clash = (owner[key], guid)
                    break
                owner[key] = guid
            if clash:
                break
        if clash is None:
            return records, conflicts
        keep, fold = clash
        doc, found_conflicts = merge_pair(table, records[keep], records.pop(fold), None, found=found)
        records[keep] = {**doc, "guid": keep}
        conflicts += [{**c, "key": keep} for c in found_conflicts]


def break_cycles(codes: dict[str, Doc], *, found: str) -> list[Doc]:
    """A code under its own descendant (each side moved one): its parent is set aside as a conflict."""
    conflicts: list[Doc] = []
    by_key = {tag_key(str(doc.get("name", ""))): guid for guid, doc in codes.items()}
    for guid in sorted(codes):
        seen: list[str] = []
        current = guid
        while current is not None and current not in seen:
            seen.append(current)
            parent = str(codes[current].get("parent", ""))
            current = by_key.get(tag_key(parent)) if parent else None
        if current is None:
            continue
        cycle = seen[seen.index(current) :]
        victim = min(cycle, key=lambda g: tag_key(str(codes[g].get("name", ""))))
        doc = codes[victim]
        conflicts.append(
            conflict_record(
                CODES, victim, "parent", "field", [side_of(doc, doc.get("parent", ""))], found=found, kept=""
            )
        )
        codes[victim] = refreshed({**doc, "parent": ""}, doc)
    return conflicts


def renames(table: str, pairs: list[tuple[Doc, Doc]], merged: dict[str, Doc]) -> dict[str, str]:
    """Old name key -> the name the merged record goes by, for names a merge replaced."""
    name = NAME_FIELD.get(table)
    if name is None:
        return {}
    current = {tag_key(str(doc.get(name, ""))) for doc in merged.values()}
    by_guid = {g: str(doc.get(name, "")) for g, doc in merged.items()}
    out: dict[str, str] = {}
    for a, b in pairs:
        guid = min(str(a.get("guid", "")), str(b.get("guid", "")))
        new = by_guid.get(guid)
        if new is None:
            continue
        for copy in (a, b):
            old = tag_key(str(copy.get(name, "")))
            if old and old != tag_key(new) and old not in current:
                out[old] = new
    return out


def name_map(table: str, records: dict[str, Doc]) -> dict[str, str]:
    """Every spelling -> the registry name (a name beats an alias)."""
    name = NAME_FIELD[table]
    out: dict[str, str] = {}
    for doc in sorted(records.values(), key=lambda d: str(d.get("guid", ""))):
        for alias in doc.get("aliases") or []:
            if isinstance(alias, str):
                out.setdefault(tag_key(alias), str(doc.get(name, "")))
    for doc in records.values():
        out[tag_key(str(doc.get(name, "")))] = str(doc.get(name, ""))
    return out


__all__ = [
    "CODES",
    "INFORMANTS",
    "ORGANIZATIONS",
    "PROJECT",
    "Matched",
    "break_cycles",
    "fold_clashes",
    "match",
    "merge_pair",
    "name_map",
    "renames",
    "spellings",
]
