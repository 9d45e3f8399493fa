"""The database of one researcher: notes, organizations, codes and informants in TinyDB's format.

This package is the only code that knows TinyDB. It hands out plain dicts; the
service layer turns them into model dataclasses.

* Record tables (organizations, codes, informants, project, and any other
  table but the notes) go through TinyDB's public `Table` API over a small
  storage view of the engine (`_RecordView`). They hold tens to thousands of
  records, each keyed by a "guid" field.
* The notes table does not. TinyDB's `Table` rebuilds the whole table dict
  twice on every write and re-reads storage on every read (tinydb #407), so a
  save would cost O(notes): 4 ms at 10,000 notes, 20 ms at 50,000. Notes are
  written as journal entries keyed like TinyDB's own document ids (the next id
  is the highest plus one), so a save is O(1) and the file stays a TinyDB file.
  And a process that only adds notes never reads them (see `durable.py`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from tinydb import where
from tinydb.storages import Storage
from tinydb.table import Table

from fieldnotes.errors import DamagedError, JournalDamagedError, StorageError, WrongPassphraseError
from fieldnotes.files import ensure_private_dir, remove_temp_files
from fieldnotes.paths import resolve_db_path
from fieldnotes.storage.backups import DEFAULT_KEEP, BackupInfo, Backups
from fieldnotes.storage.drafts import Drafts
from fieldnotes.storage.durable import DIRECT_FOLD_DOCUMENTS, NOTES, DurableStorage, ListedNotes, Tables

ORGANIZATIONS = "organizations"
CODES = "codes"
INFORMANTS = "informants"
PROJECT = "project"
STALE_TEMP_S = 600.0  # temp files this old, left by killed writes, are removed on open


class _RecordView(Storage):
    """TinyDB's view of the record tables: reads copies, writes the difference.

    Reads hand TinyDB copies of the (small) record tables, because TinyDB's
    `update` mutates the documents it read in place; writes compare what TinyDB
    hands back with the engine's tables and apply the difference as one entry.
    The notes table is never part of the view.
    """

    def __init__(self, engine: DurableStorage) -> None:
        self.engine = engine

    def read(self) -> Tables:
        return {
            name: {key: dict(doc) for key, doc in table.items()}
            for name, table in self.engine.tables.items()
            if name != NOTES
        }

    def write(self, data: Tables) -> None:
        sets: dict[str, dict[str, Any]] = {}
        dels: dict[str, list[str]] = {}
        gone: dict[str, list[str]] = {}
        for name, table in data.items():
            old = self.engine.tables.get(name, {})
            changed = {key: dict(doc) for key, doc in table.items() if old.get(key) != doc}
            removed = sorted(old.keys() - table.keys(), key=int)
            if changed:
                sets[name] = changed
            if removed:
                dels[name] = removed
                gone[name] = [str(old[key].get("guid", "")) for key in removed]
        entry: dict[str, Any] = {}
        if sets:
            entry["set"] = sets
        if dels:
            entry["del"] = dels
            entry["gone"] = gone  # the guids: the deletion can be applied to another copy
        self.engine.apply(entry)

    def close(self) -> None:
        """The engine is closed by its Store."""


class Store:
    """Open with `Store(path)`; close with `close()` or a `with` block.

    Opening reads only what a save needs; the notes are read on first use."""

    def __init__(
        self, path: Path | str, *, keep_backups: int = DEFAULT_KEEP, passphrase: str | None = None
    ) -> None:
        self.path = resolve_db_path(path)  # through a symlink: every file lives beside the real one
        self.backups = Backups(self.path, keep_backups)
        if self.path.is_dir():
            raise StorageError(f"{self.path} is a folder, not a database file")
        if not self.path.exists():
            try:
                ensure_private_dir(self.path.parent)
            except OSError as exc:
                raise StorageError(f"cannot create the folder {self.path.parent}: {exc.strerror}") from None
        self._engine = DurableStorage(self.path, passphrase=passphrase)
        self.drafts = Drafts(self.path, self._engine)
        try:
            self._engine.load(full=False)
        except JournalDamagedError:
            raise
        except DamagedError as exc:
            raise DamagedError(self.path, exc.reason, self.backups.newest_good(self._engine.decode)) from None
        except WrongPassphraseError:
            # GCM cannot tell a wrong passphrase from a damaged file; a backup that opens can.
            backup = self.backups.newest_good(self._engine.decode)
            if backup is not None:
                raise DamagedError(self.path, "it cannot be decrypted: the file is damaged", backup) from None
            raise
        except PermissionError as exc:
            raise StorageError(f"cannot read {self.path}: {exc.strerror}") from None
        self._view = _RecordView(self._engine)
        self._seen_generation = -1
        self._record_tables: dict[str, Table] = {}
        self._note_keys: dict[str, str] = {}
        self._next_note_key = 1
        self._sync()
        if self.writable:
            self._tidy()
            self._migrate()
            self._take_daily_backup()

    # ------------------------------------------------------------ life cycle
    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._engine.close()

    def flush(self) -> None:
        """Fold the journal into the main file now (it is durable already)."""
        self._engine.fold()

    @property
    def writable(self) -> bool:
        return self._engine.blocker() is None

    @property
    def encrypted(self) -> bool:
        return self._engine.encrypted

    @property
    def journal_bytes(self) -> int:
        """How far the main file lags: the size of the journal not yet folded into it."""
        return self._engine.journal_bytes

    @property
    def fold_due(self) -> bool:
        """Whether there is a journal to fold before an export (and the store may write)."""
        return bool(self.journal_bytes) and self.writable

    @property
    def generation(self) -> int:
        """Changes whenever another process's writes were loaded."""
        self._engine.refresh()
        return self._engine.generation

    @property
    def revision(self) -> int:
        """Changes with every change to the data, ours (even inside a transaction) or
        another process's: what caches of the records are checked against."""
        self._engine.refresh()
        return self._engine.changes

    def _tidy(self) -> None:
        """Remove temp files that killed writes left beside the database and its backups."""
        with self._engine.locked(write=True):
            remove_temp_files(self.path.parent, prefix=f".{self.path.name}")
            remove_temp_files(self.path.parent, older_than_s=STALE_TEMP_S)
            remove_temp_files(self.backups.folder)
            remove_temp_files(self.drafts.folder)

    def _sync(self) -> None:
        """Catch up with other processes; index the notes and start fresh TinyDB tables if needed."""
        self._engine.refresh()
        if self._engine.rebased is not None:
            self._settle_rebase()
        if self._engine.generation != self._seen_generation:
            self._seen_generation = self._engine.generation
            # New Table objects: TinyDB caches the next id and query results per table.
            self._record_tables = {}
            self._note_keys = {note_id: key for key, note_id in self._engine.note_ids.items()}
            self._next_note_key = max(map(int, self._engine.note_ids), default=0) + 1

    def _settle_rebase(self) -> None:
        """The journal was written against another main file (the database file was replaced
        underneath it) and was replayed by note id: keep a copy of it among the backups and
        fold, so the main file holds the result and no journal points at the wrong file."""
        raw = self._engine.rebased
        if raw is None or self._engine.blocker() is not None:
            return
        with contextlib.suppress(OSError):
            self.backups.make(raw, "journal-rebased")
        self._engine.fold()  # writes the main file and removes the journal
        self._engine.rebased = None

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Read-modify-write under the cross-process lock, on fresh data.

        Every write inside becomes one atomic journal entry: all or nothing.
        """
        with self._engine.locked(write=True):
            self._sync()
            try:
                with self._engine.batch():
                    yield
            except BaseException:
                self._seen_generation = -1
                self._engine.refresh()
                self._sync()
                raise

    # ------------------------------------------------------------------ notes
    def all_notes(self) -> list[dict[str, Any]]:
        """Every stored note. The dicts are the live stored data: read, never mutate."""
        self._engine.ensure_full()
        self._sync()
        return list(self._engine.tables.get(NOTES, {}).values())

    def listed_notes(self) -> ListedNotes | None:
        """The notes without parsing them (each is parsed when first read), or None when
        they are loaded already or the sidecar has no listing: then use `all_notes`."""
        self._sync()
        return self._engine.listed_notes()

    def expect_writes(self, count: int) -> None:
        """About to write `count` notes. A bulk write (an import) parses every note first,
        so that it is written as the main file at once rather than as a journal line the
        size of the database that is then folded."""
        if count >= DIRECT_FOLD_DOCUMENTS:
            self._engine.ensure_full()
            self._sync()

    def has_note(self, note_id: str) -> bool:
        """Whether a note has this id: known without reading the notes."""
        self._sync()
        return note_id in self._note_keys

    def put_note(self, note: dict[str, Any]) -> None:
        """Insert the note, or replace the stored note with the same id."""
        self.put_notes([note])

    def put_notes(self, notes: list[dict[str, Any]]) -> None:
        """Insert or replace many notes as one durable write: O(notes written).

        The store keeps the dicts as they are (a copy of 50,000 was 85 MB in an import):
        the caller hands over fresh ones and does not change them afterwards."""
        if not notes:
            return
        with self.transaction():
            docs: dict[str, dict[str, Any]] = {}
            for note in notes:
                key = self._note_keys.get(note["id"])
                if key is None:
                    key = str(self._next_note_key)
                    self._next_note_key += 1
                    self._note_keys[note["id"]] = key
                docs[key] = note
            self._engine.apply({"set": {NOTES: docs}})

    def delete_note(self, note_id: str) -> bool:
        with self.transaction():
            key = self._note_keys.get(note_id)
            if key is None:
                return False
            self.backup("before-delete")
            self._engine.apply({"del": {NOTES: [key]}, "gone": {NOTES: [note_id]}})
            del self._note_keys[note_id]
            return True

    # ----------------------------------------------------------------- records
    # Records (organizations, codes, informants, project...) are keyed by "guid".
    def _records(self, table: str) -> Table:
        if table == NOTES:
            raise ValueError("notes are not records: use the note methods")
        if table not in self._record_tables:
            self._record_tables[table] = Table(self._view, table)
        return self._record_tables[table]

    def records(self, table: str) -> list[dict[str, Any]]:
        self._sync()
        return [dict(doc) for doc in self._records(table).all()]

    def put_records(self, table: str, docs: list[dict[str, Any]]) -> None:
        """Insert, or replace the record with the same guid."""
        if not docs:
            return
        with self.transaction():
            tiny = self._records(table)
            for doc in docs:

                def replace(stored: dict[str, Any], new: dict[str, Any] = doc) -> None:
                    stored.clear()
                    stored.update(new)

                if not tiny.update(replace, where("guid") == doc["guid"]):
                    tiny.insert(dict(doc))

    def delete_records(self, table: str, guids: list[str]) -> None:
        if not guids:
            return
        with self.transaction():
            self._records(table).remove(where("guid").one_of(guids))

    def _migrate(self) -> None:
        """Give registry records made before guids existed a stable guid."""
        from fieldnotes.model import stable_guid
        from fieldnotes.text import tag_key

        kinds = {
            ORGANIZATIONS: ("organization", "name"),
            CODES: ("code", "name"),
            INFORMANTS: ("informant", "pseudonym"),
        }
        for table, (prefix, field) in kinds.items():
            tiny = self._records(table)
            missing = [doc for doc in tiny.all() if not doc.get("guid")]
            if missing:
                with self.transaction():
                    for doc in missing:
                        guid = stable_guid(prefix, tag_key(str(doc.get(field, ""))))
                        tiny.update({"guid": guid}, doc_ids=[doc.doc_id])

    # --------------------------------------------------------------- backups
    def backup(self, reason: str) -> Path:
        """An independent copy of the whole database as it is now."""
        with self._engine.locked(write=True):
            self._sync()
            try:
                if self._engine.main_is_complete():  # nothing in the journal: copy the file as it is
                    return self.backups.copy_of(self.path, reason)
                return self.backups.make(self._engine.snapshot_bytes(), reason)
            except OSError as exc:
                raise StorageError(
                    f"could not write a backup in {self.backups.folder}: {exc.strerror}"
                ) from None

    def list_backups(self) -> list[BackupInfo]:
        return self.backups.list()

    def _take_daily_backup(self) -> None:
        if not self.path.exists() or self.backups.has_one_from(date.today()):
            return
        with contextlib.suppress(StorageError):
            self.backup("daily")


__all__ = ["CODES", "INFORMANTS", "NOTES", "ORGANIZATIONS", "PROJECT", "BackupInfo", "Store"]
