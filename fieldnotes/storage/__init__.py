"""Storage: the only package that knows TinyDB."""

from fieldnotes.storage.backups import BackupInfo
from fieldnotes.storage.errors import CorruptDatabaseError, StorageError
from fieldnotes.storage.store import Store, restore_backup

__all__ = ["BackupInfo", "CorruptDatabaseError", "StorageError", "Store", "restore_backup"]
