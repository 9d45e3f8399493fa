"""Errors the storage layer raises. The CLI maps each to exit code 1."""

from __future__ import annotations

from pathlib import Path


class StorageError(Exception):
    """The database cannot be read or written. The message says what to do."""


class CorruptDatabaseError(StorageError):
    """The file is damaged. It is left untouched."""

    def __init__(self, path: Path, reason: str, backup: Path | None) -> None:
        self.path = path
        self.reason = reason
        self.backup = backup
        message = f"the database {path} is damaged ({reason}). It has not been touched."
        if backup is not None:
            message += (
                f"\nThe newest good backup is {backup}."
                f"\nRestore it with:  fieldnotes --db '{path}' restore '{backup.name}'"
            )
        else:
            message += "\nNo good backup was found beside it."
        super().__init__(message)
