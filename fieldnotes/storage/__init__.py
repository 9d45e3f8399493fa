"""Storage: the only package that knows TinyDB."""

from fieldnotes.storage.backups import BackupInfo
from fieldnotes.storage.store import Store, convert_database, restore_backup

__all__ = ["BackupInfo", "Store", "convert_database", "restore_backup"]
