"""The note index: every note as a model, newest first, with filters, id prefixes and search.

It is rebuilt from the store only when another process wrote; the service
tells it about its own saves (`remember`, `forget`), so listing and searching
stay fast at 10,000 notes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from fieldnotes.errors import NotFoundError
from fieldnotes.model import MINUTE_FORMAT, NOTE_FIELDS, Note
from fieldnotes.storage import Store
from fieldnotes.storage.durable import bulk_load
from fieldnotes.text import fold, tag_key

MIN_PREFIX = 4


SEARCHED_FIELDS: tuple[str, ...] = tuple(
    spec.name
    for spec in NOTE_FIELDS
    if spec.name
    not in ("id", "kind", "start", "end", "created", "updated", "status", "rev", "history", "field_revs")
)
"""Every text field of a note, tags, informant and role included: what a search looks in."""


@dataclass(frozen=True)
class NoteFilter:
    """What to show. Empty fields do not filter. `until` is inclusive: a bare
    date (midnight) means the whole of that day. `text` is found in any text
    field, ignoring case and accents.

    `org` matches any spelling in `org_keys` and `code` any name in `code_keys`
    when the service has filled them (an organization's aliases; a code and the
    codes under it unless `subcodes` is False); else the name as given."""

    kind: str | None = None
    org: str | None = None
    code: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    text: str = ""
    informant: str | None = None
    status: str | None = None
    subcodes: bool = True
    org_keys: frozenset[str] = field(default=frozenset(), compare=False)
    code_keys: frozenset[str] = field(default=frozenset(), compare=False)

    @property
    def is_empty(self) -> bool:
        return self == NoteFilter()

    def describe(self, *, with_text: bool = False) -> str:
        """The filter in words, e.g. 'kind: meeting · from 01 Jun 2015' ('' when empty)."""
        parts = []
        if with_text and self.text.strip():
            parts.append(f"“{self.text.strip()}”")
        if self.kind:
            parts.append(f"kind: {self.kind}")
        if self.org:
            parts.append(f"organization: {self.org}")
        if self.code:
            parts.append(f"code: {self.code}" + ("" if self.subcodes else " (not the codes under it)"))
        if self.informant:
            parts.append(f"informant: {self.informant}")
        if self.status:
            parts.append(f"status: {self.status}")
        if self.since:
            parts.append(f"from {self.since:%d %b %Y}")
        if self.until:
            parts.append(f"until {self.until:%d %b %Y}")
        return " · ".join(parts)


class _Entry:
    """A note with what filtering needs. The search text is built, folded (no case, no
    accents), on the first search, not at start-up: most sessions open, capture a note
    and close. A keystroke then only folds the few letters typed."""

    __slots__ = ("_haystack", "code_keys", "note", "org_keys")

    def __init__(self, note: Note) -> None:
        self.note = note
        self.org_keys = frozenset(tag_key(o) for o in note.organizations)
        self.code_keys = frozenset(tag_key(c) for c in note.codes)
        self._haystack: str | None = None

    @property
    def haystack(self) -> str:
        if self._haystack is None:
            note = self.note
            parts: list[str] = []
            for name in SEARCHED_FIELDS:
                value = getattr(note, name)
                if isinstance(value, list):
                    parts.extend(value)
                elif value:
                    parts.append(value)
            self._haystack = fold("\n".join(parts))
        return self._haystack


def _involves(note: Note, informant: str) -> bool:
    """The note is an interview of the informant, or names them among the people present."""
    return (note.kind == "interview" and tag_key(note.informant) == informant) or any(
        tag_key(person) == informant for person in note.people
    )


def _sort_key(entry: _Entry) -> tuple[str, str]:
    return (entry.note.start, entry.note.created)


class NoteIndex:
    """The notes of one store as models, kept in step with the store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._entries: dict[str, _Entry] = {}
        self._ordered: list[_Entry] | None = None
        self._values: dict[str, list[str]] = {}
        self._generation = -1

    def sync(self) -> None:
        """Rebuild from the store when another process wrote."""
        if self.store.generation != self._generation:
            docs = self.store.all_notes()
            self._entries = {}
            with bulk_load():
                for doc in docs:
                    note = Note.from_dict(doc)
                    self._entries[note.id] = _Entry(note)
            self._changed()
            self._generation = self.store.generation  # reading the notes may have loaded them

    @property
    def is_loaded(self) -> bool:
        """Whether the notes were read: reading them inside a transaction would drop its writes."""
        return self._generation != -1

    def remember(self, note: Note) -> None:
        """A note this process saved (nothing to do until the notes are first read)."""
        if self._generation != -1:
            self._entries[note.id] = _Entry(note)
            self._changed()

    def forget(self, note_id: str) -> None:
        """A note this process deleted."""
        if self._generation != -1:
            self._entries.pop(note_id, None)
            self._changed()

    def _changed(self) -> None:
        """Drop what is derived from the notes; it is rebuilt when next asked."""
        self._ordered = None
        self._values.clear()

    def _ordered_entries(self) -> list[_Entry]:
        self.sync()
        if self._ordered is None:
            self._ordered = sorted(self._entries.values(), key=_sort_key, reverse=True)
        return self._ordered

    # ---------------------------------------------------------------- lookups
    def prepare_search(self) -> None:
        """Build the search text of every note now (e.g. just after the first screen shows)."""
        for entry in self._ordered_entries():
            entry.haystack  # noqa: B018 - computed and cached on first access

    def count(self) -> int:
        self.sync()
        return len(self._entries)

    def has(self, note_id: str) -> bool:
        self.sync()
        return note_id in self._entries

    def view(self, note_id: str) -> Note | None:
        """The stored note (read-only), or None."""
        self.sync()
        entry = self._entries.get(note_id)
        return entry.note if entry is not None else None

    def resolve(self, prefix: str) -> str:
        """The full id of the note whose id is `prefix` or starts with it."""
        self.sync()
        prefix = prefix.strip().lower()
        if prefix in self._entries:
            return prefix
        if len(prefix) < MIN_PREFIX:
            raise NotFoundError(f"note id {prefix!r} is too short: give at least {MIN_PREFIX} characters")
        matches = [note_id for note_id in self._entries if note_id.startswith(prefix)]
        if not matches:
            raise NotFoundError(f"no note has an id starting with {prefix!r}")
        if len(matches) > 1:
            raise NotFoundError(
                f"{len(matches)} notes have ids starting with {prefix!r}; give more characters"
            )
        return matches[0]

    def get(self, note_id: str) -> Note:
        """A copy of the note whose id is or starts with `note_id`."""
        full = self.resolve(note_id)
        return replace(self._entries[full].note)

    def notes(self, flt: NoteFilter | None = None) -> list[Note]:
        """Notes matching `flt`, newest first. Copies: edit them freely."""
        return [replace(entry.note) for entry in self._matching(flt or NoteFilter())]

    def views(self, flt: NoteFilter | None = None) -> list[Note]:
        """Like `notes`, without copying: read-only views for fast display."""
        return [entry.note for entry in self._matching(flt or NoteFilter())]

    def _matching(self, flt: NoteFilter) -> list[_Entry]:
        entries = self._ordered_entries()
        if flt.is_empty:
            return entries
        needle = fold(flt.text).strip()
        orgs = flt.org_keys or (frozenset({tag_key(flt.org)}) if flt.org else None)
        codes = flt.code_keys or (frozenset({tag_key(flt.code)}) if flt.code else None)
        informant = tag_key(flt.informant) if flt.informant else None
        since = flt.since.strftime(MINUTE_FORMAT) if flt.since else None
        until = None
        if flt.until is not None:
            end = flt.until
            if (end.hour, end.minute) == (0, 0):
                end = end.replace(hour=23, minute=59)  # not +1 day: 9999-12-31 has no next day
            until = end.strftime(MINUTE_FORMAT)
        out = []
        for entry in entries:
            note = entry.note
            if flt.kind and note.kind != flt.kind:
                continue
            if since and note.start < since:
                continue
            if until and note.start > until:
                continue
            if flt.status and note.status != flt.status:
                continue
            if orgs and orgs.isdisjoint(entry.org_keys):
                continue
            if codes and codes.isdisjoint(entry.code_keys):
                continue
            if informant and not _involves(note, informant):
                continue
            if needle and needle not in entry.haystack:
                continue
            out.append(entry)
        return out

    def field_values(self, name: str) -> list[str]:
        """Distinct values used in a note field, most used first (for completion)."""
        self.sync()
        if name not in self._values:
            counts: dict[str, int] = {}
            for entry in self._entries.values():
                value = getattr(entry.note, name)
                for item in value if isinstance(value, list) else [value]:
                    if item:
                        counts[item] = counts.get(item, 0) + 1
            self._values[name] = sorted(counts, key=lambda item: (-counts[item], item.casefold()))
        return self._values[name]
