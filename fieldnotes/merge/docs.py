"""Merging two copies of one record (a note or a registry record), field by field.

`merge_docs` is symmetric: merging A with B gives the same record as B with A, so
two devices that merge each other's copies end up with the same version (the same
rev). Where it must pick (two values for one field), it keeps the value of the newer
copy in the record and both values in a conflict record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fieldnotes.merge.revisions import (
    ROOT,
    Doc,
    ancestry,
    bounded,
    compute_rev,
    content,
    field_rev,
    history_of,
    rev_of,
    root_of,
)
from fieldnotes.model import stable_guid
from fieldnotes.text import tag_key


@dataclass
class Merged:
    doc: Doc
    conflicts: list[Doc] = field(default_factory=list)


def _order(a: Doc, b: Doc) -> tuple[Doc, Doc]:
    """The two copies in an order that does not depend on which side is ours."""
    ka = (str(a.get("updated", "")), rev_of(a), _canon(content(a)), _canon(a))
    kb = (str(b.get("updated", "")), rev_of(b), _canon(content(b)), _canon(b))
    return (a, b) if ka >= kb else (b, a)


def _canon(value: Any) -> str:
    import orjson

    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def merge_lists(first: list[Any], second: list[Any], base: list[Any] | None) -> list[Any]:
    """Two lists of names merged as sets (by `tag_key`), in `first`'s order then `second`'s.

    With the base list known, a name one side removed goes; without it, nothing goes."""

    def key(item: Any) -> Any:
        return tag_key(item) if isinstance(item, str) else _canon(item)

    in_first = {key(item) for item in first}
    in_second = {key(item) for item in second}
    in_base = {key(item) for item in base} if base is not None else None
    out: list[Any] = []
    seen: set[Any] = set()
    for item in [*first, *second]:
        k = key(item)
        if k in seen:
            continue
        both = k in in_first and k in in_second
        if in_base is None or both or k not in in_base:
            out.append(item)
            seen.add(k)
    return out


def conflict_record(
    table: str, key: str, name: str, kind: str, sides: list[dict[str, Any]], *, found: str, kept: Any
) -> Doc:
    """A conflict: which record and field, every value with its author, time and rev."""
    sides = sorted(sides, key=lambda side: (str(side.get("when", "")), str(side.get("rev", ""))))
    # an edit against a delete is the same conflict whatever the kept copy became since
    named = [side for side in sides if kind != "deleted" or side.get("value") == "deleted"]
    revs = sorted(str(side.get("rev", "")) for side in named)
    guid = stable_guid("conflict", table, key, name, kind, *revs)
    return {
        "guid": guid,
        "table": table,
        "key": key,
        "field": name,
        "kind": kind,
        "values": sides,
        "kept": kept,
        "found": found,
    }


def side_of(doc: Doc, value: Any) -> dict[str, Any]:
    return {
        "value": value,
        "author": str(doc.get("author", "")),
        "when": str(doc.get("updated", "")),
        "rev": rev_of(doc),
    }


def merge_docs(
    a: Doc, b: Doc, base: Doc | None, *, table: str, key: str, found: str, fixed: frozenset[str] = frozenset()
) -> Merged:
    """One record from two copies of it (and the common version, when known).

    `fixed`: content keys that identify the record (id, guid) and are taken from the
    newer copy without a conflict.
    """
    ra, rb = rev_of(a), rev_of(b)
    newer = _order(a, b)[0]
    if ra == rb:
        return Merged(dict(newer))  # the same version: only when or by whom it was saved differs
    seen_by_a, seen_by_b = ancestry(a), ancestry(b)
    if ra in seen_by_b:
        return Merged(dict(b))  # b was made from a: b is the newer version
    if rb in seen_by_a:
        return Merged(dict(a))
    ca, cb = content(a), content(b)
    cbase = content(base) if base is not None else None
    body: Doc = {}
    revs: dict[str, str | None] = {}  # None: set by this merge
    conflicts: list[Doc] = []
    for name in [*ca, *(k for k in cb if k not in ca)]:
        va, vb = ca.get(name), cb.get(name)
        fa, fb = field_rev(a, name), field_rev(b, name)
        if name in fixed:
            body[name] = newer.get(name, va if va is not None else vb)
            continue
        if va == vb:
            body[name] = va
            revs[name] = fb if fa in seen_by_b else fa if fb in seen_by_a else min(fa, fb)
            continue
        if fa != fb and fa in seen_by_b and fb not in seen_by_a:
            body[name], revs[name] = vb, fb  # b saw a's value and changed it
            continue
        if fa != fb and fb in seen_by_a and fa not in seen_by_b:
            body[name], revs[name] = va, fa
            continue
        known = cbase is not None and name in cbase
        vbase = cbase.get(name) if cbase is not None else None
        if isinstance(va, list) and isinstance(vb, list):
            first, second = (va, vb) if newer is a else (vb, va)
            body[name] = merge_lists(first, second, vbase if known and isinstance(vbase, list) else None)
            revs[name] = None
            continue
        if known and va == vbase:
            body[name], revs[name] = vb, fb
            continue
        if known and vb == vbase:
            body[name], revs[name] = va, fa
            continue
        kept = newer.get(name)
        body[name] = kept
        revs[name] = None
        conflicts.append(
            conflict_record(
                table, key, name, "field", [side_of(a, va), side_of(b, vb)], found=found, kept=kept
            )
        )
    rev = compute_rev(body, [ra, rb])
    root = min(root_of(a), root_of(b))
    field_revs = {ROOT: root}
    for name, value in revs.items():
        actual = value or rev
        if actual != root:
            field_revs[name] = actual
    first, second = (a, b) if ra < rb else (b, a)
    history = bounded(
        [
            min(ra, rb),
            max(ra, rb),
            *_interleave(history_of(first), history_of(second)),
            root_of(a),
            root_of(b),
        ]
    )
    doc = {
        **body,
        "updated": newer.get("updated", ""),
        "author": newer.get("author", ""),
        "rev": rev,
        "history": history,
        "field_revs": field_revs,
    }
    if "updated" not in a and "updated" not in b:
        del doc["updated"]
    return Merged(doc, conflicts)


def _interleave(first: list[str], second: list[str]) -> list[str]:
    out = []
    for index in range(max(len(first), len(second))):
        out.extend(part[index] for part in (first, second) if index < len(part))
    return out


def same_content(a: Doc | None, b: Doc | None) -> bool:
    return a is not None and b is not None and content(a) == content(b)


__all__ = ["Merged", "conflict_record", "merge_docs", "merge_lists", "same_content", "side_of"]
