"""Independent backup copies in a `backups/` folder beside the database."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from fieldnotes.files import atomic_write_bytes, atomic_writer, ensure_private_dir, write_all

DEFAULT_KEEP = 30
_NAME = re.compile(r"^(?P<stem>.+)-(?P<stamp>\d{8}-\d{6}-\d{6})-(?P<reason>[a-z0-9-]+)\.json$")


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    taken: datetime
    reason: str

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def size(self) -> int:
        return self.path.stat().st_size


class Backups:
    """The backups of one database file: make, list, find, prune."""

    def __init__(self, db_path: Path, keep: int = DEFAULT_KEEP) -> None:
        self.db_path = db_path
        self.folder = db_path.parent / "backups"
        self.keep = keep

    def _new_path(self, reason: str) -> Path:
        ensure_private_dir(self.folder)
        slug = re.sub(r"[^a-z0-9]+", "-", reason.lower()).strip("-") or "manual"
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        return self.folder / f"{self.db_path.stem}-{stamp}-{slug}.json"

    def make(self, data: bytes, reason: str) -> Path:
        """Write `data` as a new, independent backup file and prune old ones."""
        path = self._new_path(reason)
        atomic_write_bytes(path, data)
        self.prune()
        return path

    def copy_of(self, source: Path, reason: str) -> Path:
        """An independent copy of a complete database file, streamed (no second copy in memory)."""
        path = self._new_path(reason)
        with atomic_writer(path) as fd, open(source, "rb") as handle:
            while chunk := handle.read(1 << 20):
                write_all(fd, chunk)
        self.prune()
        return path

    def list(self) -> list[BackupInfo]:
        """Backups of this database, newest first."""
        if not self.folder.is_dir():
            return []
        found = []
        for path in self.folder.iterdir():
            match = _NAME.match(path.name)
            if match and match["stem"] == self.db_path.stem:
                taken = datetime.strptime(match["stamp"], "%Y%m%d-%H%M%S-%f")
                found.append(BackupInfo(path, taken, match["reason"]))
        return sorted(found, key=lambda info: info.taken, reverse=True)

    def has_one_from(self, day: date) -> bool:
        return any(info.taken.date() == day for info in self.list())

    def prune(self) -> None:
        for info in self.list()[self.keep :]:
            info.path.unlink(missing_ok=True)

    def newest_good(self, decode: Callable[[bytes], object] | None = None) -> Path | None:
        """The newest backup that `decode` reads (by default: parses as a plain TinyDB file)."""
        from fieldnotes.errors import FieldnotesError
        from fieldnotes.storage.durable import parse_main

        for info in self.list():
            try:
                raw = info.path.read_bytes()
                decode(raw) if decode else parse_main(raw, info.path)
            except (FieldnotesError, OSError):
                continue
            return info.path
        return None

    def find(self, name: str) -> Path | None:
        """A backup by file name, path, or its number in `list()` (1 = newest)."""
        candidate = Path(name).expanduser()
        if candidate.is_file():
            return candidate
        backups = self.list()
        if name.isdigit() and 1 <= int(name) <= len(backups):
            return backups[int(name) - 1].path
        for info in backups:
            if info.name == name or info.name == f"{name}.json":
                return info.path
        return None
