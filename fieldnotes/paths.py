"""Where the database lives unless the user says otherwise."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "fieldnotes"
DB_ENV = "FIELDNOTES_DB"
DB_FILENAME = "fieldnotes.json"


def default_db_path() -> Path:
    """`FIELDNOTES_DB`, else `fieldnotes.json` in the platform's user data folder."""
    env = os.environ.get(DB_ENV, "").strip()
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False) / DB_FILENAME


def resolve_db_path(path: Path | str) -> Path:
    """The database file itself: `~` expanded, made absolute, and symlinks followed, so
    the journal, lock, backups and drafts live beside the real file and a link stays a link."""
    return Path(os.path.realpath(Path(path).expanduser()))
