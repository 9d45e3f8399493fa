"""The merge of two databases: tables in, tables out, nothing else touched.

`merge_tables(ours, theirs, base)` returns the merged tables in the layout of `ours`
(TinyDB's `{"table": {"1": {...}}}`, ours' document keys kept) and what changed.

* A note (or record) on one side only is added, unless the other side deleted it: a
  tombstone whose deleted version this copy has not moved past deletes it; a copy
  edited since the delete is kept and flagged (a "deleted" conflict).
* A note on both sides is merged field by field (see `docs.merge_docs`): the side
  that has seen the other's change wins; concurrent changes to a list merge as
  sets; different values are a conflict, with both values kept in the conflicts
  table and the newer one in the note.
* Registries are matched by guid, name and alias (see `registry`); notes are then
  retagged with the names the merged registries use, and any name they use that no
  registry holds is registered, as saving a note does.
* Without `base` the revision histories decide; with it (git's common version, or
  `--base`), fields both sides changed are also compared with the common value.

The result does not depend on which side is ours (but for the document keys and
the conflicts' order), and merging the same copy twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from fieldnotes.merge.docs import conflict_record, merge_docs, same_content, side_of
from fieldnotes.merge.registry import (
    CODES,
    INFORMANTS,
    ORGANIZATIONS,
    PROJECT,
    break_cycles,
    fold_clashes,
    match,
    merge_pair,
    name_map,
    refreshed,
    renames,
)
from fieldnotes.merge.revisions import (
    CONFLICTS,
    TOMBSTONES,
    Doc,
    ancestry,
    bounded,
    content,
    history_of,
    rev_of,
    stamp,
    tombstone,
    tombstone_ancestry,
    tombstone_guid,
)
from fieldnotes.model import Code, Informant, Organization, stable_guid
from fieldnotes.text import dedupe_tags, tag_key

NOTES = "notes"
REGISTRIES = (ORGANIZATIONS, CODES, INFORMANTS, PROJECT)
Tables = dict[str, dict[str, Doc]]


@dataclass
class Counts:
    added: int = 0
    updated: int = 0
    deleted: int = 0
    conflicted: int = 0

    def __bool__(self) -> bool:
        return bool(self.added or self.updated or self.deleted or self.conflicted)

    def line(self) -> str:
        done = f"{self.added} added, {self.updated} updated, {self.deleted} deleted"
        return f"{done}, {self.conflicted} conflicted"


@dataclass
class MergeReport:
    """What a merge changed in ours, table by table, and the conflicts it found."""

    counts: dict[str, Counts] = field(default_factory=dict)
    new_conflicts: list[Doc] = field(default_factory=list)
    changed: bool = False

    def table(self, name: str) -> Counts:
        return self.counts.setdefault(name, Counts())

    @property
    def notes(self) -> Counts:
        return self.table(NOTES)

    def total(self) -> Counts:
        out = Counts()
        for counts in self.counts.values():
            out.added += counts.added
            out.updated += counts.updated
            out.deleted += counts.deleted
            out.conflicted += counts.conflicted
        return out

    def lines(self) -> list[str]:
        out = [f"Notes: {self.notes.line()}."]
        for name in REGISTRIES:
            counts = self.counts.get(name)
            if counts:
                out.append(f"{name.capitalize()}: {counts.line()}.")
        if self.new_conflicts:
            out.append(
                f"{len(self.new_conflicts)} conflict(s) kept both values: "
                "see `fieldnotes conflicts`, or the Conflicts screen in the app."
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "tables": {name: vars(counts) for name, counts in sorted(self.counts.items())},
            "added": self.total().added,
            "updated": self.total().updated,
            "deleted": self.total().deleted,
            "conflicted": self.total().conflicted,
            "conflicts": self.new_conflicts,
        }


@dataclass
class MergeResult:
    tables: Tables
    report: MergeReport


def identity(table: str, doc: Doc) -> str:
    return str(doc.get("id" if table == NOTES else "guid", ""))


def by_identity(table: str, docs: dict[str, Doc] | None) -> dict[str, Doc]:
    return {identity(table, doc): doc for doc in (docs or {}).values() if identity(table, doc)}


@dataclass
class _Sides:
    ours_tombs: dict[str, Doc]
    theirs_tombs: dict[str, Doc]
    found: str
    author: str
    tombs_out: dict[str, Doc] = field(default_factory=dict)
    dropped_tombs: set[str] = field(default_factory=set)
    conflicts: list[Doc] = field(default_factory=list)


def _one_side(
    table: str, key: str, doc: Doc, other_tombs: dict[str, Doc], base: Doc | None, ctx: _Sides
) -> bool:
    """Whether a record only one side has is in the result (and its tombstone or conflict)."""
    guid = tombstone_guid(table, key)
    tomb = other_tombs.get(guid)
    if tomb is None and base is None:
        return True  # added
    if tomb is None:  # the other side lost it with no tombstone: a copy from before tombstones
        if same_content(doc, base):
            ctx.tombs_out.setdefault(guid, tombstone(table, key, doc, author="", when=ctx.found))
            return False
        tomb = {"rev": "", "author": "", "when": ""}
    elif rev_of(doc) in tombstone_ancestry(tomb):
        return False  # deleted there, not changed here since
    elif str(tomb.get("rev", "")) in ancestry(doc):
        ctx.dropped_tombs.add(guid)  # saved again after the delete
        return True
    ctx.dropped_tombs.add(guid)
    deleted = {
        "value": "deleted",
        "author": str(tomb.get("author", "")),
        "when": str(tomb.get("when", "")),
        "rev": str(tomb.get("rev", "")),
    }
    ctx.conflicts.append(
        conflict_record(
            table, key, "", "deleted", [side_of(doc, "kept"), deleted], found=ctx.found, kept="kept"
        )
    )
    return True


def _merge_table(
    table: str, ours: dict[str, Doc], theirs: dict[str, Doc], base: dict[str, Doc], ctx: _Sides
) -> tuple[dict[str, Doc], list[tuple[Doc, Doc]]]:
    """One table by identity; registries matched by name and alias too."""
    if table in REGISTRIES:
        matched = match(table, ours, theirs)
        pairs, ours_only, theirs_only = matched.pairs, matched.ours_only, matched.theirs_only
    else:
        pairs = [(ours[key], theirs[key]) for key in sorted(ours.keys() & theirs.keys())]
        ours_only = [ours[key] for key in sorted(ours.keys() - theirs.keys())]
        theirs_only = [theirs[key] for key in sorted(theirs.keys() - ours.keys())]
    out: dict[str, Doc] = {}
    for a, b in pairs:
        key_a, key_b = identity(table, a), identity(table, b)
        common = base.get(key_a) or base.get(key_b)
        if table == NOTES:
            merged = merge_docs(
                a, b, common, table=table, key=key_a, found=ctx.found, fixed=frozenset({"id"})
            )
            doc, found = merged.doc, merged.conflicts
        else:
            doc, found = merge_pair(table, a, b, common, found=ctx.found)
        out[identity(table, doc)] = doc
        ctx.conflicts += found
    for docs, tombs in ((ours_only, ctx.theirs_tombs), (theirs_only, ctx.ours_tombs)):
        for doc in docs:
            key = identity(table, doc)
            if _one_side(table, key, doc, tombs, base.get(key), ctx):
                out[key] = doc
    if table in (ORGANIZATIONS, CODES, INFORMANTS):
        out, found = fold_clashes(table, out, found=ctx.found)
        ctx.conflicts += found
    if table == CODES:
        ctx.conflicts += break_cycles(out, found=ctx.found)
    return out, pairs


def _retag(notes: dict[str, Doc], registries: dict[str, dict[str, Doc]], pairs: dict[str, Any]) -> None:
    """Notes use the names the merged registries use (aliases and old names become names)."""
    orgs = name_map(ORGANIZATIONS, registries[ORGANIZATIONS])
    codes = {**renames(CODES, pairs[CODES], registries[CODES]), **name_map(CODES, registries[CODES])}
    people = renames(INFORMANTS, pairs[INFORMANTS], registries[INFORMANTS])
    for key, note in list(notes.items()):
        new = dict(note)
        for name in ("organizations", "organizers"):
            if isinstance(new.get(name), list):
                new[name] = dedupe_tags([orgs.get(tag_key(str(t)), t) for t in new[name]])
        if isinstance(new.get("codes"), list):
            new["codes"] = dedupe_tags([codes.get(tag_key(str(t)), t) for t in new["codes"]])
        if isinstance(new.get("host"), str) and new["host"].strip():
            new["host"] = orgs.get(tag_key(new["host"]), new["host"])
        if isinstance(new.get("informant"), str) and new["informant"].strip():
            new["informant"] = people.get(tag_key(new["informant"]), new["informant"])
        if new != note:
            notes[key] = refreshed(new, note)


def _register(notes: dict[str, Doc], registries: dict[str, dict[str, Doc]], author: str) -> None:
    """Names the merged notes use that no merged registry holds are registered."""
    orgs = name_map(ORGANIZATIONS, registries[ORGANIZATIONS])
    codes = name_map(CODES, registries[CODES])
    people = {tag_key(str(d.get("pseudonym", ""))) for d in registries[INFORMANTS].values()}

    def add(table: str, doc: Doc) -> None:
        guid = doc["guid"]
        if guid in registries[table]:
            doc = {**doc, "guid": stable_guid(table, "merge", guid)}
        registries[table][doc["guid"]] = stamp(doc, None, author)

    for note in sorted(notes.values(), key=lambda d: str(d.get("id", ""))):
        tags = [*(note.get("organizations") or []), *(note.get("organizers") or [])]
        if isinstance(note.get("host"), str) and note["host"].strip():
            tags.append(note["host"])
        for tag in tags:
            if isinstance(tag, str) and tag.strip() and tag_key(tag) not in orgs:
                orgs[tag_key(tag)] = tag
                add(
                    ORGANIZATIONS, Organization(tag, guid=stable_guid("organization", tag_key(tag))).to_dict()
                )
        for tag in note.get("codes") or []:
            if isinstance(tag, str) and tag.strip() and tag_key(tag) not in codes:
                codes[tag_key(tag)] = tag
                start = str(note.get("start", ""))
                code = Code(tag, first_note=str(note.get("id", "")), first_date=start[:10])
                add(CODES, {**code.to_dict(), "guid": stable_guid("code", tag_key(tag))})
        person = note.get("informant")
        interview = note.get("kind") == "interview" and isinstance(person, str) and person.strip()
        if interview and tag_key(str(person)) not in people:
            people.add(tag_key(str(person)))
            informant = Informant(str(person).strip(), guid=stable_guid("informant", tag_key(str(person))))
            add(INFORMANTS, informant.to_dict())


def _merge_tombstones(ours: dict[str, Doc], theirs: dict[str, Doc]) -> dict[str, Doc]:
    """Tombstones of both sides; of two for the same record, the later delete, knowing both."""
    out = dict(ours)
    for guid, tomb in theirs.items():
        mine = out.get(guid)
        if mine is None or mine == tomb:
            out[guid] = tomb
            continue

        def order(t: Doc) -> tuple[str, str, str]:
            return (str(t.get("when", "")), str(t.get("author", "")), str(t.get("rev", "")))

        newer, older = (mine, tomb) if order(mine) >= order(tomb) else (tomb, mine)
        out[guid] = {**newer, "history": bounded([*history_of(newer), *history_of(older)])}
    return out


def _layout(table: str, ours: dict[str, Doc] | None, merged: dict[str, Doc]) -> dict[str, Doc]:
    """The merged records keyed as TinyDB keys them: ours' keys kept, new ones after."""
    keys = {identity(table, doc): key for key, doc in (ours or {}).items()}
    out: dict[str, Doc] = {}
    taken = [int(key) for key in (ours or {}) if key.isdigit()]
    next_key = max(taken, default=0) + 1
    for ident in sorted(merged, key=lambda i: (i not in keys, int(keys[i]) if i in keys else 0, i)):
        key = keys.get(ident)
        if key is None:
            key = str(next_key)
            next_key += 1
        out[key] = merged[ident]
    return out


