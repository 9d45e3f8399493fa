"""Analytic memos: writing that stands on its own, linked to codes, organizations, informants
and notes.

A note's own memo field stays the reflexive memo of that occasion. These are the
memos a study writes between the notes: a theoretical memo on how legitimacy is
claimed, a methodological one on access, a code memo defining a code. Each has
a type and any number of links, written `code:NAME`, `org:NAME`,
`informant:PSEUDONYM` or `note:ID`. Links are stored with the registry's
spelling and the full note id, and follow renames and merges
(`Registries.listeners`).

`Memos` is composed by the service (`service.memos`); memos live in the "memos"
record table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from fieldnotes.errors import NotFoundError, ValidationError
from fieldnotes.model import Record, _check_types, new_id, now_stamp
from fieldnotes.text import one_line, tag_key

if TYPE_CHECKING:
    from fieldnotes.index import NoteIndex
    from fieldnotes.registries import Registries
    from fieldnotes.storage import Store

TABLE = "memos"
MEMO_TYPES: tuple[str, ...] = ("theoretical", "methodological", "code memo", "other")
LINK_KINDS: tuple[str, ...] = ("code", "org", "informant", "note")
LINK_WORDS = {"code": "code", "org": "organization", "informant": "informant", "note": "note"}
_KIND_ALIASES = {
    "code": "code",
    "org": "org",
    "organization": "org",
    "organisation": "org",
    "informant": "informant",
    "person": "informant",
    "note": "note",
}
MIN_PREFIX = 4


@dataclass
class Memo(Record):
    """An analytic memo. `about` holds its links, e.g. ["code:legitimacy", "org:Lantern Legal Aid"]."""

    title: str
    type: str = "other"
    body: str = ""
    about: list[str] = field(default_factory=list)
    author: str = ""
    created: str = ""
    updated: str = ""
    guid: str = field(default_factory=new_id)

    @classmethod
    def _complete(cls, values: dict[str, Any]) -> None:
        values.setdefault("title", "")
        values["type"] = values.get("type") or "other"
        values["guid"] = values.get("guid") or new_id()

    @property
    def short_id(self) -> str:
        return self.guid[:8]

    def links(self) -> list[tuple[str, str]]:
        """(kind, target) of every link."""
        return [split_link(link) for link in self.about]

    def targets(self, kind: str) -> list[str]:
        return [target for link_kind, target in self.links() if link_kind == kind]

    def validate(self) -> None:
        _check_types(self, ("title", "type", "body", "about", "author", "created", "updated", "guid"))
        if not self.title.strip():
            raise ValidationError("a memo needs a title", field="title")
        if self.type not in MEMO_TYPES:
            raise ValidationError(
                f"memo type {self.type!r} is not one of: {', '.join(MEMO_TYPES)}", field="type"
            )
        for link in self.about:
            split_link(link)


def split_link(link: str) -> tuple[str, str]:
    """`org:Lantern Legal Aid` -> ("org", "Lantern Legal Aid"); ValidationError otherwise."""
    kind, colon, target = link.partition(":")
    kind = _KIND_ALIASES.get(kind.strip().casefold(), "")
    target = one_line(target)
    if not colon or not kind or not target:
        raise ValidationError(
            f"--about {link!r}: write code:NAME, org:NAME, informant:PSEUDONYM or note:ID", field="about"
        )
    if "\n" in link or "\r" in link:
        raise ValidationError(f"--about {link!r}: a link can't hold a line break", field="about")
    return kind, target


def memo_type(text: str) -> str:
    """A memo type as typed ("Code memo", "code", "theory"...) -> one of MEMO_TYPES."""
    key = " ".join(text.casefold().replace("-", " ").replace("_", " ").split())
    aliases = {"code": "code memo", "theory": "theoretical", "method": "methodological"}
    key = aliases.get(key, key)
    if key not in MEMO_TYPES:
        raise ValidationError(f"memo type {text!r} is not one of: {', '.join(MEMO_TYPES)}", field="type")
    return key


class Memos:
    """The memos of one database (`service.memos`)."""

    def __init__(self, store: Store, registries: Registries, index: NoteIndex) -> None:
        self.store = store
        self.registries = registries
        self.index = index

    # ---------------------------------------------------------------- reading
    def all(self) -> list[Memo]:
        """Every memo, newest first (by creation)."""
        memos = [Memo.from_dict(doc) for doc in self.store.records(TABLE)]
        return sorted(memos, key=lambda memo: (memo.created, memo.guid), reverse=True)

    def get(self, prefix: str) -> Memo:
        """The memo whose id is `prefix` or starts with it (4 characters at least)."""
        prefix = prefix.strip().lower()
        memos = self.all()
        exact = [memo for memo in memos if memo.guid == prefix]
        if exact:
            return exact[0]
        if len(prefix) < MIN_PREFIX:
            raise NotFoundError(f"memo id {prefix!r} is too short: give at least {MIN_PREFIX} characters")
        found = [memo for memo in memos if memo.guid.startswith(prefix)]
        if not found:
            raise NotFoundError(f"no memo has an id starting with {prefix!r} (fieldnotes memos list)")
        if len(found) > 1:
            raise NotFoundError(f"{len(found)} memos have ids starting with {prefix!r}; give more characters")
        return found[0]

    def about(self, kind: str, target: str) -> list[Memo]:
        """The memos linked to one code, organization, informant or note (newest first)."""
        kind = _KIND_ALIASES.get(kind, kind)
        if kind == "note":
            wanted = {target}
        elif kind == "org":
            try:
                wanted = {tag_key(s) for s in self.registries.organization(target).spellings()}
            except NotFoundError:
                wanted = {tag_key(target)}
        else:
            wanted = {tag_key(target)}
        out = []
        for memo in self.all():
            for link_kind, linked in memo.links():
                if link_kind == kind and (linked if kind == "note" else tag_key(linked)) in wanted:
                    out.append(memo)
                    break
        return out

    def count_about(self, kind: str, target: str) -> int:
        return len(self.about(kind, target))

    # ---------------------------------------------------------------- writing
    def add(self, memo: Memo) -> Memo:
        """Validate and save a new memo; its links are checked against the registries."""
        memo = self._prepared(memo)
        stamp = now_stamp()
        memo.created = memo.created or stamp
        memo.updated = memo.updated or memo.created
        if not memo.author:
            from fieldnotes.authors import current_author

            memo.author = current_author(self.registries)
        if any(doc.get("guid") == memo.guid for doc in self.store.records(TABLE)):
            raise ValidationError(f"a memo with id {memo.guid} exists already", field="id")
        self.store.put_records(TABLE, [memo.to_dict()])
        return memo

    def update(self, memo: Memo) -> Memo:
        """Save changes to an existing memo (matched by guid)."""
        old = self.get(memo.guid)
        memo = self._prepared(memo)
        memo.created = old.created
        memo.author = old.author or memo.author
        memo.updated = now_stamp()
        self.store.put_records(TABLE, [memo.to_dict()])
        return memo

    def delete(self, prefix: str) -> Memo:
        memo = self.get(prefix)
        with self.store.transaction():
            self.store.backup("before-delete-memo")
            self.store.delete_records(TABLE, [memo.guid])
        return memo

    def put_many(self, memos: Iterable[Memo]) -> None:
        """Save memos as given, stamps and all, in one write (the sample, imports)."""
        prepared = [self._prepared(memo) for memo in memos]
        self.store.put_records(TABLE, [memo.to_dict() for memo in prepared])

    def _prepared(self, memo: Memo) -> Memo:
        memo = replace(memo, title=one_line(memo.title), about=list(memo.about))
        if isinstance(memo.type, str):
            memo.type = memo_type(memo.type) if memo.type.strip() else "other"
        memo.validate()
        memo.about = self.resolve_links(memo.about)
        return memo

    def resolve_links(self, links: Iterable[str]) -> list[str]:
        """Links as stored: the registry's spelling, the full note id; unknown targets refused."""
        out: list[str] = []
        seen: set[str] = set()
        registries = self.registries
        for link in links:
            kind, target = split_link(link)
            try:
                if kind == "code":
                    target = registries.code(target).name
                elif kind == "org":
                    target = registries.organization(target).name
                elif kind == "informant":
                    target = registries.informant(target).pseudonym
                else:
                    target = self.index.resolve(target)
            except NotFoundError as exc:
                raise ValidationError(f"--about {link!r}: {exc}", field="about") from None
            canonical = f"{kind}:{target}"
            if tag_key(canonical) not in seen:
                seen.add(tag_key(canonical))
                out.append(canonical)
        return out

    def renamed(self, kind: str, old_keys: set[str], new: str) -> None:
        """A registry entry was renamed or merged: links to its old names follow (same write;
        the service passes every rename on, see `FieldNotes.__init__`)."""
        link_kind = {"organization": "org", "code": "code", "informant": "informant"}[kind]
        changed = []
        for memo in self.all():
            about = [
                f"{link_kind}:{new}"
                if link_kind == linked_kind and tag_key(target) in old_keys
                else f"{linked_kind}:{target}"
                for linked_kind, target in memo.links()
            ]
            deduped = list(dict.fromkeys(about))
            if deduped != memo.about:
                changed.append(replace(memo, about=deduped))
        if changed:
            self.store.put_records(TABLE, [memo.to_dict() for memo in changed])


def describe_link(link: str, titles: dict[str, str] | None = None) -> str:
    """A link for people: "code: legitimacy", "note: 1a2b3c4d Coalition monthly"."""
    kind, target = split_link(link)
    if kind == "note":
        title = (titles or {}).get(target)
        return f"note: {target[:8]}" + (f" {title}" if title else " (deleted)" if titles is not None else "")
    return f"{LINK_WORDS[kind]}: {target}"
