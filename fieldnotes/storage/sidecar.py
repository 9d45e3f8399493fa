"""The sidecar index, `<db>.index`: what a process needs to save a note without parsing the main file.

It holds the record tables (organizations, codes, informants, project...) and
the id and key of every note, as they are in the main file, and the main file
it was built from (its stat, and in encrypted mode its generation). A process
that only adds a note reads this and the journal, never the notes themselves,
so `fieldnotes add` takes the same time at 100 notes as at 50,000.

It is derived data: written after every fold and whenever a full load finds it
missing or stale, checked against the main file before use, and simply rebuilt
when it does not match. Losing it never loses a note. In encrypted mode it is
sealed like every other file.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from fieldnotes.files import atomic_write_bytes

VERSION = 1
MainStamp = tuple[int, int, int]


@dataclass
class Sidecar:
    main: MainStamp  # (inode, size, mtime_ns) of the main file it describes
    gen: str | None  # the main file's generation (encrypted databases)
    records: dict[str, dict[str, Any]]  # every table but the notes
    note_ids: dict[str, str]  # note key -> note id

    def to_bytes(self) -> bytes:
        return orjson.dumps(
            {
                "version": VERSION,
                "main": list(self.main),
                "gen": self.gen,
                "records": self.records,
                "notes": self.note_ids,
            }
        )

    @classmethod
    def from_bytes(cls, plain: bytes) -> Sidecar | None:
        """The sidecar, or None when it is not one this version wrote."""
        try:
            data = orjson.loads(plain)
            if data.get("version") != VERSION:
                return None
            main = tuple(int(part) for part in data["main"])
            records = data["records"]
            note_ids = data["notes"]
            if len(main) != 3 or not isinstance(records, dict) or not isinstance(note_ids, dict):
                return None
            if not all(isinstance(table, dict) for table in records.values()):
                return None
            return cls(main, data.get("gen"), records, note_ids)  # type: ignore[arg-type]
        except (orjson.JSONDecodeError, AttributeError, KeyError, TypeError, ValueError):
            return None


def sidecar_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".index")


def write_sidecar(path: Path, sealed: bytes) -> None:
    """Best effort: a sidecar that cannot be written is rebuilt next time."""
    with contextlib.suppress(OSError):
        atomic_write_bytes(path, sealed)


def remove_sidecar(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)
