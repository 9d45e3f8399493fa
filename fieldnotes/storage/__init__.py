"""Storage: the only package that knows TinyDB.

`Store` is the open database. The whole-database operations (restore, recover,
encrypt, decrypt, passphrase, destroy) are in `lifecycle`, imported when first
used: a process that only adds a note never loads them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fieldnotes.storage.backups import BackupInfo
from fieldnotes.storage.store import Store

if TYPE_CHECKING:
    from fieldnotes.storage.lifecycle import (
        Recovery,
        change_passphrase,
        convert_database,
        database_files,
        destroy_database,
        recover,
        restore_backup,
    )

_LIFECYCLE = {
    "Recovery",
    "change_passphrase",
    "convert_database",
    "database_files",
    "destroy_database",
    "recover",
    "restore_backup",
}


def __getattr__(name: str) -> Any:
    if name in _LIFECYCLE:
        from fieldnotes.storage import lifecycle

        return getattr(lifecycle, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "BackupInfo",
    "Recovery",
    "Store",
    "change_passphrase",
    "convert_database",
    "database_files",
    "destroy_database",
    "recover",
    "restore_backup",
]