def _count(table: str, ours: dict[str, Doc], merged: dict[str, Doc], report: MergeReport) -> None:
    counts = report.table(table)
    counts.added += len(merged.keys() - ours.keys())
    counts.deleted += len(ours.keys() - merged.keys())
    counts.updated += sum(1 for k in merged.keys() & ours.keys() if content(merged[k]) != content(ours[k]))


def merge_tables(
    ours: Tables, theirs: Tables, base: Tables | None = None, *, found: str, author: str = ""
) -> MergeResult:
    """Merge `theirs` into `ours` (see the module docstring). `found`: when, for new conflicts."""
    base = base or {}
    ours_tombs = by_identity(TOMBSTONES, ours.get(TOMBSTONES))
    theirs_tombs = by_identity(TOMBSTONES, theirs.get(TOMBSTONES))
    ctx = _Sides(ours_tombs, theirs_tombs, found, author)
    report = MergeReport()
    merged: dict[str, dict[str, Doc]] = {}
    pairs: dict[str, Any] = {}
    special = {NOTES, TOMBSTONES, CONFLICTS}
    names = [*REGISTRIES, *sorted((ours.keys() | theirs.keys()) - special - set(REGISTRIES)), NOTES]
    for name in names:
        merged[name], pairs[name] = _merge_table(
            name,
            by_identity(name, ours.get(name)),
            by_identity(name, theirs.get(name)),
            by_identity(name, base.get(name)),
            ctx,
        )
    _retag(merged[NOTES], merged, pairs)
    _register(merged[NOTES], merged, author)
    _retag(merged[NOTES], merged, pairs)  # the spelling a name was just registered with
    tombs = _merge_tombstones(ours_tombs, theirs_tombs)
    tombs.update({g: t for g, t in ctx.tombs_out.items() if g not in tombs})
    alive = {tombstone_guid(name, key) for name in names for key in merged[name]}
    merged[TOMBSTONES] = {g: t for g, t in tombs.items() if g not in alive and g not in ctx.dropped_tombs}
    merged[CONFLICTS] = _merge_conflicts(ours, theirs, ctx.conflicts, merged)
    ours_conflicts = by_identity(CONFLICTS, ours.get(CONFLICTS))
    report.new_conflicts = [c for g, c in sorted(merged[CONFLICTS].items()) if g not in ours_conflicts]
    for conflict in report.new_conflicts:
        report.table(str(conflict.get("table", ""))).conflicted += 1
    tables: Tables = {}
    for name in [*names, TOMBSTONES, CONFLICTS]:
        if name not in (TOMBSTONES, CONFLICTS):
            _count(name, by_identity(name, ours.get(name)), merged[name], report)
        if merged[name] or name in ours:
            tables[name] = _layout(name, ours.get(name), merged[name])
    for name, table in ours.items():  # tables only ours has and the merge does not know
        tables.setdefault(name, table)
    report.changed = tables != ours
    return MergeResult(tables, report)


