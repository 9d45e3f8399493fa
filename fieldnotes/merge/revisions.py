"""Revisions: what lets two copies of a note (or a registry record) be merged field by field.

Every saved version of a record carries, beside its content:

* `rev`: a hash of its content and of the revs it was made from (its parents), as git
  hashes a commit. The same edit made from the same version gives the same rev on any
  device; an edit that puts back an older text still gets a new rev, because its parent
  differs. `updated`, `author` and the bookkeeping itself are not content: two copies
  that differ only in when or by whom they were saved hold the same version.
* `history`: the revs of earlier versions, newest first, at most `HISTORY_LIMIT`. A copy
  "has seen" a version when its rev or its history holds that version's rev.
* `field_revs`: for each field, the rev of the version that last set it. The entry
  `"*"` is the rev the record was created with (its root): fields not listed were set
  then. A root is an ancestor of every version of its record.
* `author`: who made this version (`FIELDNOTES_AUTHOR`, else the project's researcher).

Merging needs no copy of old texts: a field's value on one side is superseded by the
other side's when the other side has seen the version that set it. When neither has
seen the other's write the two changes are concurrent: the same value lands once,
list fields merge as sets, and different values are a conflict. Old versions' texts are
never kept, so removing a name from a note removes it (only 64-bit hashes remain).

Limits: a history holds the last `HISTORY_LIMIT` versions; two copies that diverged
longer ago than that see concurrent changes, and report conflicts where a longer
history would have found one side newer. Nothing is lost either way. Records saved
before revisions existed get their root from their content when first needed (the
"implied rev"), so a copy never edited since is still recognised as an ancestor.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

import orjson

AUTHOR_ENV = "FIELDNOTES_AUTHOR"
BOOKKEEPING: tuple[str, ...] = ("author", "rev", "history", "field_revs")
NOT_CONTENT: frozenset[str] = frozenset({*BOOKKEEPING, "updated"})
ROOT = "*"
HISTORY_LIMIT = 64
REV_CHARS = 16  # 64 bits of SHA-256: collisions among one record's versions are out of reach

TOMBSTONES = "tombstones"
CONFLICTS = "conflicts"

Doc = dict[str, Any]


def env_author() -> str:
    """`FIELDNOTES_AUTHOR`, trimmed ("" when unset)."""
    return " ".join(os.environ.get(AUTHOR_ENV, "").split())


def content(doc: Doc) -> Doc:
    """The record's content: every field but the bookkeeping and the `updated` stamp."""
    return {key: value for key, value in doc.items() if key not in NOT_CONTENT}


def compute_rev(body: Doc, parents: list[str] | tuple[str, ...] | set[str]) -> str:
    """The rev of a version with this content made from these parents (order does not matter)."""
    payload = orjson.dumps({"c": body, "p": sorted(set(parents))}, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(payload).hexdigest()[:REV_CHARS]


def rev_of(doc: Doc) -> str:
    """The doc's rev; for a record saved before revisions existed, the rev its content implies."""
    rev = doc.get("rev")
    return rev if isinstance(rev, str) and rev else compute_rev(content(doc), [])


def history_of(doc: Doc) -> list[str]:
    history = doc.get("history")
    return [rev for rev in history if isinstance(rev, str)] if isinstance(history, list) else []


def field_revs_of(doc: Doc) -> dict[str, str]:
    revs = doc.get("field_revs")
    if not isinstance(revs, dict):
        return {}
    return {str(key): value for key, value in revs.items() if isinstance(value, str) and value}


def root_of(doc: Doc) -> str:
    return field_revs_of(doc).get(ROOT) or (history_of(doc)[-1:] or [rev_of(doc)])[0]


def field_rev(doc: Doc, name: str) -> str:
    """The rev of the version that set `name` to its current value."""
    revs = field_revs_of(doc)
    return revs.get(name) or revs.get(ROOT) or root_of(doc)


def ancestry(doc: Doc) -> set[str]:
    """Every version this copy has seen: itself, its history and its root."""
    return {rev_of(doc), *history_of(doc), root_of(doc)}


def bounded(revs: list[str]) -> list[str]:
    """Revs without repeats, in order, at most `HISTORY_LIMIT`."""
    seen: set[str] = set()
    out = []
    for rev in revs:
        if rev and rev not in seen:
            seen.add(rev)
            out.append(rev)
    return out[:HISTORY_LIMIT]


def stamp(
    new: Doc, old: Doc | None, author: str, *, extra_parents: tuple[str, ...] = (), when: str | None = None
) -> Doc:
    """`new` with the bookkeeping of a version saved over `old` (None: a new record).

    Bookkeeping that `new` carries in is ignored: it is derived from `old`, the stored
    version. Saving the same content again keeps `old`'s bookkeeping (no new version).
    `extra_parents`: versions this one also supersedes (a tombstone's rev, when a deleted
    record is saved again). `when`: the `updated` stamp of a new version (registry
    records; the service stamps notes itself).
    """
    if when is not None:
        new = {**new, "updated": when}
    body = content(new)
    if old is None:
        rev = compute_rev(body, extra_parents)
        history = bounded(list(extra_parents))
        return {**new, "author": author, "rev": rev, "history": history, "field_revs": {ROOT: rev}}
    old_body = content(old)
    if body == old_body and not extra_parents:
        kept = {key: old[key] for key in (*BOOKKEEPING, "updated") if key in old and when is not None}
        kept.update({key: old[key] for key in BOOKKEEPING if key in old})
        return {**{k: v for k, v in new.items() if k not in BOOKKEEPING}, **kept}
    old_rev = rev_of(old)
    parents = (old_rev, *extra_parents)
    rev = compute_rev(body, parents)
    revs = {ROOT: root_of(old), **{k: v for k, v in field_revs_of(old).items() if k != ROOT}}
    for key in sorted(body.keys() | old_body.keys()):
        if body.get(key) != old_body.get(key):
            revs[key] = rev
    history = bounded([*parents, *history_of(old), root_of(old)])
    return {**new, "author": author, "rev": rev, "history": history, "field_revs": revs}


def tombstone(table: str, key: str, doc: Doc, *, author: str, when: str) -> Doc:
    """What a deletion leaves: which record, the versions deleted, by whom and when. No content.

    `rev` is the delete's own rev (a version made from the deleted one); `history` is the
    deleted version and those before it. A record saved again after the delete names
    `rev` among its parents, so a merge can tell it from an edit made before the delete."""
    deleted = rev_of(doc)
    return {
        "guid": tombstone_guid(table, key),
        "table": table,
        "key": key,
        "rev": compute_rev({"deleted": key}, [deleted]),
        "history": bounded([deleted, *history_of(doc), root_of(doc)]),
        "author": author,
        "when": when,
    }


def tombstone_guid(table: str, key: str) -> str:
    return f"{table}:{key}"


def tombstone_ancestry(tomb: Doc) -> set[str]:
    """The versions a delete removed: the deleted one and everything before it."""
    return set(history_of(tomb)) - {""}


__all__ = [
    "AUTHOR_ENV",
    "BOOKKEEPING",
    "CONFLICTS",
    "HISTORY_LIMIT",
    "NOT_CONTENT",
    "ROOT",
    "TOMBSTONES",
    "ancestry",
    "bounded",
    "compute_rev",
    "content",
    "env_author",
    "field_rev",
    "history_of",
    "rev_of",
    "root_of",
    "stamp",
    "tombstone",
    "tombstone_ancestry",
]
