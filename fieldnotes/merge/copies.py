"""Conflicted copies that sync tools leave beside a database when two devices wrote it.

Dropbox:    "notes (Dana's conflicted copy 2016-01-17).json"
            "notes (conflicted copy 2016-01-17 083012).json"
Syncthing:  "notes.sync-conflict-20160117-083012-ABCDEF1.json"
Nextcloud:  "notes (conflicted copy 2016-01-17 083012).json", "notes_conflict-20160117-083012.json"
ownCloud:   "notes_conflict-20160117-083012.json"
Google Drive: "notes (1).json"
Resilio:    "notes.Conflict.json"
Seafile:    "notes (SFConflict dana@example.org 2016-01-17-08-30-12).json"
Box:        "notes (Dana's conflict).json"

Names too plain to tell from a file of the researcher's own ("notes 2.json" from
iCloud, "notes-LAPTOP.json" from OneDrive) are not taken for copies. Each copy is a
whole database: `fieldnotes merge COPY` brings what it holds back in (merging a copy
that holds nothing new changes nothing: its versions are older than ours).
"""

from __future__ import annotations

import re
from pathlib import Path

from fieldnotes.storage.crypto import MAGIC

_MARKERS = (
    r"\(.*conflicted copy.*\)",  # Dropbox, Nextcloud
    r"\.sync-conflict-[0-9]{8}-[0-9]{6}(-[A-Z0-9]+)?",  # Syncthing
    r"_conflict-[0-9]{8}-[0-9]{6}",  # ownCloud, Nextcloud
    r"\(SFConflict [^)]*\)",  # Seafile
    r"\.Conflict",  # Resilio
    r"\([^)]*conflict[^)]*\)",  # Box and others
    r" \([0-9]{1,3}\)",  # Google Drive
)


def _pattern(db: Path) -> re.Pattern[str]:
    stem, suffix = re.escape(db.stem), re.escape(db.suffix)
    return re.compile(rf"^{stem}\s*(?:{'|'.join(_MARKERS)}){suffix}$", re.IGNORECASE)


def _looks_like_database(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            head = handle.read(len(MAGIC))
    except OSError:
        return False
    return head.startswith(MAGIC) or head.lstrip()[:1] == b"{"


def conflict_copies(db_path: Path) -> list[Path]:
    """The sync tools' conflicted copies of the database at `db_path`, oldest first."""
    folder = db_path.parent
    if not folder.is_dir():
        return []
    pattern = _pattern(db_path)
    found = []
    for candidate in folder.iterdir():
        if candidate == db_path or not candidate.is_file() or not pattern.match(candidate.name):
            continue
        if _looks_like_database(candidate):
            found.append(candidate)
    return sorted(found, key=lambda p: (p.stat().st_mtime, p.name))


__all__ = ["conflict_copies"]