def _merge_conflicts(
    ours: Tables, theirs: Tables, new: Iterable[Doc], merged: dict[str, dict[str, Doc]]
) -> dict[str, Doc]:
    """Every open conflict of either side, and the new ones; resolved ones stay resolved."""
    out: dict[str, Doc] = {}
    mine, yours = by_identity(CONFLICTS, ours.get(CONFLICTS)), by_identity(CONFLICTS, theirs.get(CONFLICTS))
    for doc in [*mine.values(), *yours.values()]:
        guid = str(doc.get("guid", ""))
        if guid in out and _first(out[guid], doc) is out[guid]:
            continue
        out[guid] = doc
    for doc in new:  # found again: the record a copy has already is kept as it is
        guid = str(doc.get("guid", ""))
        if guid not in out or (guid not in mine and guid not in yours and _first(out[guid], doc) is doc):
            out[guid] = doc
    resolved = {str(t.get("key", "")) for t in merged[TOMBSTONES].values() if t.get("table") == CONFLICTS}
    return {
        guid: doc
        for guid, doc in out.items()
        if guid not in resolved and str(doc.get("key", "")) in merged.get(str(doc.get("table", "")), {})
    }


def _first(a: Doc, b: Doc) -> Doc:
    """Of two records of the same conflict, the one found first (the same on every device)."""
    import orjson

    def key(doc: Doc) -> tuple[str, bytes]:
        return (str(doc.get("found", "")), orjson.dumps(doc, option=orjson.OPT_SORT_KEYS))

    return a if key(a) <= key(b) else b


__all__ = ["NOTES", "Counts", "MergeReport", "MergeResult", "Tables", "merge_tables"]
