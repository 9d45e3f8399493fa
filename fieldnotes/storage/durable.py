"""A crash-safe, multi-process store of TinyDB-format tables with an append-only journal.

TinyDB's own JSONStorage rewrites the whole file in place on every change: a
crash or a full disk mid-write leaves a broken file, and every operation
re-reads and re-parses it. This engine instead:

* keeps the parsed tables in memory and re-reads only when the files changed
  on disk (another process wrote), checked with two cheap `stat` calls;
* turns each change into an entry (documents set, documents deleted) appended
  as one JSON line to `<db>.journal` and fsynced: a save costs one small
  append, never anything that grows with the number of notes;
* folds the journal into the main file atomically (temp file, fsync,
  `os.replace`, fsync the folder), so the main file is always a complete,
  valid TinyDB JSON file that plain TinyDB opens. It folds when the journal
  passes `fold_bytes`, when a process that loaded every note closes, and on
  request (`fieldnotes flush`, before exports and git commits). So the main
  file lags the journal by at most `fold_bytes` of changes. A change of a
  thousand documents or more (an import) made with every note loaded skips
  the journal: the main file is written at once, just as atomically;
* replays the journal on open. Entries are idempotent and replayed in order,
  so a crash between the fold and the journal's removal is harmless. Only an
  incomplete last line (no newline: a crash mid-append, never acknowledged)
  is a torn write, ignored and cut off. A complete line that does not read
  back is damage, reported with the file named; nothing is dropped silently.

Two ways to load. A full load parses the main file. A light load reads the
sidecar index (`sidecar.py`: record tables, note ids, the listing) and the
journal, and is enough to add a note or change a registry: `fieldnotes add`
never parses the notes. After a light load, `listed_notes` hands out the notes
unparsed (the main file's bytes, where each note lies in them, and the notes the
journal set since): the app shows its first screen before parsing a note. Only
what needs every table whole (a fold, a backup, a bulk write) makes a light
load full.

In encrypted mode every file is sealed (`crypto.py`), and every journal line
is bound to the main file's generation and to its position in the journal.

The main file's layout is TinyDB's: `{"table": {"1": {...}, "2": {...}}}`.
"""

from __future__ import annotations

import contextlib
import gc
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from filelock import FileLock, Timeout
from isal.isal_zlib import crc32  # zlib's CRC-32, four times as fast (a fold checks 2 x 144 MB)

from fieldnotes.errors import (
    DamagedError,
    FieldnotesError,
    JournalDamagedError,
    PassphraseNeededError,
    StorageError,
)
from fieldnotes.files import (
    PRIVATE_FILE,
    atomic_writer,
    fsync_dir,
    not_writable,
    write_all,
    write_all_at,
)
from fieldnotes.storage.crypto import (
    HEADER_LIMIT,
    PASSPHRASE_ENV,
    Cipher,
    is_encrypted,
    new_generation,
    read_header,
)
from fieldnotes.storage.sidecar import VERSION as SIDECAR_VERSION
from fieldnotes.storage.sidecar import Listing, Sidecar, sidecar_path, write_sidecar

Tables = dict[str, dict[str, dict[str, Any]]]
Entry = dict[str, Any]
Stamp = tuple[tuple[int, int, int] | None, tuple[int, int] | None]

JOURNAL_FOLD_BYTES = 4 * 1024 * 1024
LOCK_TIMEOUT_S = 30.0
NOTES = "notes"  # the one table a light load leaves on disk
JOURNAL_MAGIC = "fieldnotes-journal"


def _stat_main(path: Path) -> tuple[int, int, int] | None:
    try:
        return _fd_stamp(path)
    except FileNotFoundError:
        return None


def _fd_stamp(file: int | Path) -> tuple[int, int, int]:
    """A main file's stamp (inode, size, mtime). Given the descriptor it was read or written
    by, the stamp of that file, even when another program (a git checkout, a sync tool) has
    since replaced the path."""
    st = os.stat(file)
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def _stat_journal(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_size)


@contextlib.contextmanager
def bulk_load() -> Iterator[None]:
    """Build many objects without the cyclic garbage collector rescanning them.

    Parsed JSON and models hold no reference cycles, so nothing is lost by not
    collecting; afterwards they are frozen out of future collections, which
    otherwise slow a 50,000-note database down by half (refcounting still
    frees them as usual). The collector is off while any thread is inside one (an
    export's writing and the fold beside it overlap), and back as it was when the
    last one leaves."""
    global _bulk_depth, _bulk_gc_was_on
    with _bulk_lock:
        if _bulk_depth == 0:
            _bulk_gc_was_on = gc.isenabled()
            gc.disable()
        _bulk_depth += 1
    try:
        yield
    finally:
        with _bulk_lock:
            _bulk_depth -= 1
            gc.freeze()
            if _bulk_depth == 0 and _bulk_gc_was_on:
                gc.enable()


_bulk_lock = threading.Lock()
_bulk_depth = 0  # bulk_load blocks open, in every thread
_bulk_gc_was_on = False  # whether the collector ran when the first of them opened


def note_ids(tables: Tables) -> dict[str, str]:
    """Document key -> note id, for every stored note."""
    notes = tables.get(NOTES, {})
    ids = [doc.get("id", "") for doc in notes.values()]
    if not all(type(note_id) is str for note_id in ids):
        ids = [str(note_id) for note_id in ids]
    return dict(zip(notes.keys(), ids, strict=True))


