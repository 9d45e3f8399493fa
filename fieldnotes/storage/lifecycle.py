"""Whole-database operations: restore, recover, encrypt, decrypt, change the passphrase, destroy.

Each works under the database lock, proves the passphrase against a file that
exists before writing anything, keeps a copy of whatever it replaces, and
replaces every file atomically (sealed temp files in encrypted mode), so a
kill at any moment leaves every file readable.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from fieldnotes.errors import (
    DamagedError,
    NotFoundError,
    PassphraseNeededError,
    StorageError,
    WrongPassphraseError,
)
from fieldnotes.files import atomic_write_bytes, remove_temp_files
from fieldnotes.paths import resolve_db_path
from fieldnotes.storage.backups import Backups
from fieldnotes.storage.crypto import Cipher, is_encrypted, read_header
from fieldnotes.storage.drafts import Drafts
from fieldnotes.storage.durable import DurableStorage, Tables
from fieldnotes.storage.sidecar import remove_sidecar


def _sealed_files(path: Path, engine: DurableStorage) -> list[Path]:
    """Every file beside the database that holds its data, but the main file and journal."""
    return [info.path for info in Backups(path).list()] + Drafts(path, engine).files()


def _prove(cipher: Cipher, files: list[Path]) -> None:
    """Refuse unless the passphrase opens at least one existing sealed file: a
    mistyped passphrase must never be taken for damage, nor used to write."""
    sealed = []
    for candidate in files:
        with contextlib.suppress(OSError):
            raw = candidate.read_bytes()
            if is_encrypted(raw):
                sealed.append(raw)
                if cipher.opens(raw):
                    return
    if sealed:
        raise WrongPassphraseError(
            "the passphrase opens neither the database nor any of its backups; nothing was changed"
        )


def _remove_temps(path: Path, engine: DurableStorage) -> None:
    for folder in (path.parent, Backups(path).folder, Drafts(path, engine).folder):
        remove_temp_files(folder)


# ------------------------------------------------------------------ restore
def restore_backup(db_path: Path | str, name: str, *, passphrase: str | None = None) -> Path:
    """Make the backup `name` the database, keeping a copy of what it replaces.

    Works when the current database is damaged: its raw bytes (and any journal)
    are kept as backups first, so a restore never loses anything. The database
    keeps its mode: an encrypted database stays encrypted.
    """
    path = resolve_db_path(db_path)
    backups = Backups(path)
    source = backups.find(name)
    if source is None:
        raise NotFoundError(
            f"no backup {name!r}: give its number or name from `fieldnotes backups`, or a path to a file"
        )
    engine = DurableStorage(path, passphrase=passphrase)
    with engine.locked(write=True):
        engine.check_writable()
        raw = source.read_bytes()
        main_raw = path.read_bytes() if path.exists() else b""
        encrypted = is_encrypted(main_raw) or is_encrypted(raw)
        if encrypted:
            if not passphrase:
                raise PassphraseNeededError(f"{path} is encrypted: give its passphrase")
            engine.cipher = Cipher(passphrase)
            engine.cipher.adopt(main_raw if is_encrypted(main_raw) else raw)
            _prove(engine.cipher, [path, source, *_sealed_files(path, engine)])
        try:
            tables = engine.decode(raw, name=str(source))
        except (DamagedError, WrongPassphraseError) as exc:
            raise StorageError(f"the backup {source} cannot be read ({exc}); pick another") from None
        try:
            engine.load(full=True)
            backups.make(engine.snapshot_bytes(), "before-restore")
        except (DamagedError, WrongPassphraseError):
            # The passphrase is proven, so the database is damaged: keep its bytes as they are.
            for part, reason in ((path, "damaged"), (engine.journal_path, "damaged-journal")):
                if part.exists():
                    backups.make(part.read_bytes(), f"before-restore-{reason}")
        engine.replace_with(tables, encrypted=encrypted)
    return source


# ------------------------------------------------------------------ recover
@dataclass
class Recovery:
    """What `recover` did, for the researcher to read."""

    base: str = "the database"  # what the recovered database starts from
    entries_kept: int = 0
    entries_set_aside: int = 0
    kept_aside: list[Path] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [
            f"Recovered from {self.base}, with {self.entries_kept} intact change(s) from the journal.",
        ]
        if self.entries_set_aside:
            out.append(f"{self.entries_set_aside} journal entr(ies) from the damaged one on were set aside.")
        out += [f"Kept as it was: {path}" for path in self.kept_aside]
        return out


def recover(db_path: Path | str, *, passphrase: str | None = None) -> Recovery:
    """Keep everything that can still be read, and set the rest aside.

    A damaged journal: the main file plus every intact entry before the damage.
    A damaged main file: the newest good backup plus every intact journal entry.
    The damaged files are kept among the backups, byte for byte.
    """
    path = resolve_db_path(db_path)
    backups = Backups(path)
    engine = DurableStorage(path, passphrase=passphrase)
    report = Recovery()
    with engine.locked(write=True):
        engine.check_writable()
        main_raw = path.read_bytes() if path.exists() else b""
        journal_raw = engine.journal_path.read_bytes() if engine.journal_path.exists() else b""
        encrypted = is_encrypted(main_raw)
        gen = None
        if encrypted:
            if not passphrase:
                raise PassphraseNeededError(f"{path} is encrypted: give its passphrase")
            engine.cipher = Cipher(passphrase)
            with contextlib.suppress(ValueError):
                header = read_header(main_raw)
                engine.cipher.adopt(main_raw)
                gen = header.gen
            _prove(engine.cipher, [path, *_sealed_files(path, engine)])
        try:
            tables: Tables = engine.decode(main_raw) if main_raw else {}
        except (DamagedError, WrongPassphraseError):
            good = backups.newest_good(engine.decode)
            if good is None:
                raise StorageError(
                    f"{path} is damaged and no backup beside it can be read; nothing was changed"
                ) from None
            tables = engine.decode(good.read_bytes())
            report.base = f"the backup {good.name}"
            report.kept_aside.append(backups.make(main_raw, "damaged"))
        engine.encrypted = encrypted
        engine.tables = tables
        engine.full = True
        entries, lines = engine.readable_entries(journal_raw, gen=gen)
        for entry in entries:
            engine.apply_in_memory(entry)
        report.entries_kept = len(entries)
        report.entries_set_aside = lines - len(entries)
        if report.entries_set_aside:
            report.kept_aside.append(backups.make(journal_raw, "damaged-journal"))
        engine.replace_with(tables, encrypted=encrypted)
    return report


# ------------------------------------------------------- encrypt, decrypt
def convert_database(db_path: Path | str, passphrase: str, *, encrypt: bool) -> list[Path]:
    """Encrypt (or decrypt) a database, its backups and its drafts, each file atomically.

    Encrypting leaves no plaintext beside the database: temp files left by killed
    writes are removed and the sidecar index is rewritten sealed. The main file
    is converted last, so a crash midway leaves every file readable in its own
    mode, and running the command again finishes the job. Returns the files converted.
    """
    path = resolve_db_path(db_path)
    engine = DurableStorage(path, passphrase=passphrase)
    converted: list[Path] = []
    with engine.locked(write=True):
        engine.check_writable()
        engine.load(full=True)  # proves the passphrase when decrypting
        if engine.encrypted == encrypt:
            raise StorageError(f"{path} is {'already' if encrypt else 'not'} encrypted")
        _remove_temps(path, engine)
        remove_sidecar(engine.sidecar_path)
        cipher = Cipher(passphrase) if encrypt else engine.cipher
        assert cipher is not None
        for other in _sealed_files(path, engine):
            raw = other.read_bytes()
            if is_encrypted(raw) == encrypt:
                continue
            if encrypt:
                atomic_write_bytes(other, cipher.seal_file(raw))
            elif cipher.opens(raw):
                atomic_write_bytes(other, cipher.open_file(raw, name=str(other)))
            else:
                continue  # a damaged sealed file stays exactly as it is
            converted.append(other)
        engine.cipher = cipher
        engine.replace_with(engine.tables, encrypted=encrypt)
        converted.append(path)
    return converted


def change_passphrase(db_path: Path | str, old: str, new: str) -> list[Path]:
    """Re-seal the database, every backup and every draft with a new passphrase.

    Proves `old` first. Every file is replaced atomically and sealed temp files
    only are written; the main file goes last. A kill at any moment leaves every
    file openable with the old or the new passphrase, and running the command
    again (with the same two) finishes the job. Returns the files re-sealed.
    """
    if not new:
        raise WrongPassphraseError("the new passphrase is empty")
    path = resolve_db_path(db_path)
    engine = DurableStorage(path, passphrase=old)
    resealed: list[Path] = []
    with engine.locked(write=True):
        engine.check_writable()
        main_raw = path.read_bytes() if path.exists() else b""
        if not is_encrypted(main_raw):
            raise StorageError(f"{path} is not encrypted: use `fieldnotes encrypt` to set a passphrase")
        old_cipher, new_cipher = Cipher(old), Cipher(new)
        main_is_new = not old_cipher.opens(main_raw) and new_cipher.opens(main_raw)
        if not main_is_new:
            engine.load(full=True)  # proves the old passphrase; a damaged database stops here
        remove_sidecar(engine.sidecar_path)
        _remove_temps(path, engine)
        for other in _sealed_files(path, engine):
            raw = other.read_bytes()
            if not is_encrypted(raw) or new_cipher.opens(raw):
                continue
            if not old_cipher.opens(raw):
                continue  # neither opens it: damaged, left exactly as it is
            atomic_write_bytes(other, new_cipher.seal_file(old_cipher.open_file(raw, name=str(other))))
            resealed.append(other)
        if not main_is_new:
            engine.cipher = new_cipher
            engine.replace_with(engine.tables, encrypted=True)
            resealed.append(path)
    return resealed


# ------------------------------------------------------------------ destroy
def database_files(db_path: Path | str) -> list[Path]:
    """Every file and folder fieldnotes keeps for this database (for `destroy`)."""
    path = resolve_db_path(db_path)
    engine = DurableStorage(path)
    drafts = Drafts(path, engine)
    candidates = [
        path,
        engine.journal_path,
        engine.sidecar_path,
        engine.lock_path,
        drafts.folder,
        drafts.legacy,
        drafts.legacy.with_name(drafts.legacy.name + ".damaged"),
        Backups(path).folder,
    ]
    return [candidate for candidate in candidates if candidate.exists()]


def destroy_database(db_path: Path | str) -> list[Path]:
    """Delete the database, its journal, index, lock, drafts and backups. Returns what was removed."""
    path = resolve_db_path(db_path)
    removed = []
    backups = Backups(path)
    for item in database_files(path):
        if item == backups.folder:
            for info in backups.list():
                info.path.unlink(missing_ok=True)
                removed.append(info.path)
            remove_temp_files(item)
            with contextlib.suppress(OSError):
                item.rmdir()  # only if nothing else of the user's is in it
            continue
        if item.is_dir():
            shutil.rmtree(item, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(item)
        removed.append(item)
    remove_temp_files(path.parent, prefix=f".{path.name}")
    return removed


__all__ = [
    "Recovery",
    "change_passphrase",
    "convert_database",
    "database_files",
    "destroy_database",
    "recover",
    "restore_backup",
]
