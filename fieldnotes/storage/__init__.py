"""Storage: the only package that knows TinyDB."""

from fieldnotes.storage.backups import BackupInfo
from fieldnotes.storage.lifecycle import (
    Recovery,
    change_passphrase,
    convert_database,
    database_files,
    destroy_database,
    recover,
    restore_backup,
)
from fieldnotes.storage.store import Store

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
