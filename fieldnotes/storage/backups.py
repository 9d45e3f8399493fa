"""Independent backup copies in a `backups/` folder beside the database.

A backup is named `<db stem>-<sequence>-<date>-<time>-<reason>.json`. The
sequence only ever grows, so the order of backups and which ones are pruned
never depend on the wall clock: a clock set back (a flight west, a wrong BIOS
clock) cannot make the copy just taken look old and prune it. Backups from
before sequences existed sort before every numbered one, by their time.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from fieldnotes.files import atomic_write_bytes, atomic_writer, ensure_private_dir, write_all

DEFAULT_KEEP = 30
_STAMP = "%Y%m%d-%H%M%S-%f"
_NUMBERED = re.compile(r"^(?P<seq>\d+)-(?P<stamp>\d{8}-\d{6}-\d{6})-(?P<reason>[a-z0-9-]+)\.json$")
_OLD = re.compile(r"^(?P<stamp>\d{8}-\d{6}-\d{6})-(?P<reason>[a-z0-9-]+)\.json$")


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    taken: datetime  # by the clock of the moment: shown, never used for ordering
    reason: str
    seq: int  # 0 for backups from before sequences existed

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def size(self) -> int:
        return self.path.stat().st_size


class Backups:
    """The backups of one database file: make, list, find, prune.

    Make backups while holding the database lock (`Store.backup` does), so two
    processes never take the same sequence number."""

    def __init__(self, db_path: Path, keep: int = DEFAULT_KEEP) -> None:
        self.db_path = db_path
        self.folder = db_path.parent / "backups"
        self.keep = keep

    def _new_path(self, reason: str) -> Path:
        ensure_private_dir(self.folder)
        slug = re.sub(r"[^a-z0-9]+", "-", reason.lower()).strip("-") or "manual"
        seq = max((info.seq for info in self.list()), default=0) + 1
        stamp = datetime.now().strftime(_STAMP)
        return self.folder / f"{self.db_path.stem}-{seq:06d}-{stamp}-{slug}.json"

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
        """Backups of this database, newest (highest sequence) first."""
        if not self.folder.is_dir():
            return []
        prefix = f"{self.db_path.stem}-"
        found = []
        for path in self.folder.iterdir():
            if not path.name.startswith(prefix):
                continue
            rest = path.name[len(prefix) :]
            match = _NUMBERED.match(rest) or _OLD.match(rest)
            if match is None:
                continue
            seq = int(match["seq"]) if "seq" in match.groupdict() else 0
            try:
                taken = datetime.strptime(match["stamp"], _STAMP)
            except ValueError:
                continue
            found.append(BackupInfo(path, taken, match["reason"], seq))
        return sorted(found, key=lambda info: (info.seq, info.taken, info.name), reverse=True)

    def has_one_from(self, day: date) -> bool:
        return any(info.taken.date() == day for info in self.list())

    def prune(self) -> None:
        """Keep the `keep` newest by sequence: the copy just made is never the one removed."""
        for info in self.list()[max(self.keep, 1) :]:
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
        """A backup by its number in `list()` (1 = newest) or its file name; any other
        file only when given as a path (with a folder: `./x.json`, `/tmp/x.json`, `~/x.json`)."""
        text = name.strip()
        backups = self.list()
        if text.isascii() and text.isdigit() and len(text) <= 9:
            number = int(text)
            return backups[number - 1].path if 1 <= number <= len(backups) else None
        if "/" in text or text.startswith("~"):
            candidate = Path(text).expanduser()
            return candidate if candidate.is_file() else None
        for info in backups:
            if info.name in (text, f"{text}.json"):
                return info.path
        return None
