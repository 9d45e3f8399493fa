"""Database files in a merge: read another copy without touching it, write the result whole.

Another copy is read from a private scratch copy of its main file and journal, so
neither the file nor its folder gains a lock, an index or a backup (git's merge
driver hands us temp files in the working tree). The merged result replaces the
database in one atomic write, in the mode it had: an encrypted database stays
encrypted. A backup of the database is taken first.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from fieldnotes.errors import (
    DamagedError,
    InputError,
    PassphraseNeededError,
    StorageError,
)
from fieldnotes.files import atomic_write_bytes
from fieldnotes.merge.core import NOTES, MergeReport, Tables, merge_tables
from fieldnotes.merge.registry import CODES, INFORMANTS, ORGANIZATIONS, PROJECT
from fieldnotes.merge.revisions import env_author
from fieldnotes.model import now_stamp, stable_guid
from fieldnotes.paths import resolve_db_path
from fieldnotes.storage.backups import Backups
from fieldnotes.storage.durable import DurableStorage
from fieldnotes.text import tag_key

_NAMED = {
    ORGANIZATIONS: ("organization", "name"),
    CODES: ("code", "name"),
    INFORMANTS: ("informant", "pseudonym"),
}


@dataclass
class Copy:
    """Another database file, read."""

    tables: Tables
    encrypted: bool


def read_copy(path: Path | str, *, passphrase: str | None = None, what: str = "the other database") -> Copy:
    """The tables of the database file at `path` (its journal replayed), read from a scratch copy.

    Raises InputError when the file is missing or is not a fieldnotes database,
    PassphraseNeededError when it is encrypted and no passphrase was given."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{what} {path} does not exist")
    if path.is_dir():
        raise InputError(f"{what} {path} is a folder, not a database file")
    with tempfile.TemporaryDirectory(prefix="fieldnotes-merge-") as scratch:
        copy = Path(scratch) / "copy.json"
        shutil.copyfile(path, copy)
        journal = path.with_name(path.name + ".journal")
        if journal.is_file():
            shutil.copyfile(journal, copy.with_name(copy.name + ".journal"))
        engine = DurableStorage(copy, passphrase=passphrase)
        try:
            engine.load(full=True)
        except PassphraseNeededError:
            raise PassphraseNeededError(f"{what} {path} is encrypted: its passphrase is needed") from None
        except DamagedError as exc:
            raise InputError(
                f"{what} {path} is not a fieldnotes database, or is damaged ({exc.reason}); "
                "nothing was changed"
            ) from None
        except StorageError as exc:
            raise InputError(f"{what} {path} cannot be read: {exc}; nothing was changed") from None
        tables = engine.tables
        encrypted = engine.encrypted
    check_shape(tables, path, what)
    return Copy(tables, encrypted)


def check_shape(tables: Tables, path: Path, what: str) -> None:
    """Refuse a JSON file of tables that is not a fieldnotes database; give old records their guids."""
    for key, doc in tables.get(NOTES, {}).items():
        if not isinstance(doc, dict) or not isinstance(doc.get("id"), str) or not doc["id"]:
            raise InputError(
                f"{what} {path}: note {key} has no id; is it a fieldnotes database? Nothing was changed"
            )
    for name, table in tables.items():
        if name == NOTES:
            continue
        for doc in table.values():
            if not isinstance(doc, dict):
                raise InputError(f"{what} {path}: the table {name!r} holds something that is not a record")
            if not doc.get("guid") and name in _NAMED:
                prefix, field = _NAMED[name]
                doc["guid"] = stable_guid(prefix, tag_key(str(doc.get(field, ""))))
            if not doc.get("guid") and name == PROJECT:
                doc["guid"] = "project"


def author_of(tables: Tables) -> str:
    """Who a merge is made by: `FIELDNOTES_AUTHOR`, else the project's researcher in `tables`."""
    project = next(iter(tables.get(PROJECT, {}).values()), {})
    return env_author() or str(project.get("researcher", "") or "")


@dataclass
class Outcome:
    report: MergeReport
    backup: Path | None = None


def merge_into(
    db_path: Path | str,
    other: Copy,
    *,
    base: Copy | None = None,
    passphrase: str | None = None,
    dry_run: bool = False,
) -> Outcome:
    """Merge another copy into the database at `db_path`, under its lock, after a backup."""
    path = resolve_db_path(db_path)
    if not path.exists():
        raise InputError(f"the database {path} does not exist: nothing to merge into")
    engine = DurableStorage(path, passphrase=passphrase)
    with engine.locked(write=not dry_run):
        if not dry_run:
            engine.check_writable()
        engine.load(full=True)
        result = merge_tables(
            engine.tables,
            other.tables,
            base.tables if base else None,
            found=now_stamp(),
            author=author_of(engine.tables),
        )
        if dry_run or not result.report.changed:
            return Outcome(result.report)
        try:
            backup = Backups(path).make(engine.snapshot_bytes(), "before-merge")
        except OSError as exc:
            raise StorageError(
                f"could not take a backup before the merge: {exc.strerror}; nothing was changed"
            ) from None
        engine.replace_with(result.tables, encrypted=engine.encrypted)
    return Outcome(result.report, backup)


def same_file(a: Path | str, b: Path | str) -> bool:
    return resolve_db_path(a) == resolve_db_path(b)


def merge_files(
    base_path: Path,
    ours_path: Path,
    theirs_path: Path,
    *,
    passphrase: str | None,
    other_passphrase: str | None,
) -> MergeReport:
    """git's merge driver: merge %B into %A with %O as the common version, written to %A.

    %A is replaced only once the merge is done, atomically, in %A's mode; on any error
    it is left exactly as it was (git then reports a conflict)."""
    ours = read_copy(ours_path, passphrase=passphrase, what="our version")
    theirs = read_copy(theirs_path, passphrase=other_passphrase or passphrase, what="their version")
    base = None
    if base_path.is_file() and base_path.stat().st_size:
        base = read_copy(base_path, passphrase=other_passphrase or passphrase, what="the common version")
    result = merge_tables(
        ours.tables,
        theirs.tables,
        base.tables if base else None,
        found=now_stamp(),
        author=author_of(ours.tables),
    )
    if result.report.changed:
        write_copy(ours_path, result.tables, passphrase=passphrase)
    return result.report


def write_copy(path: Path, tables: Tables, *, passphrase: str | None) -> None:
    """Replace the database file at `path` with `tables`, in its mode, leaving nothing beside it."""
    with tempfile.TemporaryDirectory(prefix="fieldnotes-merge-") as scratch:
        copy = Path(scratch) / "copy.json"
        shutil.copyfile(path, copy)
        engine = DurableStorage(copy, passphrase=passphrase)
        engine.load(full=True)
        engine.replace_with(tables, encrypted=engine.encrypted)
        atomic_write_bytes(path, copy.read_bytes())


__all__ = [
    "Copy",
    "Outcome",
    "author_of",
    "merge_files",
    "merge_into",
    "read_copy",
    "same_file",
    "write_copy",
]