def parse_main(raw: bytes, path: Path) -> Tables:
    """Parse and check the main file's bytes. Raises DamagedError."""
    if not raw or raw.isspace():  # not raw.strip(): that copied the whole file (143 MB at 50,000)
        raise DamagedError(path, "the file is empty")
    try:
        with bulk_load():
            data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise DamagedError(path, f"not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise DamagedError(path, "the top level is not a JSON object of tables")
    for name, table in data.items():
        if not isinstance(table, dict):
            raise DamagedError(path, f"table {name!r} is not a JSON object")
        # At C speed first (50,000 notes: 3 ms, not 27); the loop only to name the culprit.
        keys = table.keys()
        well_formed = all(map(str.isdigit, keys)) and "".join(keys).isascii()
        if well_formed and set(map(type, table.values())) <= {dict}:
            continue
        for key, doc in table.items():
            if not (key.isascii() and key.isdigit()) or not isinstance(doc, dict):
                raise DamagedError(path, f"table {name!r} has a malformed entry {key!r}")
    return data


def note_spans(tables: Tables, plain: bytes) -> Listing | None:
    """Where each note's document lies in `plain`, the main file's bytes that `tables` was
    parsed from (or that were written from it), with the notes' sort fields; None unless
    `plain` is exactly orjson's compact layout of `tables` (each document is compared byte
    for byte: a file another program wrote is simply parsed whole, as before)."""
    dumps, starts_with = orjson.dumps, plain.startswith
    notes = tables.get(NOTES, {})
    keys, starts, createds, spans = [], [], [], []
    pos = 1  # after "{"
    for number, (name, table) in enumerate(tables.items()):
        pos += (1 if number else 0) + len(dumps(name)) + 1  # [","] "name":
        if name != NOTES:
            pos += len(dumps(table))
            continue
        pos += 1  # "{"
        for key, doc in table.items():
            pos += len(dumps(key)) + 1  # "key":
            data = dumps(doc)
            if not starts_with(data, pos):
                return None
            spans += (pos, pos + len(data))
            pos += len(data) + 1  # "," or the closing "}"
        if not table:
            pos += 1  # "}"
    if pos + 1 != len(plain):
        return None
    for key, doc in notes.items():
        start, created = _sort_fields(doc)
        keys.append(key)
        starts.append(start)
        createds.append(created)
    return Listing(keys, starts, createds, spans, crc32(plain))


def spans_hold(listing: Listing, plain: bytes) -> bool:
    """Whether each span is exactly the value of its key in the notes table of `plain`, in
    order: `"notes":{"k1":{...},"k2":{...}}`. Checked before a fold copies the spans' bytes
    (a damaged sidecar whose spans point at another note would otherwise copy it twice)."""
    dumps, starts_with = orjson.dumps, plain.startswith
    spans, end = listing.spans, -1
    for number, key in enumerate(listing.keys):
        begin = spans[2 * number]
        head = (b"," if number else dumps(NOTES) + b":{") + dumps(key) + b":"
        at = begin - len(head)
        if (number and at != end) or not starts_with(head, at) or not starts_with(b"{", begin):
            return False
        end = spans[2 * number + 1]
        if end <= begin or plain[end - 1] != ord("}"):
            return False
    return not listing.keys or starts_with(b"}", end)


def _run(listing: Listing, view: memoryview, first: int, last: int) -> NoteRun:
    """Notes `first` to `last` of the listing, as their bytes in the main file."""
    spans = listing.spans[2 * first : 2 * last + 2]
    begin = spans[0]
    return NoteRun(
        listing.keys[first : last + 1],
        view[begin : spans[-1]],
        listing.starts[first : last + 1],
        listing.createds[first : last + 1],
        [offset - begin for offset in spans],
        begin,
    )


class _Copier:
    """Copies byte ranges of the main file a light load listed into the file being
    written, inside the kernel (`os.copy_file_range`): a fold that left most notes alone
    moves their 144 MB (at 50,000 notes) without passing them through Python's writes.
    Only the file the listing was made from is copied (its stamp), and what the kernel
    copied is read back and compared with the bytes the fold checked (a copy that went
    wrong, or a file changed in place meanwhile, is rewritten from them): the file written
    holds exactly what a write from memory would. Anything else, or a system without the
    call, copies nothing and the bytes are written from memory."""

    def __init__(
        self, path: Path, listed: tuple[int, int, int] | None, target: int, flush: Callable[[], object]
    ) -> None:
        self.path, self.listed, self.target, self.flush = path, listed, target, flush
        self.source: int | None = None
        self.usable = hasattr(os, "copy_file_range") and listed is not None

    def __call__(self, offset: int, data: bytes | memoryview) -> int:
        """Copy `data`, found at `offset` of the listed file, to the target's position;
        returns how many of its bytes are now in place there (the caller writes the rest)."""
        if not self.usable:
            return 0
        try:
            if self.source is None:
                self.source = os.open(self.path, os.O_RDONLY)
                if _fd_stamp(self.source) != self.listed:
                    self.usable = False
                    return 0
            self.flush()  # the copy lands at the descriptor's position: after what was written
            start = os.lseek(self.target, 0, os.SEEK_CUR)
        except OSError:
            self.usable = False
            return 0
        length = len(data)
        copied = 0
        while copied < length:
            try:
                done = os.copy_file_range(self.source, self.target, length - copied, offset + copied)
            except OSError:
                done = 0
            if done <= 0:  # not supported here, or the file ended early: the rest from memory
                self.usable = False
                break
            copied += done
        if copied and not self._holds(start, data, copied):
            self.usable = False
            write_all_at(self.target, memoryview(data)[:copied], start)
        return copied

    def _holds(self, start: int, data: bytes | memoryview, length: int) -> bool:
        """Whether the target holds `data[:length]` from `start`."""
        view = memoryview(data)
        for at in range(0, length, _VERIFY_CHUNK):
            size = min(_VERIFY_CHUNK, length - at)
            if os.pread(self.target, size, start + at) != bytes(view[at : at + size]):
                return False
        return True

    def close(self) -> None:
        if self.source is not None:
            os.close(self.source)
            self.source = None


_VERIFY_CHUNK = 8 << 20  # bytes of a copy read back at once


def _sort_fields(doc: dict[str, Any]) -> tuple[str, str]:
    """A note's start and creation time, as the note index sorts by them."""
    start, created = doc.get("start"), doc.get("created")
    if type(start) is str and type(created) is str:
        return start, created  # nearly always: no import statement run 50,000 times a fold
    from fieldnotes.model import as_str

    return as_str(start), as_str(created)


NotePiece = tuple[str, "bytes | memoryview", str, str]
"""A note as the main file is written: its key, its document's bytes, its start and created."""


@dataclass(frozen=True, slots=True)
class NoteRun:
    """Notes that follow each other unchanged in the main file, copied as one piece: the
    bytes from the first document's `{` to the last one's `}` (the `,"key":` between them
    included), and each document's span within those bytes. A fold after a light load
    writes the notes the journal left alone this way: a few pieces, not one per note (the
    50,000 pieces of a fold that changed no note took half of its second)."""

    keys: list[str]
    data: bytes | memoryview
    starts: list[str]
    createds: list[str]
    spans: list[int]  # offsets within `data`
    offset: int  # where `data` is in the main file's plaintext


_WRITE_CHUNK = 1 << 20  # bytes gathered before a write (see write_layout)


class _Unlisted(Exception):
    """A note is neither in the listing nor set by the journal: the file is read whole."""


def write_layout(
    write: Callable[[bytes | memoryview], object],
    records: Tables,
    notes: Iterable[NotePiece | NoteRun] | None,
    copy: Callable[[int, bytes | memoryview], int] | None = None,
) -> Listing:
    """Write a main file through `write`, a piece at a time (nothing is held whole): the
    record tables, then the notes (no notes table when `notes` is None; a note alone or in
    a `NoteRun`), exactly as orjson writes such tables compactly. Returns the listing of
    what was written.

    With `copy(offset, data)`, a large run is copied from the main file it was read from
    by the kernel (it returns how many of the bytes it put in place; the rest is written
    from memory).

    Pieces are gathered and written ~1 MB at a time: a write and a CRC update per piece
    were 100,000 calls for 50,000 notes."""
    dumps = orjson.dumps
    pos = crc = held = 0
    pending: list[bytes | memoryview] = []

    def put(data: bytes | memoryview) -> None:
        nonlocal pos, held, crc
        pos += len(data)
        if len(data) >= _WRITE_CHUNK:  # a large note goes as it is, never copied
            drain()
            write(data)
            crc = crc32(data, crc)
            return
        pending.append(data)
        held += len(data)
        if held >= _WRITE_CHUNK:
            drain()

    def drain() -> None:
        nonlocal crc, held
        if pending:
            chunk = b"".join(pending)
            write(chunk)
            crc = crc32(chunk, crc)
            pending.clear()
            held = 0

    put(b"{")
    for number, (name, table) in enumerate(records.items()):
        put((b"," if number else b"") + dumps(name) + b":" + dumps(table))
    keys: list[str] = []
    starts: list[str] = []
    createds: list[str] = []
    spans: list[int] = []
    if notes is not None:
        put((b"," if records else b"") + dumps(NOTES) + b":{")
        for piece in notes:
            if type(piece) is NoteRun:
                put((b"," if keys else b"") + dumps(piece.keys[0]) + b":")
                base = pos
                spans += [base + offset for offset in piece.spans]
                data = piece.data
                if copy is not None and len(data) >= _WRITE_CHUNK:
                    drain()
                    copied = copy(piece.offset, data)
                    if copied < len(data):
                        write(data[copied:])
                    crc = crc32(data, crc)  # what the copy holds: the same bytes
                    pos += len(data)
                else:
                    put(data)
                keys += piece.keys
                starts += piece.starts
                createds += piece.createds
                continue
            key, data, start, created = piece
            put((b"," if keys else b"") + dumps(key) + b":")
            spans += (pos, pos + len(data))
            put(data)
            keys.append(key)
            starts.append(start)
            createds.append(created)
        put(b"}")
    put(b"}")
    drain()
    return Listing(keys, starts, createds, spans, crc)


class ListedNotes:
    """The notes as the disk has them, not yet parsed: those in the main file by their
    place in its bytes (`ids`, `starts`, `createds`, `document(i)`), and those the journal
    set since, as documents (`docs`)."""

    __slots__ = ("createds", "docs", "ids", "path", "plain", "refuse", "spans", "starts")

    def __init__(
        self,
        path: Path,
        plain: bytes,
        ids: list[str],
        starts: list[str],
        createds: list[str],
        spans: list[int],
        docs: list[dict[str, Any]],
        refuse: Callable[[], None],
    ) -> None:
        self.path, self.plain, self.docs, self.refuse = path, plain, docs, refuse
        self.ids, self.starts, self.createds, self.spans = ids, starts, createds, spans

    def document(self, number: int) -> dict[str, Any]:
        """Note `number`'s document, parsed from its slice of the main file and checked: it
        must be the note with that id. Raises StorageError (and the sidecar is removed, so
        the next open rebuilds it) when it is not."""
        begin, end = self.spans[2 * number], self.spans[2 * number + 1]
        try:
            doc = orjson.loads(memoryview(self.plain)[begin:end])
        except orjson.JSONDecodeError:
            doc = None
        if not isinstance(doc, dict) or str(doc.get("id", "")) != self.ids[number]:
            self.refuse()  # the storage never uses this listing again (nor its sidecar)
            raise StorageError(
                f"the index beside the database ({sidecar_path(self.path).name}) does not match "
                f"{self.path}; it was removed, and nothing in the database changed. "
                "Close fieldnotes and open it again."
            )
        return doc


DIRECT_FOLD_DOCUMENTS = 1000
"""A batch setting this many documents (with every note loaded) is written as a fold."""


def _documents(entries: list[Entry]) -> int:
    """How many documents a batch sets."""
    count = 0
    for entry in entries:
        if "batch" in entry:
            count += _documents(entry["batch"])
        else:
            count += sum(len(docs) for docs in entry.get("set", {}).values())
    return count


def _check_entry(entry: Any) -> None:
    """Refuse an entry that is not the shape we write, before any of it is applied."""
    if not isinstance(entry, dict):
        raise ValueError("entry is not an object")
    if "batch" in entry:
        if not isinstance(entry["batch"], list):
            raise ValueError("a batch is not a list")
        for part in entry["batch"]:
            _check_entry(part)
        return
    drops, dels, sets = entry.get("drop", []), entry.get("del", {}), entry.get("set", {})
    gone = entry.get("gone", {})
    if not all(isinstance(part, dict) for part in (dels, sets, gone)) or not isinstance(drops, list):
        raise ValueError("an entry has parts of the wrong type")
    for keys in (*dels.values(), *gone.values()):
        if not isinstance(keys, list):
            raise ValueError("a deletion is not a list")
    for docs in sets.values():
        if not isinstance(docs, dict) or not all(
            isinstance(key, str) and key.isascii() and key.isdigit() and isinstance(doc, dict)
            for key, doc in docs.items()
        ):
            raise ValueError("a document is not an object under a numeric key")


class DurableStorage:
    """See the module docstring. One instance per open database file.

    `tables` is the data as it is now (without the notes after a light load);
    callers read it and never mutate it: every change goes through `apply`,
    inside `batch` for all-or-nothing. `note_ids` maps each note's key to its id.
    """

    def __init__(
        self, path: Path, *, fold_bytes: int = JOURNAL_FOLD_BYTES, passphrase: str | None = None
    ) -> None:
        self.path = path
        self.passphrase = passphrase
        self.cipher: Cipher | None = None
        self.encrypted = False  # decided by the main file: sealed files stay sealed
        self.gen: str | None = None  # the main file's generation (encrypted)
        self.prev_gen: str | None = None  # the generation it replaced
        self.journal_path = path.with_name(path.name + ".journal")
        self.lock_path = path.with_name(path.name + ".lock")
        self.sidecar_path = sidecar_path(path)
        self.lock = FileLock(str(self.lock_path), timeout=LOCK_TIMEOUT_S, mode=PRIVATE_FILE)
        self.fold_bytes = fold_bytes
        self.generation = 0  # bumped whenever data is (re)loaded from disk
        self.changes = 0  # bumped with every change to the data in memory, loads included
        self.tables: Tables = {}
        self.note_ids: dict[str, str] = {}
        self.full = False
        # After a light load: the sidecar's listing of the main file, the notes the journal
        # set since (their documents), and the main file's bytes once read for the listing.
        self._listing: Listing | None = None
        self._listing_text: str | None = None  # the listing as the sidecar has it, until needed
        # The listing whose spans are known to be its keys' values: checked once (`spans_hold`),
        # or made by this process as it wrote the file (a fold after an export's, in the app).
        self._spans_known: Listing | None = None
        self._listing_keys: list[str] = []  # and the keys it lists
        self.light_docs: dict[str, dict[str, Any]] = {}
        self._listing_main: tuple[int, int, int] | None = None
        self.notes_read = False  # after a light load: every listed note was read (a fold at close)
        self._stamp: Stamp | None = None
        self._loaded_main: tuple[int, int, int] | None = None  # the main file the data came from
        self._journal_offset = 0  # bytes of the journal that are applied and whole
        self._journal_seq = 0  # entries of the journal applied
        self.rebased: bytes | None = None  # a journal written against another main file, replayed by id
        self._loaded = False
        self._pending: list[Entry] | None = None  # entries of an open batch

    # ----------------------------------------------------------------- locking
    @contextlib.contextmanager
    def locked(self, *, write: bool = False) -> Iterator[None]:
        """Hold the cross-process lock (re-entrant within this process).

        A database on a read-only disk or folder can still be read without the
        lock; a write there is refused, naming the file that is not writable."""
        try:
            self.lock.acquire()
        except Timeout:
            raise StorageError(
                f"the database {self.path} is locked by another fieldnotes process "
                f"for more than {LOCK_TIMEOUT_S:.0f} s; try again"
            ) from None
        except OSError:
            if write:
                self.check_writable()
                raise StorageError(f"cannot lock {self.lock_path}: nothing was changed") from None
            yield
            return
        try:
            yield
        finally:
            self.lock.release()

    def blocker(self) -> Path | None:
        """The file or folder that stops this database from being written, or None."""
        for path in (self.path, self.journal_path, self.lock_path):
            blocked = not_writable(path)
            if blocked is not None:
                return blocked
        return None

    def check_writable(self) -> None:
        blocked = self.blocker()
        if blocked is not None:
            what = "folder" if blocked.is_dir() else "file"
            raise StorageError(
                f"the {what} {blocked} is not writable, so fieldnotes cannot save to this database; "
                "nothing was changed. Make it writable (it is yours), or copy the database somewhere "
                "you can write."
            )

    # ----------------------------------------------------------------- loading
    def _current_stamp(self) -> Stamp:
        return (_stat_main(self.path), _stat_journal(self.journal_path))

    def load(self, *, full: bool = True) -> None:
        """(Re)load from disk: every note (`full`), or just enough to write (light).
        Raises DamagedError, PassphraseError."""
        with self.locked():
            self._load_locked(full=full)

    def ensure_full(self) -> None:
        """Every note in memory (a light load becomes a full one)."""
        if not self.full or not self._loaded:
            with self.locked():
                self._load_locked(full=True)

    def _cipher_for(self, raw: bytes) -> Cipher:
        if not self.passphrase:
            raise PassphraseNeededError(
                f"{self.path} is encrypted: give its passphrase (type it when asked, or set {PASSPHRASE_ENV})"
            )
        if self.cipher is None:
            self.cipher = Cipher(self.passphrase)
            self.cipher.adopt(raw)
        return self.cipher

    def decode(self, raw: bytes, *, name: str | None = None) -> Tables:
        """Parse a database or backup file, opening it first if it is encrypted."""
        where = Path(name) if name else self.path
        return parse_main(self._plain(raw, where), where)

    def _plain(self, raw: bytes, where: Path) -> bytes:
        """A database or backup file's plaintext: opened when it is encrypted."""
        if not is_encrypted(raw):
            return raw
        try:
            read_header(raw)
        except ValueError as exc:
            raise DamagedError(where, str(exc)) from None
        return self._cipher_for(raw).open_file(raw, name=str(where))

    def _load_locked(self, *, full: bool) -> None:
        if not (full or self._load_light()):
            full = True
        if full:
            self._load_full()
        for entry in self._pending or ():
            # Loading inside an open batch (the notes read for the first time mid-change):
            # what the batch changed so far is not on disk yet; it stays applied.
            self._apply(entry)
        # The main file as it was read (not as it may be now: replaced meanwhile, it is a
        # change the next look at the disk finds), and the journal as it is.
        self._stamp = (self._loaded_main, _stat_journal(self.journal_path))
        self._loaded = True
        self.generation += 1
        self.changes += 1

    def _forget_listing(self) -> None:
        self._listing, self._listing_text, self._listing_keys = None, None, []
        self.light_docs, self._listing_main, self.notes_read = {}, None, False

    @property
    def listing(self) -> Listing | None:
        """After a light load, the sidecar's listing of the main file (parsed when first
        asked for: `add` never does), or None."""
        if self._listing is None and self._listing_text is not None:
            self._listing = Listing.from_text(self._listing_keys, self._listing_text)
            self._listing_text = None
            if self._listing is None:
                self.refuse_listing()  # unreadable: the next full load writes a good one
        return self._listing

    def _note_pieces(self) -> Iterator[NotePiece | NoteRun]:
        """Every note as the main file is written: from the documents when every note is
        loaded; after a light load, the notes the journal left alone copied from the main
        file's bytes (never parsed), a run of neighbours at a time (`NoteRun`), the others
        from the journal's documents (raises _Unlisted when that cannot be done: then the
        file is read whole)."""
        dumps = orjson.dumps
        if self.full:
            for key, doc in self.tables.get(NOTES, {}).items():
                yield (key, dumps(doc), *_sort_fields(doc))
            return
        listing = self.listing
        plain = self._listed_plain() if listing is not None else None
        if listing is None or plain is None:
            raise _Unlisted
        if listing is not self._spans_known:
            if not spans_hold(listing, plain):
                self.refuse_listing()
                raise _Unlisted
            self._spans_known = listing
        view = memoryview(plain)
        if not self.light_docs and listing.keys == list(self.note_ids):
            if listing.keys:  # the journal changed records only: every note as one run
                yield _run(listing, view, 0, len(listing.keys) - 1)
            return
        number_of = dict(zip(listing.keys, range(len(listing.keys)), strict=True))
        first = last = -1  # the run of the main file's notes [first, last] not yet given
        for key in self.note_ids:
            doc = self.light_docs.get(key)
            number = -1 if doc is not None else number_of.get(key)
            if number is None:
                raise _Unlisted
            if number >= 0 and number == last + 1 and first >= 0:
                last = number
                continue
            if first >= 0:
                yield _run(listing, view, first, last)
            first = last = number
            if doc is not None:
                yield (key, dumps(doc), *_sort_fields(doc))
        if first >= 0:
            yield _run(listing, view, first, last)

    def _records(self) -> Tables:
        return {name: table for name, table in self.tables.items() if name != NOTES}

    def _notes_to_write(self) -> Iterator[NotePiece | NoteRun] | None:
        """The notes table to write, or None when there is none (a database of records)."""
        return self._note_pieces() if NOTES in self.tables or not self.full else None

    def _load_full(self) -> None:
        self._forget_listing()
        plain = None
        main_stamp = None
        try:
            with open(self.path, "rb") as handle:
                main_stamp = _fd_stamp(handle.fileno())
                raw = handle.read()
        except FileNotFoundError:
            pass
        if main_stamp is None:
            self.tables, self.encrypted, self.gen, self.prev_gen = {}, False, None, None
        else:
            plain = self._plain(raw, self.path)
            self.tables = parse_main(plain, self.path)
            self.encrypted = is_encrypted(raw)
            header = read_header(raw) if self.encrypted else None
            self.gen, self.prev_gen = (header.gen, header.prev) if header else (None, None)
            del raw
        self.note_ids = note_ids(self.tables)
        self.full = True
        self._loaded_main = main_stamp
        if main_stamp is not None and plain is not None and not self._sidecar_matches(main_stamp):
            self._write_sidecar(main_stamp, note_spans(self.tables, plain))
        del plain
        self._replay_journal()

    def _load_light(self) -> bool:
        """Records and note ids from the sidecar, then the journal. False when there is
        no usable sidecar (a full load is needed)."""
        main_stamp = _stat_main(self.path)
        if main_stamp is None:
            return False
        try:
            with open(self.sidecar_path, "rb") as handle:
                first = handle.readline()
                body = handle.read()
            with open(self.path, "rb") as handle:
                head = handle.read(HEADER_LIMIT)
        except OSError:
            return False
        if first != self._sidecar_line(main_stamp):
            return False
        encrypted = is_encrypted(head)
        if encrypted != is_encrypted(body):
            return False
        gen = prev = None
        if encrypted:
            try:
                header = read_header(head)
            except ValueError:
                return False
            gen, prev = header.gen, header.prev
            try:
                body = self._cipher_for(head).open_file(body, name=str(self.sidecar_path))
            except (FieldnotesError, ValueError) as exc:
                if isinstance(exc, PassphraseNeededError):
                    raise
                return False  # a sidecar we cannot open is rebuilt; the main file decides
        found = Sidecar.from_bytes(body)
        if found is None or found.main != main_stamp or found.gen != gen:
            return False
        self._forget_listing()
        self.tables, self.note_ids = found.records, found.note_ids
        self.encrypted, self.gen, self.prev_gen, self.full = encrypted, gen, prev, False
        self._loaded_main = main_stamp
        if isinstance(found.listing, str):
            self._listing_text, self._listing_keys = found.listing, list(found.note_ids)
        self._listing_main = main_stamp
        self._replay_journal()
        return True

    @staticmethod
    def _sidecar_line(main_stamp: tuple[int, int, int]) -> bytes:
        return b"FIELDNOTES-INDEX %d %d %d %d\n" % (SIDECAR_VERSION, *main_stamp)

    def _sidecar_matches(self, main_stamp: tuple[int, int, int]) -> bool:
        try:
            with open(self.sidecar_path, "rb") as handle:
                return handle.readline() == self._sidecar_line(main_stamp)
        except OSError:
            return False

    def _write_sidecar(self, main_stamp: tuple[int, int, int], listing: Listing | None) -> None:
        """The sidecar of the main file as it is (called before the journal is replayed),
        with its listing when there is one."""
        if self.blocker() is not None:
            return
        records = self._records()
        data = Sidecar(main_stamp, self.gen, records, dict(self.note_ids), listing).to_bytes()
        write_sidecar(self.sidecar_path, self._sidecar_line(main_stamp) + self.seal(data))

    def _journal_header(self) -> bytes:
        """The journal's first line: which main file its entries are written against (its
        stat, and in encrypted mode its generation). Plain JSON: nothing secret in it."""
        main = _stat_main(self.path)
        return orjson.dumps({JOURNAL_MAGIC: 1, "main": list(main) if main else None, "gen": self.gen}) + b"\n"

    def _read_header(self, raw: bytes) -> tuple[dict[str, Any] | None, int]:
        """The journal's header and where its entries start: (None, 0) for a journal from
        before headers, or one whose header was cut short (nothing after it was ever
        acknowledged). A complete header that does not read back is damage."""
        if not raw.startswith(b'{"' + JOURNAL_MAGIC.encode()):
            return None, 0
        end = raw.find(b"\n")
        if end < 0:
            return None, 0
        try:
            header = orjson.loads(raw[:end])
        except orjson.JSONDecodeError:
            header = None
        if not isinstance(header, dict):
            raise JournalDamagedError(self.path, self.journal_path, 0, 0)
        return header, end + 1

    def _replay_journal(self) -> None:
        """Replay the journal onto the main file just loaded.

        A journal written against another main file (the database file was replaced
        underneath it: a git checkout, a sync tool, a copy) is not replayed by document
        number, which would overwrite other notes: its changes are applied by note id and
        record guid instead (`rebased`), and the Store then folds and keeps a copy."""
        self._journal_offset = 0
        self._journal_seq = 0
        self.rebased = None
        try:
            raw = self.journal_path.read_bytes()
        except FileNotFoundError:
            return
        header, start = self._read_header(raw)
        if header is None:
            if raw.startswith(b'{"' + JOURNAL_MAGIC.encode()):
                return  # only a torn header: nothing after it was ever acknowledged
            if not self._folded_already(raw):
                self._replay(raw)  # a journal from before headers
            return
        body = raw[start:]
        if self.encrypted:
            # Another generation: a fold of ours killed before it removed the journal (its
            # changes are in the main file: replaying them by id changes nothing), or a main
            # file from elsewhere (a sibling copy folded from the same base, a pull).
            written_for = header.get("gen")
            if written_for == self.gen:
                self._journal_offset = start
                self._replay(body)
            else:
                self._rebase_journal(raw, body, gen=written_for)
            return
        main = self._loaded_main
        if header.get("main") == (list(main) if main else None):
            self._journal_offset = start
            self._replay(body)
        else:
            self._rebase_journal(raw, body, gen=None)

    def _rebase_journal(self, raw: bytes, body: bytes, *, gen: str | None) -> None:
        entries, _ = self.readable_entries(body, gen=gen, header=False)
        for entry in entries:
            self._rebase(entry)
        self.rebased = raw  # kept by the Store among the backups, then folded in

    def _folded_already(self, raw: bytes) -> bool:
        """True when a (header-less) journal belongs to the generation the main file
        replaced: every line of it is in the main file already (the next append cuts it off)."""
        if not (self.encrypted and self.cipher and self.prev_gen) or b"\n" not in raw:
            return False
        first = raw.split(b"\n", 1)[0]
        try:
            self.cipher.open_line(first, gen=self.prev_gen, seq=1)
        except ValueError:
            return False
        return True

    def _replay(self, raw: bytes) -> None:
        """Apply the whole journal lines in `raw` (the journal from our offset on).

        The piece after the last newline is empty, or a torn append that no save
        acknowledged: it is ignored and cut off before the next append. A
        complete line that does not read back is damage: nothing more is applied."""
        lines = raw.split(b"\n")[:-1]
        for line in lines:
            seq = self._journal_seq + 1
            try:
                entry = self._read_line(line, gen=self.gen, seq=seq)
            except ValueError:
                self.invalidate()
                raise JournalDamagedError(self.path, self.journal_path, seq, seq - 1) from None
            self._apply(entry)
            self._journal_offset += len(line) + 1
            self._journal_seq = seq

    def readable_entries(
        self, raw: bytes, *, gen: str | None, header: bool = True
    ) -> tuple[list[Entry], int]:
        """The journal entries in `raw` up to the first that does not read back, and how
        many complete entry lines `raw` holds (for recovery: what is kept, what is set
        aside). With `header`, `raw` is a whole journal: its header line is skipped, and
        its generation used when it names one."""
        if header:
            found, start = self._read_header(raw)
            raw = raw[start:]
            if found is not None and found.get("gen"):
                gen = found["gen"]
        lines = raw.split(b"\n")[:-1]
        entries: list[Entry] = []
        for seq, line in enumerate(lines, start=1):
            try:
                entries.append(self._read_line(line, gen=gen, seq=seq))
            except ValueError:
                break
        return entries, len(lines)

    def _read_line(self, line: bytes, *, gen: str | None, seq: int) -> Entry:
        """One complete journal line as a checked entry. Raises ValueError when it does not
        read back (orjson's decode error is a ValueError too)."""
        payload = self.cipher.open_line(line, gen=gen, seq=seq) if self.encrypted and self.cipher else line
        entry = orjson.loads(payload)
        _check_entry(entry)
        return entry  # type: ignore[no-any-return]

    def _rebase(self, entry: Entry) -> None:
        """Apply an entry written against another main file: by note id and record guid,
        never by document number. A deletion that does not name its ids is left out."""
        if "batch" in entry:
            for part in entry["batch"]:
                self._rebase(part)
            return
        for name, idents in entry.get("gone", {}).items():
            keys = [key for key in (self._key_of(name, ident) for ident in idents) if key]
            if keys:
                self._apply({"del": {name: keys}})
        for name, docs in entry.get("set", {}).items():
            for doc in docs.values():
                ident = doc.get("id") if name == NOTES else doc.get("guid")
                key = (self._key_of(name, str(ident)) if ident else None) or self._next_key(name)
                self._apply({"set": {name: {key: doc}}})

    def _key_of(self, name: str, ident: str) -> str | None:
        if name == NOTES:
            return next((key for key, note_id in self.note_ids.items() if note_id == ident), None)
        table = self.tables.get(name, {})
        return next((key for key, doc in table.items() if doc.get("guid") == ident), None)

    def _next_key(self, name: str) -> str:
        keys = self.note_ids if name == NOTES else self.tables.get(name, {})
        return str(max((int(key) for key in keys), default=0) + 1)

    def apply_in_memory(self, entry: Entry) -> None:
        """Apply an entry read back from a journal to the tables in memory (recovery)."""
        self._apply(entry)

    def _apply(self, entry: Entry) -> None:
        """Apply one (checked) entry: idempotent sets, deletions and drops."""
        self.changes += 1
        if "batch" in entry:
            for part in entry["batch"]:
                self._apply(part)
            return
        tables = self.tables
        for name in entry.get("drop", ()):
            tables.pop(name, None)
            if name == NOTES:
                self.note_ids.clear()
                self.light_docs.clear()
        for name, keys in entry.get("del", {}).items():
            table = tables.get(name)
            for key in keys:
                if table is not None:
                    table.pop(key, None)
                if name == NOTES:
                    self.note_ids.pop(key, None)
                    self.light_docs.pop(key, None)
        for name, docs in entry.get("set", {}).items():
            if name == NOTES:
                for key, doc in docs.items():
                    self.note_ids[key] = str(doc.get("id", ""))
                if not self.full:
                    self.light_docs.update(docs)  # the notes the main file does not have yet
                    continue
            table = tables.setdefault(name, {})
            for key, doc in docs.items():
                table[key] = doc

    def listed_notes(self) -> ListedNotes | None:
        """The notes, unparsed, after a light load (see ListedNotes); None when every note is
        loaded already, or when the sidecar has no listing of the main file as it is now."""
        listing = self.listing
        if self.full or not self._loaded or listing is None:
            return None
        plain = self._listed_plain()
        if plain is None:
            return None
        self.notes_read = True
        note_ids_now, light_docs = self.note_ids, self.light_docs
        if not light_docs and len(note_ids_now) == len(listing.keys):
            # Nothing set or deleted since the main file was written (only deletions could
            # shrink it, only sets add): the listing is the notes.
            ids = list(note_ids_now.values())
            return ListedNotes(
                self.path,
                plain,
                ids,
                listing.starts,
                listing.createds,
                listing.spans,
                [],
                self.refuse_listing,
            )
        ids, starts, createds, spans = [], [], [], []
        for number, key in enumerate(listing.keys):
            if key in note_ids_now and key not in light_docs:
                ids.append(note_ids_now[key])
                starts.append(listing.starts[number])
                createds.append(listing.createds[number])
                spans += listing.spans[2 * number : 2 * number + 2]
        if len(ids) + len(light_docs) != len(note_ids_now):
            return None  # a note neither listed nor set by the journal: read the file whole
        docs = list(light_docs.values())
        return ListedNotes(self.path, plain, ids, starts, createds, spans, docs, self.refuse_listing)

    def _listed_plain(self) -> bytes | None:
        """The main file's plaintext, exactly the bytes the listing describes (its stamp and
        CRC-32), or None when it is not: then the listing is dropped (and its sidecar, so the
        next open rebuilds it) and the file is read whole. Read each time, never kept: once
        every note is parsed nothing holds the file's bytes (144 MB at 50,000 notes)."""
        listing = self.listing
        if listing is None:
            return None
        with self.locked():
            try:
                with open(self.path, "rb") as handle:
                    if _fd_stamp(handle.fileno()) != self._listing_main:
                        return None  # another file now: the next refresh reloads
                    raw = handle.read()
            except OSError:
                return None
            plain = None
            if is_encrypted(raw) == self.encrypted:
                try:
                    if not self.encrypted or read_header(raw).gen == self.gen:
                        plain = self._plain(raw, self.path)
                except (FieldnotesError, ValueError):
                    plain = None  # the full load that follows names what is wrong
            del raw
            if plain is None or crc32(plain) != listing.crc:
                self.refuse_listing()
                return None
        return plain

    def refuse_listing(self) -> None:
        """The listing does not describe the main file (changed in place, keeping its size
        and time; or a damaged sidecar): never use it again, and remove the sidecar."""
        self._listing, self._listing_text, self._listing_main = None, None, None
        with contextlib.suppress(OSError):
            self.sidecar_path.unlink()

    def refresh(self) -> bool:
        """Catch up with changes another process made. True when data changed."""
        if self._pending is not None:
            return False  # inside our own batch, under the lock: nobody else can write
        if self._loaded and self._current_stamp() == self._stamp:
            return False
        with self.locked():
            stamp = self._current_stamp()
            if self._loaded and stamp == self._stamp:
                return False
            old_main, old_journal = self._stamp or (None, None)
            main, journal = stamp
            try:
                if (
                    self._loaded
                    and main == old_main
                    and journal is not None
                    and old_journal is not None
                    and journal[0] == old_journal[0]
                    and journal[1] > self._journal_offset
                ):
                    # Only appends since we looked: apply just those lines.
                    with open(self.journal_path, "rb") as handle:
                        handle.seek(self._journal_offset)
                        self._replay(handle.read())
                    self._stamp = self._current_stamp()
                    self.generation += 1
                else:
                    self._load_locked(full=self.full or not self._loaded)
            except DamagedError as exc:
                self.invalidate()
                raise StorageError(
                    f"the database {self.path} changed on disk and can no longer be read: {exc}"
                ) from None
            return True

    def invalidate(self) -> None:
        """Forget the in-memory data; the next access reloads from disk."""
        self._stamp = None
        self._loaded = False

    def check_mode(self) -> None:
        """Refuse to write if another process encrypted (or decrypted) the database since
        we loaded it: one look at the main file's first bytes."""
        try:
            with open(self.path, "rb") as handle:
                head = handle.read(len(b"FIELDNOTES-ENCRYPTED v1\n"))
        except FileNotFoundError:
            return
        if is_encrypted(head) and not self.encrypted:
            self.invalidate()
            if self.passphrase:
                return  # the reload will open it with our passphrase
            raise PassphraseNeededError(
                f"{self.path} was encrypted by another fieldnotes process since it was opened here; "
                "nothing was written. Close and reopen it with its passphrase."
            )
        if self.encrypted and not is_encrypted(head):
            self.invalidate()
            raise StorageError(
                f"{self.path} was decrypted by another fieldnotes process since it was opened here; "
                "nothing was written. Close and reopen it."
            )

    # ----------------------------------------------------------------- writing
    def apply(self, entry: Entry) -> None:
        """Make `entry` durable (or part of the open batch) and apply it in memory."""
        if not entry:
            return
        _check_entry(entry)
        if self._pending is not None:
            self._pending.append(entry)
            self._apply(entry)
            return
        with self.locked(write=True):
            self._check_fresh()
            self._persist(entry)
            self._apply(entry)
            self._maybe_fold()

    def _check_fresh(self) -> None:
        self.check_writable()
        self.check_mode()
        if not self._loaded or self._current_stamp() != self._stamp:
            self.invalidate()
            raise StorageError(
                "the database changed on disk during this change; nothing was written. Try again."
            )

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Make every `apply` inside one atomic, durable journal entry.

        On an exception nothing is written and the data is reloaded from disk.
        Batches nest: only the outermost one writes.
        """
        if self._pending is not None:
            yield
            return
        with self.locked(write=True):
            self._check_fresh()
            self._pending = []
            try:
                yield
                entries, self._pending = self._pending, None
                if entries and self.full and _documents(entries) >= DIRECT_FOLD_DOCUMENTS:
                    # An import's worth: write the main file at once (atomic like a journal
                    # line, all or nothing), rather than a journal line the size of the
                    # database and then the fold at exit: half the writing, and the line's
                    # bytes are never held (144 MB at 50,000 notes).
                    self._write_main()
                elif entries:
                    self._persist(entries[0] if len(entries) == 1 else {"batch": entries})
                    self._maybe_fold()
            except BaseException:
                self._pending = None
                self.invalidate()
                raise

    def seal(self, data: bytes) -> bytes:
        """A whole file's bytes as they may touch the disk in this database's mode."""
        if self.encrypted and self.cipher is not None:
            return self.cipher.seal_file(data)
        return data

    def open_sealed(self, raw: bytes, *, name: str) -> bytes:
        """The plaintext of a file written by `seal` (plain files pass through)."""
        if is_encrypted(raw):
            if self.cipher is None:
                raise PassphraseNeededError(f"{name} is encrypted: give its passphrase")
            return self.cipher.open_file(raw, name=name)
        return raw

    def _persist(self, entry: Entry) -> None:
        data = orjson.dumps(entry)
        if self.encrypted and self.cipher is not None:
            line = self.cipher.seal_line(data, gen=self.gen, seq=self._journal_seq + 1)
        else:
            line = data + b"\n"
        try:
            self._append(line)
        except OSError as exc:
            self.invalidate()
            raise StorageError(f"could not save to {self.journal_path}: {exc.strerror or exc}") from exc

    def _maybe_fold(self) -> None:
        if self._journal_offset >= self.fold_bytes:
            self.fold()

    def close(self) -> None:
        """Fold when every note is loaded or was read (or the journal is past its bound)."""
        read_all = self.full or self.notes_read
        if self._loaded and self._journal_offset and (read_all or self._journal_offset >= self.fold_bytes):
            # If the fold fails, the journal still holds every save; the next open folds it.
            with contextlib.suppress(OSError, FieldnotesError):
                self.fold()

    def _append(self, line: bytes) -> None:
        created = not self.journal_path.exists()
        if self._journal_offset == 0:
            line = self._journal_header() + line  # a new journal says which main file it extends
        fd = os.open(self.journal_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, PRIVATE_FILE)
        try:
            if os.fstat(fd).st_size != self._journal_offset:
                os.ftruncate(fd, self._journal_offset)  # cut a torn, unacknowledged tail
            write_all(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)
        if created:
            fsync_dir(self.path.parent)
        self._journal_offset += len(line)
        self._journal_seq += 1
        self._stamp = self._current_stamp()

    @property
    def journal_bytes(self) -> int:
        return self._journal_offset

    def main_is_complete(self) -> bool:
        """True when the main file alone holds everything (no journal, no pending batch)."""
        return (
            self._loaded
            and self._pending is None
            and self._journal_offset == 0
            and self.path.exists()
            and self._current_stamp() == self._stamp
        )

    def plain_bytes(self) -> bytes:
        """Every table as TinyDB JSON, as it is in memory (never written as is when the
        database is encrypted: see `snapshot_bytes`)."""
        parts: list[bytes | memoryview] = []
        try:
            write_layout(parts.append, self._records(), self._notes_to_write())
        except _Unlisted:
            self.ensure_full()
            return orjson.dumps(self.tables)
        return b"".join(parts)

    def snapshot_bytes(self) -> bytes:
        """The whole database as it may touch the disk as a backup: sealed when encrypted."""
        return self.seal(self.plain_bytes())

    def _write_main(self) -> None:
        """Replace the main file with the data in memory (sealed, with a fresh generation,
        when encrypted), drop the journal, and write the sidecar of the new file. A plain
        file is written a note at a time, never held whole; after a light load the notes
        come from the main file's bytes (`_note_pieces`). Raises _Unlisted (nothing
        written) when a light load cannot be written without reading the file whole."""
        gen = new_generation() if self.encrypted else None
        if self.encrypted and self.cipher:
            parts: list[bytes | memoryview] = []
            listing = write_layout(parts.append, self._records(), self._notes_to_write())
            plain = b"".join(parts)
            del parts
            sealed = self.cipher.seal_file(plain, gen=gen, prev=self.gen)
            del plain
            with atomic_writer(self.path) as fd:
                write_all(fd, sealed)
                main_stamp = _fd_stamp(fd)  # the file written, whatever the path holds later
            del sealed
        else:
            listed = None if self.full else self._listing_main  # notes copied after a light load only
            with (
                atomic_writer(self.path) as fd,
                open(fd, "wb", buffering=1 << 20, closefd=False) as handle,
                contextlib.closing(_Copier(self.path, listed, fd, handle.flush)) as copier,
            ):
                listing = write_layout(handle.write, self._records(), self._notes_to_write(), copier)
                handle.flush()
                main_stamp = _fd_stamp(fd)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.journal_path)
        fsync_dir(self.path.parent)
        self.gen, self.prev_gen = gen, self.gen
        self._journal_offset = 0
        self._journal_seq = 0
        self._write_sidecar(main_stamp, listing)
        if not self.full:
            self._listing, self.light_docs, self._listing_main = listing, {}, main_stamp
            self._spans_known = listing  # made from the bytes just written
        self._loaded_main = main_stamp
        self._stamp = (main_stamp, _stat_journal(self.journal_path))

    def fold(self) -> None:
        """Write everything into the main file atomically and drop the journal."""
        with self.locked(write=True):
            self.check_writable()
            if not self._loaded or self._current_stamp() != self._stamp:
                self._load_locked(full=self.full)
            if self._journal_offset == 0 and self.rebased is None and self.path.exists():
                return  # nothing to fold (a journal from another main file is folded in, though)
            if self.rebased is None and not self.full:
                with contextlib.suppress(_Unlisted):
                    self._write_main()  # after a light load: no note parsed
                    return
            if not self.full:
                self._load_locked(full=True)
            self._write_main()

    def replace_with(self, tables: Tables, *, encrypted: bool) -> None:
        """Make `tables` the whole database, atomically, in the given mode.

        The caller holds the lock and has kept what this replaces (journal included)."""
        if encrypted and self.cipher is None:
            raise PassphraseNeededError(f"{self.path} is to be encrypted, and no passphrase was given")
        with self.locked(write=True):
            self.check_writable()
            self.encrypted = encrypted
            self.tables = tables
            self.note_ids = note_ids(tables)
            self.full = True
            self._write_main()
            self._loaded = True
            self.generation += 1
            self.changes += 1
