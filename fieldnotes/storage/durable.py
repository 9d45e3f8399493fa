"""A crash-safe, multi-process store of TinyDB-format tables with an append-only journal.

TinyDB's own JSONStorage rewrites the whole file in place on every change: a
crash or a full disk mid-write leaves a broken file, and every operation
re-reads and re-parses it. This engine instead:

* keeps the parsed tables in memory and re-reads only when the files changed
  on disk (another process wrote), checked with two cheap `stat` calls;
* turns each change into an entry (documents set, documents deleted) appended
  as one JSON line to `<db>.journal` and fsynced: a save costs one small
  append, not a 20 MB rewrite, and never depends on the number of notes;
* folds the journal into the main file atomically (temp file, fsync,
  `os.replace`, fsync the folder), so the main file is always a complete,
  valid TinyDB JSON file that plain TinyDB opens;
* replays the journal on open. Entries are idempotent and replayed in order,
  so a crash between the fold and the journal's removal is harmless, and a
  torn last line (a crash mid-append, never acknowledged) is ignored and cut.

The main file's layout is TinyDB's: `{"table": {"1": {...}, "2": {...}}}`.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
from filelock import FileLock, Timeout

from fieldnotes.errors import DamagedError, FieldnotesError, PassphraseNeededError, StorageError
from fieldnotes.files import PRIVATE_FILE, atomic_write_bytes, fsync_dir, write_all
from fieldnotes.storage.crypto import PASSPHRASE_ENV, Cipher, is_encrypted

Tables = dict[str, dict[str, dict[str, Any]]]
Entry = dict[str, Any]
Stamp = tuple[tuple[int, int, int] | None, tuple[int, int] | None]

JOURNAL_FOLD_BYTES = 8 * 1024 * 1024
LOCK_TIMEOUT_S = 30.0


def _stat_main(path: Path) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def _stat_journal(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_size)


def parse_main(raw: bytes, path: Path) -> Tables:
    """Parse and check the main file's bytes. Raises DamagedError."""
    if not raw.strip():
        raise DamagedError(path, "the file is empty")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise DamagedError(path, f"not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise DamagedError(path, "the top level is not a JSON object of tables")
    for name, table in data.items():
        if not isinstance(table, dict):
            raise DamagedError(path, f"table {name!r} is not a JSON object")
        for key, doc in table.items():
            if not key.isdigit() or not isinstance(doc, dict):
                raise DamagedError(path, f"table {name!r} has a malformed entry {key!r}")
    return data


def apply_entry(tables: Tables, entry: Any) -> None:
    """Apply one journal entry to `tables`. Entries are idempotent: set, delete, drop."""
    if not isinstance(entry, dict):
        raise ValueError("entry is not an object")
    if "batch" in entry:
        for part in entry["batch"]:
            apply_entry(tables, part)
        return
    for name in entry.get("drop", ()):
        tables.pop(name, None)
    for name, keys in entry.get("del", {}).items():
        table = tables.get(name)
        if table is not None:
            for key in keys:
                table.pop(key, None)
    for name, docs in entry.get("set", {}).items():
        table = tables.setdefault(name, {})
        for key, doc in docs.items():
            if not isinstance(doc, dict) or not key.isdigit():
                raise ValueError("a document is not an object under a numeric key")
            table[key] = doc


class DurableStorage:
    """See the module docstring. One instance per open database file.

    `tables` is the data as it is now; callers read it and never mutate it:
    every change goes through `apply`, inside `batch` for all-or-nothing.
    """

    def __init__(
        self, path: Path, *, fold_bytes: int = JOURNAL_FOLD_BYTES, passphrase: str | None = None
    ) -> None:
        self.path = path
        self.passphrase = passphrase
        self.cipher: Cipher | None = None
        self.encrypted = False  # decided by the main file: sealed files stay sealed
        self.journal_path = path.with_name(path.name + ".journal")
        self.lock = FileLock(
            str(path.with_name(path.name + ".lock")), timeout=LOCK_TIMEOUT_S, mode=PRIVATE_FILE
        )
        self.fold_bytes = fold_bytes
        self.generation = 0  # bumped whenever data is (re)loaded from disk
        self.tables: Tables = {}
        self._stamp: Stamp | None = None
        self._journal_offset = 0  # bytes of the journal that are applied and whole
        self._loaded = False
        self._pending: list[Entry] | None = None  # entries of an open batch

    # ----------------------------------------------------------------- locking
    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the cross-process lock (re-entrant within this process)."""
        try:
            self.lock.acquire()
        except Timeout:
            raise StorageError(
                f"the database {self.path} is locked by another fieldnotes process "
                f"for more than {LOCK_TIMEOUT_S:.0f} s; try again"
            ) from None
        try:
            yield
        finally:
            self.lock.release()

    # ----------------------------------------------------------------- loading
    def _current_stamp(self) -> Stamp:
        return (_stat_main(self.path), _stat_journal(self.journal_path))

    def load(self) -> None:
        """(Re)load everything from disk. Raises DamagedError, PassphraseError."""
        with self.locked():
            self._load_locked()

    def decode(self, raw: bytes, *, name: str | None = None) -> Tables:
        """Parse a database or backup file, opening it first if it is encrypted."""
        where = Path(name) if name else self.path
        if not is_encrypted(raw):
            return parse_main(raw, where)
        if not self.passphrase:
            raise PassphraseNeededError(
                f"{self.path} is encrypted: give its passphrase (type it when asked, or set {PASSPHRASE_ENV})"
            )
        if self.cipher is None:
            self.cipher = Cipher(self.passphrase)
            self.cipher.adopt(raw)
        return parse_main(self.cipher.open_file(raw, name=str(where)), where)

    def _load_locked(self) -> None:
        stamp = self._current_stamp()
        if stamp[0] is None:
            self.tables = {}
        else:
            raw = self.path.read_bytes()
            self.tables = self.decode(raw)
            self.encrypted = is_encrypted(raw)
        self._journal_offset = 0
        if stamp[1] is not None:
            self._replay(self.journal_path.read_bytes())
        self._stamp = self._current_stamp()
        self._loaded = True
        self.generation += 1

    def _replay(self, raw: bytes) -> None:
        """Apply the whole journal lines in `raw`, the journal from our offset on.

        The last piece has no newline: empty, or a torn append that no save
        acknowledged. It is ignored and cut off before the next append. So is
        an unreadable final line. An unreadable line before others is damage.
        """
        lines = raw.split(b"\n")[:-1]
        for index, line in enumerate(lines):
            try:
                payload = self.cipher.open_line(line) if self.encrypted and self.cipher else line
                apply_entry(self.tables, orjson.loads(payload))
            except (orjson.JSONDecodeError, ValueError, AttributeError, TypeError):
                if index == len(lines) - 1:
                    break
                raise DamagedError(
                    self.path, f"the journal {self.journal_path.name} has a damaged entry"
                ) from None
            self._journal_offset += len(line) + 1

    def refresh(self) -> bool:
        """Catch up with changes another process made. True when data changed."""
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
                    self._load_locked()
            except DamagedError as exc:
                self.invalidate()
                raise StorageError(
                    f"the database {self.path} changed on disk and can no longer be read: {exc.reason}"
                ) from None
            return True

    def invalidate(self) -> None:
        """Forget the in-memory data; the next access reloads from disk."""
        self._stamp = None
        self._loaded = False

    # ----------------------------------------------------------------- writing
    def apply(self, entry: Entry) -> None:
        """Make `entry` durable (or part of the open batch) and apply it in memory.

        The caller holds the lock and has refreshed (see `Store.transaction`)."""
        if not entry:
            return
        if self._pending is not None:
            self._pending.append(entry)
            apply_entry(self.tables, entry)
            return
        with self.locked():
            self._check_fresh()
            self._persist(self._line(entry))
            apply_entry(self.tables, entry)
            self._maybe_fold()

    def _check_fresh(self) -> None:
        if self._current_stamp() != self._stamp:
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
        with self.locked():
            self._check_fresh()
            self._pending = []
            try:
                yield
                entries, self._pending = self._pending, None
                if entries:
                    entry = entries[0] if len(entries) == 1 else {"batch": entries}
                    self._persist(self._line(entry))
                    self._maybe_fold()
            except BaseException:
                self._pending = None
                self.invalidate()
                raise

    def _line(self, entry: Entry) -> bytes:
        """One journal line: sealed when the database is encrypted."""
        if self.encrypted and self.cipher is not None:
            return self.cipher.seal_line(orjson.dumps(entry))
        return orjson.dumps(entry) + b"\n"

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

    def _persist(self, line: bytes) -> None:
        try:
            self._append(line)
        except OSError as exc:
            self.invalidate()
            raise StorageError(f"could not save to {self.journal_path}: {exc.strerror or exc}") from exc

    def _maybe_fold(self) -> None:
        if self._journal_offset >= self.fold_bytes:
            self.fold()

    def close(self) -> None:
        if self._loaded and self._journal_offset:
            # If the fold fails, the journal still holds every save; the next open folds it.
            with contextlib.suppress(OSError, FieldnotesError):
                self.fold()

    def _append(self, line: bytes) -> None:
        created = not self.journal_path.exists()
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
        self._stamp = self._current_stamp()

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
        """The whole database as TinyDB JSON, as it is in memory (never written as is
        when the database is encrypted: see `snapshot_bytes`)."""
        return orjson.dumps(self.tables)

    def snapshot_bytes(self) -> bytes:
        """The whole database as it may touch the disk: TinyDB JSON, sealed when encrypted."""
        return self.seal(self.plain_bytes())

    def fold(self) -> None:
        """Write everything into the main file atomically and drop the journal."""
        with self.locked():
            if self._current_stamp() != self._stamp:
                self._load_locked()
            atomic_write_bytes(self.path, self.snapshot_bytes())
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.journal_path)
            fsync_dir(self.path.parent)
            self._journal_offset = 0
            self._stamp = self._current_stamp()

    def replace_with(self, raw: bytes, *, fold_first: bool = True) -> None:
        """Make `raw` the whole database, atomically.

        With `fold_first`, the journal is folded into the old file first, so no
        journal is left to replay onto the new one after a crash. Without it,
        the caller has removed the journal itself (the old file is damaged).
        """
        with self.locked():
            tables = self.decode(raw)
            raw = self.seal(orjson.dumps(tables)) if not (self.encrypted and is_encrypted(raw)) else raw
            if fold_first:
                self.fold()
            atomic_write_bytes(self.path, raw)
            fsync_dir(self.path.parent)
            self.tables = tables
            self._journal_offset = 0
            self._stamp = self._current_stamp()
            self.generation += 1
