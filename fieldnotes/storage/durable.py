"""A crash-safe, multi-process TinyDB storage with an append-only journal.

TinyDB's own JSONStorage rewrites the whole file in place on every change: a
crash or a full disk mid-write leaves a broken file, and every operation
re-reads and re-parses it. This storage instead:

* keeps the parsed data in memory and re-reads only when the file changed on
  disk (another process wrote), checked with two cheap `stat` calls;
* turns each TinyDB write into a diff (documents set, documents deleted,
  tables dropped) appended as one JSON line to `<db>.journal` and fsynced:
  a save costs about one small append, not a 20 MB rewrite;
* folds the journal into the main file atomically (temp file, fsync,
  `os.replace`, fsync the folder) on close and when the journal grows, so the
  main file is always a complete, valid TinyDB JSON file;
* replays the journal on open. Journal operations are idempotent, so a crash
  between the fold and the journal's removal is harmless, and a torn last
  line (a crash mid-append, never acknowledged) is ignored and cut off.

Diffs are found without copying: documents handed to TinyDB are `_TrackedDoc`
dicts that record in-place mutation, and new or removed documents are seen by
identity and key comparison.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
from filelock import FileLock, Timeout
from tinydb.storages import Storage

from fieldnotes.files import PRIVATE_FILE, atomic_write_bytes, fsync_dir, write_all
from fieldnotes.storage.crypto import PASSPHRASE_ENV, Cipher, PassphraseNeededError, is_encrypted
from fieldnotes.storage.errors import StorageError

Tables = dict[str, dict[str, Any]]
Stamp = tuple[tuple[int, int, int] | None, tuple[int, int] | None]

JOURNAL_FOLD_BYTES = 8 * 1024 * 1024
LOCK_TIMEOUT_S = 30.0


class DamagedFileError(Exception):
    """Raised while loading; the caller turns it into CorruptDatabaseError."""


class _TrackedDoc(dict):  # type: ignore[type-arg]
    """A document that tells its storage when it is changed in place."""

    __slots__ = ("_dirty", "_where")

    def __init__(self, data: dict[str, Any], dirty: set[tuple[str, str]], where: tuple[str, str]):
        super().__init__(data)
        self._dirty = dirty
        self._where = where

    def _touch(self) -> None:
        self._dirty.add(self._where)

    def __setitem__(self, key: str, value: Any) -> None:
        self._touch()
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        self._touch()
        super().__delitem__(key)

    def __ior__(self, other: Any) -> _TrackedDoc:  # type: ignore[override,misc]
        self._touch()
        super().update(other)
        return self

    def update(self, *args: Any, **kwargs: Any) -> None:
        self._touch()
        super().update(*args, **kwargs)

    def pop(self, *args: Any) -> Any:
        self._touch()
        return super().pop(*args)

    def popitem(self) -> Any:
        self._touch()
        return super().popitem()

    def clear(self) -> None:
        self._touch()
        super().clear()

    def setdefault(self, key: str, default: Any = None) -> Any:
        self._touch()
        return super().setdefault(key, default)


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


def parse_main(raw: bytes) -> Tables:
    """Parse and check the main file's bytes. Raises DamagedFileError."""
    if not raw.strip():
        raise DamagedFileError("the file is empty")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise DamagedFileError(f"not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise DamagedFileError("the top level is not a JSON object of tables")
    for name, table in data.items():
        if not isinstance(table, dict):
            raise DamagedFileError(f"table {name!r} is not a JSON object")
        for key, doc in table.items():
            if not key.isdigit() or not isinstance(doc, dict):
                raise DamagedFileError(f"table {name!r} has a malformed entry {key!r}")
    return data


class DurableStorage(Storage):
    """See the module docstring. One instance per open database file."""

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
        self._tables: Tables = {}
        self._dirty: set[tuple[str, str]] = set()
        self._stamp: Stamp | None = None
        self._journal_offset = 0  # bytes of the journal that are applied and whole
        self._loaded = False
        self._pending: list[dict[str, Any]] | None = None  # entries of an open batch

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
        """(Re)load everything from disk. Raises DamagedFileError."""
        with self.locked():
            self._load_locked()

    def decode(self, raw: bytes, *, name: str | None = None) -> Tables:
        """Parse a database or backup file, opening it first if it is encrypted."""
        if not is_encrypted(raw):
            return parse_main(raw)
        if not self.passphrase:
            raise PassphraseNeededError(
                f"{self.path} is encrypted: give its passphrase (type it when asked, or set {PASSPHRASE_ENV})"
            )
        if self.cipher is None:
            self.cipher = Cipher(self.passphrase)
            self.cipher.adopt(raw)
        return parse_main(self.cipher.open_file(raw, name=name or str(self.path)))

    def _load_locked(self) -> None:
        stamp = self._current_stamp()
        if stamp[0] is None:
            self._adopt({})
        else:
            raw = self.path.read_bytes()
            tables = self.decode(raw)
            self.encrypted = is_encrypted(raw)
            self._adopt(tables)
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
                self._apply_entry(orjson.loads(payload))
            except (orjson.JSONDecodeError, ValueError, AttributeError, TypeError):
                if index == len(lines) - 1:
                    break
                raise DamagedFileError(f"the journal {self.journal_path.name} has a damaged entry") from None
            self._journal_offset += len(line) + 1

    def _adopt(self, tables: Tables) -> None:
        """Make `tables` the canonical data, tracking every document."""
        self._dirty.clear()
        dirty = self._dirty
        self._tables = {
            name: {key: _TrackedDoc(doc, dirty, (name, key)) for key, doc in table.items()}
            for name, table in tables.items()
        }

    def _apply_entry(self, entry: Any) -> None:
        """Apply one journal entry. Entries are idempotent: set, delete, drop."""
        if not isinstance(entry, dict):
            raise ValueError("entry is not an object")
        if "batch" in entry:
            for part in entry["batch"]:
                self._apply_entry(part)
            return
        for name in entry.get("drop", ()):
            self._tables.pop(name, None)
        for name, keys in entry.get("del", {}).items():
            table = self._tables.get(name)
            if table is not None:
                for key in keys:
                    table.pop(key, None)
        for name, docs in entry.get("set", {}).items():
            table = self._tables.setdefault(name, {})
            for key, doc in docs.items():
                if not isinstance(doc, dict):
                    raise ValueError("a document is not an object")
                table[key] = _TrackedDoc(doc, self._dirty, (name, key))

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
            except DamagedFileError as exc:
                self.invalidate()
                raise StorageError(
                    f"the database {self.path} changed on disk and can no longer be read: {exc}"
                ) from None
            return True

    def invalidate(self) -> None:
        """Forget the in-memory data; the next access reloads from disk."""
        self._stamp = None
        self._loaded = False

    # ------------------------------------------------------ the TinyDB contract
    def read(self) -> Tables:
        self.refresh()
        return dict(self._tables)

    def write(self, data: Tables) -> None:
        with self.locked():
            if self._current_stamp() != self._stamp:
                self.invalidate()
                raise StorageError(
                    "the database changed on disk during this change; nothing was written. Try again."
                )
            entry = self._diff(data)
            if not entry:
                return
            if self._pending is not None:
                self._commit(data, entry)
                self._pending.append(entry)
                return
            self._persist(self._line(entry))
            self._commit(data, entry)
            self._maybe_fold()

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Make every write inside one atomic, durable journal entry.

        On an exception nothing is written and the data is reloaded from disk.
        Batches nest: only the outermost one writes.
        """
        if self._pending is not None:
            yield
            return
        with self.locked():
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

    def _line(self, entry: dict[str, Any]) -> bytes:
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
            with contextlib.suppress(OSError, StorageError):
                self.fold()

    # ----------------------------------------------------------------- writing
    def _diff(self, data: Tables) -> dict[str, Any]:
        sets: dict[str, dict[str, Any]] = {}
        dels: dict[str, list[str]] = {}
        dirty_by_table: dict[str, list[str]] = {}
        for name, key in self._dirty:
            dirty_by_table.setdefault(name, []).append(key)
        for name, table in data.items():
            old = self._tables.get(name)
            if old is None:
                sets[name] = dict(table)
                continue
            if old is table and name not in dirty_by_table:
                continue  # a table this write did not touch: TinyDB hands back our own dict
            changed = {key: doc for key, doc in table.items() if old.get(key) is not doc}
            for key in dirty_by_table.get(name, ()):
                if key in table:
                    changed[key] = table[key]
            if changed:
                sets[name] = changed
            removed = old.keys() - table.keys()
            if removed:
                dels[name] = sorted(removed, key=int)
        drops = [name for name in self._tables if name not in data]
        entry: dict[str, Any] = {}
        if sets:
            entry["set"] = sets
        if dels:
            entry["del"] = dels
        if drops:
            entry["drop"] = drops
        return entry

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

    def _commit(self, data: Tables, entry: dict[str, Any]) -> None:
        dirty = self._dirty
        for name, docs in entry.get("set", {}).items():
            table = data[name]
            for key, doc in docs.items():
                if not isinstance(doc, _TrackedDoc) or doc._dirty is not dirty:
                    table[key] = _TrackedDoc(doc, dirty, (name, key))
        self._tables = data
        dirty.clear()

    def main_is_complete(self) -> bool:
        """True when the main file alone holds everything (no journal, no pending batch)."""
        return (
            self._loaded
            and self._pending is None
            and self._journal_offset == 0
            and self.path.exists()
            and self._current_stamp() == self._stamp
        )

    def snapshot_bytes(self) -> bytes:
        """The whole database as TinyDB JSON, as it is in memory (sealed when encrypted)."""
        return self.seal(orjson.dumps(self._tables))

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
            self._adopt(tables)
            self._journal_offset = 0
            self._stamp = self._current_stamp()
            self.generation += 1
