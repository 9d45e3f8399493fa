"""The note index: every note as a model, newest first, with filters, id prefixes and search.

It is rebuilt from the store only when another process wrote; the service
tells it about its own saves (`remember`, `forget`), so listing and searching
stay fast at 10,000 notes.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import compress, repeat
from typing import Any, overload

from fieldnotes.errors import NotFoundError
from fieldnotes.model import MINUTE_FORMAT, NOTE_FIELDS, Note, as_str
from fieldnotes.search import WordIndex
from fieldnotes.storage import Store
from fieldnotes.storage.durable import ListedNotes, bulk_load
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
    """A note with what filtering needs, built as it is first needed.

    At start-up an entry holds its sort key and either the stored document or,
    when the store lists the notes unparsed, its place in the main file's bytes:
    the document is parsed, and the model built, when the note is shown, filtered
    on or opened (at 50,000 notes, parsing the file took 0.45 s and building every
    model 0.6 s before the first screen). The search text is folded (no case, no
    accents) once, when search is prepared."""

    __slots__ = (
        "_code_keys",
        "_doc",
        "_haystack",
        "_listed",
        "_note",
        "_number",
        "_org_keys",
        "id",
        "key",
        "slot",
        "start",
    )

    def __init__(self, slot: int, doc: dict[str, Any] | None, note: Note | None = None) -> None:
        self.slot = slot
        self._listed: ListedNotes | None = None
        self._number = 0
        self._haystack: str | None = None
        self._org_keys: frozenset[str] | None = None
        self._code_keys: frozenset[str] | None = None
        if note is None and doc is not None:
            self.id = as_str(doc.get("id"))
            if not self.id:  # never written so; the model makes one
                note, doc = Note.from_dict(doc), None
        self._doc = doc
        self._note = note
        if note is not None:
            self.id, self.start, created = note.id, note.start, note.created
        else:
            assert doc is not None
            self.start, created = as_str(doc.get("start")), as_str(doc.get("created"))
        # One string sorts as the tuple (start, created, id) does, and twice as fast.
        self.key = f"{self.start}\0{created}\0{self.id}"

    @classmethod
    def listed(cls, slot: int, listed: ListedNotes, number: int) -> _Entry:
        """Note `number` of the listing, its document still unparsed."""
        entry = cls.__new__(cls)
        entry.slot, entry._listed, entry._number = slot, listed, number
        entry._doc = entry._note = entry._haystack = entry._org_keys = entry._code_keys = None
        entry.id, entry.start = listed.ids[number], listed.starts[number]
        entry.key = f"{entry.start}\0{listed.createds[number]}\0{entry.id}"
        return entry

    def _document(self) -> dict[str, Any]:
        doc = self._doc
        if doc is None:
            assert self._listed is not None
            doc = self._doc = self._listed.document(self._number)
            self._listed = None
        return doc

    @property
    def note(self) -> Note:
        note = self._note
        if note is None:
            note = self._note = Note.from_dict(self._document())
            self._doc = None
        return note

    def value(self, name: str) -> Any:
        """One field of the note, read without building the model when it is not built yet
        (a filter on kind or organization reads two fields of every note, not all of them)."""
        if self._note is None:
            return Note.field_from_dict(self._document(), name)
        return getattr(self._note, name)

    @property
    def org_keys(self) -> frozenset[str]:
        if self._org_keys is None:
            self._org_keys = frozenset(tag_key(o) for o in self.value("organizations"))
        return self._org_keys

    @property
    def code_keys(self) -> frozenset[str]:
        if self._code_keys is None:
            self._code_keys = frozenset(tag_key(c) for c in self.value("codes"))
        return self._code_keys

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


class NoteViews(Sequence[Note]):
    """Notes in order, each model built when it is first read (a table shows a page)."""

    __slots__ = ("_entries",)

    def __init__(self, entries: list[_Entry]) -> None:
        self._entries = entries

    def __len__(self) -> int:
        return len(self._entries)

    @overload
    def __getitem__(self, index: int) -> Note: ...
    @overload
    def __getitem__(self, index: slice) -> list[Note]: ...
    def __getitem__(self, index: int | slice) -> Note | list[Note]:
        if isinstance(index, slice):
            return [entry.note for entry in self._entries[index]]
        return self._entries[index].note

    def __iter__(self) -> Iterator[Note]:
        return (entry.note for entry in self._entries)

    def position(self, note_id: str) -> int | None:
        """Where note `note_id` is, without building the models before it."""
        for number, entry in enumerate(self._entries):
            if entry.id == note_id:
                return number
        return None


def _involves(entry: _Entry, informant: str) -> bool:
    """The note is an interview of the informant, or names them among the people present."""
    value = entry.value
    return (value("kind") == "interview" and tag_key(value("informant")) == informant) or any(
        tag_key(person) == informant for person in value("people")
    )


def _sort_key(entry: _Entry) -> str:
    return entry.key


PREPARE_CHUNK = 100
"""Notes folded and indexed per step of `prepare_search_steps` (about 10 ms)."""


class NoteIndex:
    """The notes of one store, kept in step with the store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._entries: dict[str, _Entry] = {}
        self._ordered: list[_Entry] | None = None
        self._values: dict[str, list[str]] = {}
        self._generation = -1
        self._slots = 0
        self._by_slot: dict[int, _Entry] | None = None  # built on the first indexed search
        self._words: WordIndex | None = None
        self._words_complete = False
        self._slot_column: list[int] | None = None  # each note's slot, in `_ordered`'s order
        self._text_column: list[str] | None = None  # and its search text, once every one is built

    def sync(self) -> None:
        """Rebuild from the store when another process wrote."""
        if self.store.generation != self._generation:
            listed = self.store.listed_notes()  # the app's start: nothing parsed yet
            docs = self.store.all_notes() if listed is None else listed.docs
            self._entries = {}
            self._words, self._words_complete = None, False
            entries = self._entries
            slot = self._slots
            with bulk_load():
                for number, note_id in enumerate(listed.ids if listed is not None else ()):
                    slot += 1
                    if note_id and note_id != "None":
                        entries[note_id] = _Entry.listed(slot, listed, number)  # type: ignore[arg-type]
                    else:  # no id: as from the stored document (the model makes one)
                        entry = _Entry(slot, listed.document(number))  # type: ignore[union-attr]
                        entries[entry.id] = entry
                for doc in docs:
                    slot += 1
                    entry = _Entry(slot, doc)
                    entries[entry.id] = entry
            self._slots = slot
            self._by_slot = None
            self._changed()
            self._generation = self.store.generation  # reading the notes may have loaded them

    def release(self) -> None:
        """Forget every note (read again if asked): before the store closes, so that its
        fold never holds the models and the main file's bytes at once."""
        self._entries, self._by_slot, self._words, self._words_complete = {}, None, None, False
        self._changed()
        self._generation = -1

    @property
    def is_loaded(self) -> bool:
        """Whether the notes were read: reading them inside a transaction would drop its writes."""
        return self._generation != -1

    def remember(self, note: Note) -> None:
        """A note this process saved (nothing to do until the notes are first read)."""
        if self._generation != -1:
            old = self._entries.get(note.id)
            self._slots += 1
            entry = self._entries[note.id] = _Entry(self._slots, None, note)
            if self._by_slot is not None:
                if old is not None:
                    self._by_slot.pop(old.slot, None)
                self._by_slot[entry.slot] = entry
            if self._words is not None:
                self._words.add(entry.slot, entry.haystack)
            self._changed()

    def forget(self, note_id: str) -> None:
        """A note this process deleted."""
        if self._generation != -1:
            old = self._entries.pop(note_id, None)
            if old is not None and self._by_slot is not None:
                self._by_slot.pop(old.slot, None)
            self._changed()

    def _changed(self) -> None:
        """Drop what is derived from the notes; it is rebuilt when next asked."""
        self._ordered = None
        self._slot_column = self._text_column = None
        self._values.clear()

    def _slots_in_order(self) -> list[int]:
        if self._slot_column is None:
            self._slot_column = [entry.slot for entry in self._ordered_entries()]
        return self._slot_column

    def _texts_in_order(self) -> list[str]:
        """Every note's search text in `_ordered`'s order (search is ready: each is built)."""
        if self._text_column is None:
            self._text_column = [entry._haystack for entry in self._ordered_entries()]  # type: ignore[misc]
        return self._text_column

    def _ordered_entries(self) -> list[_Entry]:
        self.sync()
        if self._ordered is None:
            self._ordered = sorted(self._entries.values(), key=_sort_key, reverse=True)
        return self._ordered

    # ----------------------------------------------------------------- search
    @property
    def search_ready(self) -> bool:
        """Whether every note is in the word index (until then a search reads the notes)."""
        return self._words_complete and self._generation == self.store.generation

    def prepare_search_steps(self) -> Iterator[int]:
        """Fold every note's text and index its words, PREPARE_CHUNK notes a step (yielding
        how many are done), so a screen can do it between keystrokes. Notes saved meanwhile
        are indexed as they are saved; a reload starts it over."""
        entries = list(self._ordered_entries())
        generation = self._generation
        words = self._words = WordIndex()
        self._words_complete = False
        for done in range(0, len(entries), PREPARE_CHUNK):
            if self._words is not words or self._generation != generation:
                return  # reloaded meanwhile: a newer preparation takes over
            for entry in entries[done : done + PREPARE_CHUNK]:
                words.add(entry.slot, entry.haystack)
            yield min(done + PREPARE_CHUNK, len(entries))
        if self._words is words and self._generation == generation:
            words.prepare()
            yield len(entries)
        if self._words is words and self._generation == generation:
            # The columns a search of every note reads, made now rather than on the first
            # keystroke (10 and 16 ms at 50,000 notes).
            self._slots_in_order()
            self._texts_in_order()
            self._words_complete = True
            # Every model and search text is built and lives as long as the notes: out of
            # the collector's passes, which otherwise walk them all between keystrokes.
            gc.freeze()

    def prepare_search(self) -> None:
        """Prepare search in one go (a long session of searches, a script)."""
        for _ in self.prepare_search_steps():
            pass

    # ---------------------------------------------------------------- lookups
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

    def views(self, flt: NoteFilter | None = None) -> NoteViews:
        """Like `notes`, without copying: read-only views for fast display, each model
        built when first read."""
        return NoteViews(self._matching(flt or NoteFilter()))

    def _search(self, entries: list[_Entry], needle: str) -> tuple[list[_Entry], bool]:
        """Narrow `entries` to those that may hold `needle` with the word index; True when
        they surely all do (else each is still to be read)."""
        words = self._words
        if words is None or not self.search_ready:
            return entries, False
        found = words.candidates(needle, budget=2 * len(entries))
        if found is None:
            return entries, False
        slots = found.slots
        if len(slots) * 16 < len(entries) and entries is self._ordered:
            # Few: sort them (the key is unique, so the order is the list's) rather than
            # walk every note.
            by_slot = self._by_slot
            if by_slot is None:
                by_slot = self._by_slot = {entry.slot: entry for entry in self._entries.values()}
            few = [by_slot[slot] for slot in slots if slot in by_slot]
            return sorted(few, key=_sort_key, reverse=True), found.exact
        if entries is self._ordered:  # every note: tested at C speed, column by column
            return list(compress(entries, map(slots.__contains__, self._slots_in_order()))), found.exact
        return [entry for entry in entries if entry.slot in slots], found.exact

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
        searched = False
        if needle:
            entries, searched = self._search(entries, needle)
        if not (flt.kind or since or until or flt.status or orgs or codes or informant):
            if not needle or searched:
                return entries
            if self.search_ready and entries is self._ordered:  # every note: at C speed
                return list(compress(entries, map(str.__contains__, self._texts_in_order(), repeat(needle))))
            if self.search_ready:  # every search text is built: read them directly
                return [entry for entry in entries if needle in entry._haystack]  # type: ignore[operator]
            return [entry for entry in entries if needle in entry.haystack]
        out = []
        for entry in entries:
            if since and entry.start < since:
                continue
            if until and entry.start > until:
                continue
            if flt.kind and entry.value("kind") != flt.kind:
                continue
            if flt.status and entry.value("status") != flt.status:
                continue
            if orgs and orgs.isdisjoint(entry.org_keys):
                continue
            if codes and codes.isdisjoint(entry.code_keys):
                continue
            if informant and not _involves(entry, informant):
                continue
            if needle and not searched and needle not in entry.haystack:
                continue
            out.append(entry)
        return out

    def field_values(self, name: str) -> list[str]:
        """Distinct values used in a note field, most used first (for completion)."""
        self.sync()
        if name not in self._values:
            counts: dict[str, int] = {}
            for entry in self._entries.values():
                value = entry.value(name)
                for item in value if isinstance(value, list) else [value]:
                    if item:
                        counts[item] = counts.get(item, 0) + 1
            self._values[name] = sorted(counts, key=lambda item: (-counts[item], item.casefold()))
        return self._values[name]
