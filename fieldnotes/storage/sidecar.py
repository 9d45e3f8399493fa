"""The sidecar index, `<db>.index`: what a process needs to save a note without parsing the main file.

It holds the record tables (organizations, codes, informants, project...) and
the id and key of every note, as they are in the main file, and the main file
it was built from (its stat, and in encrypted mode its generation). A process
that only adds a note reads this and the journal, never the notes themselves,
so `fieldnotes add` takes the same time at 100 notes as at 50,000.

It also holds a listing: each note's start and creation time (what the notes
are sorted by) and where its document lies in the main file's bytes. With it
the app shows the newest notes at once and parses each note only when it is
first needed, one slice of the file at a time, between keystrokes. The spans
are checked byte for byte against the file when the listing is made, and each
slice is checked again (it must parse to the note with that id) when it is read.

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

VERSION = 3
MainStamp = tuple[int, int, int]


@dataclass
class Listing:
    """The notes of the main file in its order: their keys, sort fields, and spans
    (`spans[2*i]:spans[2*i+1]` are the bytes of note i's document), and the CRC-32 of the
    whole (plaintext) file the spans point into: bytes that are not those are never used."""

    keys: list[str]
    starts: list[str]
    createds: list[str]
    spans: list[int]
    crc: int

    def to_text(self) -> str:
        """The sort fields and spans as one JSON text, stored as one string in the sidecar:
        a process that only adds a note reads past it at C speed (as 50,000 separate values
        it cost `add` 15 ms to parse); the app parses it when it lists the notes."""
        return orjson.dumps([self.starts, self.createds, self.spans, self.crc]).decode()

    @classmethod
    def from_text(cls, keys: list[str], text: str) -> Listing | None:
        """The listing of the notes with these keys (in the main file's order), or None when
        `text` is not one `to_text` wrote for that many notes."""
        try:
            starts, createds, spans, crc = orjson.loads(text)
            listing = cls(keys, starts, createds, spans, crc)
            return listing if listing.valid() else None
        except (orjson.JSONDecodeError, TypeError, ValueError):
            return None

    def valid(self) -> bool:
        count = len(self.keys)
        return (
            len(self.starts) == count
            and len(self.createds) == count
            and len(self.spans) == 2 * count
            and set(map(type, self.starts)) | set(map(type, self.createds)) <= {str}
            and set(map(type, self.spans)) <= {int}
            and type(self.crc) is int
        )


@dataclass
class Sidecar:
    main: MainStamp  # (inode, size, mtime_ns) of the main file it describes
    gen: str | None  # the main file's generation (encrypted databases)
    records: dict[str, dict[str, Any]]  # every table but the notes
    note_ids: dict[str, str]  # note key -> note id
    # None when the file's layout was not our own; as read, still its unparsed text.
    listing: Listing | str | None = None

    def to_bytes(self) -> bytes:
        data: dict[str, Any] = {
            "version": VERSION,
            "main": list(self.main),
            "gen": self.gen,
            "records": self.records,
            "notes": self.note_ids,
        }
        if self.listing is not None:
            data["listing"] = self.listing if isinstance(self.listing, str) else self.listing.to_text()
        return orjson.dumps(data)

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
            listing = data.get("listing")
            if listing is not None and not isinstance(listing, str):
                return None
            return cls(main, data.get("gen"), records, note_ids, listing)  # type: ignore[arg-type]
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
