"""The database of one researcher: notes, organizations and codes in TinyDB.

This is the only module (with `durable`) that knows TinyDB. It hands out plain
dicts; the service layer turns them into model dataclasses.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import orjson
from tinydb import TinyDB
from tinydb.table import Table

from fieldnotes.files import atomic_write_bytes, ensure_private_dir
from fieldnotes.storage.backups import DEFAULT_KEEP, BackupInfo, Backups
from fieldnotes.storage.crypto import Cipher, WrongPassphraseError, is_encrypted
from fieldnotes.storage.drafts import Drafts
from fieldnotes.storage.durable import DamagedFileError, DurableStorage
from fieldnotes.storage.errors import CorruptDatabaseError, StorageError

NOTES = "notes"
ORGANIZATIONS = "organizations"
CODES = "codes"
INFORMANTS = "informants"
PROJECT = "project"
REGISTRIES = (ORGANIZATIONS, CODES, INFORMANTS, PROJECT)


class Store:
    """Open with `Store(path)`; close with `close()` or a `with` block."""

    def __init__(
        self, path: Path | str, *, keep_backups: int = DEFAULT_KEEP, passphrase: str | None = None
    ) -> None:
        self.path = Path(path).expanduser().absolute()
        self.backups = Backups(self.path, keep_backups)
        try:
            ensure_private_dir(self.path.parent)
        except OSError as exc:
            raise StorageError(f"cannot create the folder {self.path.parent}: {exc.strerror}") from None
        if self.path.is_dir():
            raise StorageError(f"{self.path} is a folder, not a database file")
        self._storage = DurableStorage(self.path, passphrase=passphrase)
        self.drafts = Drafts(self.path, self._storage)
        try:
            self._storage.load()
        except DamagedFileError as exc:
            raise CorruptDatabaseError(
                self.path, str(exc), self.backups.newest_good(self._storage.decode)
            ) from None
        except WrongPassphraseError:
            # GCM cannot tell a wrong passphrase from a damaged file; a backup that opens can.
            backup = self.backups.newest_good(self._storage.decode)
            if backup is not None:
                raise CorruptDatabaseError(
                    self.path, "it cannot be decrypted: the file is damaged", backup
                ) from None
            raise
        except PermissionError as exc:
            raise StorageError(f"cannot read {self.path}: {exc.strerror}") from None
        storage = self._storage
        self._db = TinyDB(storage=lambda: storage)
        self._seen_generation = self._storage.generation
        self._index: dict[str, int] | None = None
        self._migrate()
        self._take_daily_backup()

    # ------------------------------------------------------------ life cycle
    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    def flush(self) -> None:
        """Fold the journal into the main file now (it is durable already)."""
        self._storage.fold()

    @property
    def encrypted(self) -> bool:
        return self._storage.encrypted

    @property
    def generation(self) -> int:
        """Changes whenever another process's writes were loaded."""
        self._storage.refresh()
        return self._storage.generation

    def _table(self, name: str) -> Table:
        return self._db.table(name)

    def _sync(self) -> None:
        """Catch up with other processes; reset TinyDB's id counters if needed."""
        self._storage.refresh()
        if self._storage.generation != self._seen_generation:
            self._seen_generation = self._storage.generation
            self._index = None
            for table in (self._table(name) for name in (NOTES, *REGISTRIES)):
                table.clear_cache()
                table._next_id = None  # TinyDB caches the next id; another process may have used it

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Read-modify-write under the cross-process lock, on fresh data.

        Every write inside becomes one atomic journal entry: all or nothing.
        """
        with self._storage.locked():
            self._sync()
            try:
                with self._storage.batch():
                    yield
            except BaseException:
                self._index = None
                self._storage.refresh()
                self._sync()
                raise

    # ------------------------------------------------------------------ notes
    def _note_index(self) -> dict[str, int]:
        self._sync()
        if self._index is None:
            raw = self._storage.read().get(NOTES, {})
            self._index = {doc.get("id", ""): int(key) for key, doc in raw.items()}
        return self._index

    def all_notes(self) -> list[dict[str, Any]]:
        """Every stored note. The dicts are the live stored data: read, never mutate."""
        self._sync()
        return list(self._storage.read().get(NOTES, {}).values())

    def get_note(self, note_id: str) -> dict[str, Any] | None:
        doc_id = self._note_index().get(note_id)
        if doc_id is None:
            return None
        doc = self._table(NOTES).get(doc_id=doc_id)
        return dict(doc) if doc is not None else None

    def put_note(self, note: dict[str, Any]) -> None:
        """Insert the note, or replace the stored note with the same id."""
        with self.transaction():
            self._put_note_locked(note)

    def put_notes(self, notes: list[dict[str, Any]]) -> None:
        """Insert or replace many notes as one durable write."""
        with self.transaction():
            for note in notes:
                self._put_note_locked(note)

    def _put_note_locked(self, note: dict[str, Any]) -> None:
        index = self._note_index()
        table = self._table(NOTES)
        doc_id = index.get(note["id"])
        if doc_id is None:
            index[note["id"]] = table.insert(dict(note))
        else:

            def replace(doc: dict[str, Any]) -> None:
                doc.clear()
                doc.update(note)

            table.update(replace, doc_ids=[doc_id])

    def delete_note(self, note_id: str) -> bool:
        with self.transaction():
            index = self._note_index()
            doc_id = index.get(note_id)
            if doc_id is None:
                return False
            self.backup("before-delete")
            self._table(NOTES).remove(doc_ids=[doc_id])
            del index[note_id]
            return True

    # ------------------------------------------------------------- registries
    # Registry records (organizations, codes, informants) are keyed by "guid".
    def records(self, table: str) -> list[dict[str, Any]]:
        self._sync()
        return [dict(doc) for doc in self._table(table).all()]

    def put_records(self, table: str, docs: list[dict[str, Any]]) -> None:
        """Insert, or replace the record with the same guid."""
        if not docs:
            return
        with self.transaction():
            tiny = self._table(table)
            by_guid = {doc.get("guid"): doc.doc_id for doc in tiny.all()}
            for doc in docs:
                doc_id = by_guid.get(doc["guid"])
                if doc_id is None:
                    by_guid[doc["guid"]] = tiny.insert(dict(doc))
                else:

                    def replace(stored: dict[str, Any], new: dict[str, Any] = doc) -> None:
                        stored.clear()
                        stored.update(new)

                    tiny.update(replace, doc_ids=[doc_id])

    def delete_records(self, table: str, guids: list[str]) -> None:
        if not guids:
            return
        with self.transaction():
            tiny = self._table(table)
            doomed = [doc.doc_id for doc in tiny.all() if doc.get("guid") in set(guids)]
            if doomed:
                tiny.remove(doc_ids=doomed)

    def _migrate(self) -> None:
        """Give registry records made before guids existed a stable guid."""
        from fieldnotes.model import stable_guid, tag_key

        kinds = {
            ORGANIZATIONS: ("organization", "name"),
            CODES: ("code", "name"),
            INFORMANTS: ("informant", "pseudonym"),
        }
        for table, (prefix, field) in kinds.items():
            tiny = self._table(table)
            missing = [doc for doc in tiny.all() if not doc.get("guid")]
            if missing:
                with self.transaction():
                    for doc in missing:
                        guid = stable_guid(prefix, tag_key(str(doc.get(field, ""))))
                        tiny.update({"guid": guid}, doc_ids=[doc.doc_id])

    # --------------------------------------------------------------- backups
    def backup(self, reason: str) -> Path:
        """An independent copy of the whole database as it is now."""
        self._sync()
        try:
            if self._storage.main_is_complete():  # nothing in the journal: copy the file as it is
                return self.backups.copy_of(self.path, reason)
            return self.backups.make(self._storage.snapshot_bytes(), reason)
        except OSError as exc:
            raise StorageError(f"could not write a backup in {self.backups.folder}: {exc.strerror}") from None

    def list_backups(self) -> list[BackupInfo]:
        return self.backups.list()

    def _take_daily_backup(self) -> None:
        if not self.path.exists() or self.backups.has_one_from(date.today()):
            return
        with contextlib.suppress(StorageError):
            self.backup("daily")


def restore_backup(
    db_path: Path | str, name: str, *, keep_backups: int = DEFAULT_KEEP, passphrase: str | None = None
) -> Path:
    """Make the backup `name` the database, keeping a copy of what it replaces.

    Works when the current database is damaged: its raw bytes (and any journal)
    are kept as a backup first, so a restore never loses anything. The database
    keeps its mode: an encrypted database stays encrypted.
    """
    path = Path(db_path).expanduser().absolute()
    backups = Backups(path, keep_backups)
    source = backups.find(name)
    if source is None:
        raise FileNotFoundError(name)
    raw = source.read_bytes()
    storage = DurableStorage(path, passphrase=passphrase)
    try:
        storage.decode(raw, name=str(source))
    except DamagedFileError as exc:
        raise StorageError(f"the backup {source} is damaged too ({exc}); pick another") from None
    with storage.locked():
        try:
            storage.load()
            backups.make(storage.snapshot_bytes(), "before-restore")
            storage.replace_with(raw)
        except (DamagedFileError, WrongPassphraseError):
            # The backup opened with this passphrase, so the database is damaged.
            # Keep its bytes exactly as they are, journal included.
            main_raw = path.read_bytes() if path.exists() else b""
            for part, reason in ((path, "damaged"), (storage.journal_path, "damaged-journal")):
                if part.exists():
                    backups.make(part.read_bytes(), f"before-restore-{reason}")
            with contextlib.suppress(FileNotFoundError):
                os.unlink(storage.journal_path)
            storage.encrypted = is_encrypted(main_raw) or is_encrypted(raw)
            storage.replace_with(raw, fold_first=False)
    return source


def convert_database(db_path: Path | str, passphrase: str, *, encrypt: bool) -> list[Path]:
    """Encrypt (or decrypt) a database, its backups and its draft, each file atomically.

    Returns the files converted. A crash midway leaves every file readable in
    its own mode; running the command again finishes the job.
    """
    path = Path(db_path).expanduser().absolute()
    storage = DurableStorage(path, passphrase=passphrase)
    converted: list[Path] = []
    with storage.locked():
        storage.load()
        if storage.encrypted == encrypt:
            raise StorageError(f"{path} is {'already' if encrypt else 'not'} encrypted")
        storage.fold()  # one complete main file, no journal
        if encrypt:
            storage.cipher = Cipher(passphrase)
        assert storage.cipher is not None

        def convert(raw: bytes, name: str) -> bytes:
            plain = storage.open_sealed(raw, name=name)
            return storage.cipher.seal_file(plain) if encrypt else plain  # type: ignore[union-attr]

        others = [info.path for info in Backups(path).list()]
        draft = path.with_name(path.name + ".draft")
        if draft.exists():
            others.append(draft)
        for other in others:
            raw = other.read_bytes()
            if is_encrypted(raw) != encrypt:
                atomic_write_bytes(other, convert(raw, str(other)))
                converted.append(other)
        plain_main = orjson.dumps(storage._tables)
        storage.encrypted = encrypt
        atomic_write_bytes(path, storage.seal(plain_main))
        converted.append(path)
    return converted


__all__ = [
    "CODES",
    "NOTES",
    "ORGANIZATIONS",
    "BackupInfo",
    "Store",
    "convert_database",
    "restore_backup",
]
