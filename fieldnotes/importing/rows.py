"""What every importer shares: the parsed rows, the checks a row must pass, the report.

A row is checked as the model checks a note (`build_note`): each field's type
(text, or a list of names), the kind and the choices, ISO dates, and the id (a
lowercase UUID: nothing that could become a path). `ParsedNote.carried` says
which fields the file carries, so a re-import changes only those.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from fieldnotes.errors import ValidationError
from fieldnotes.model import FIELD, KIND_FIELDS, NOTE_FIELDS, STAMP_FORMAT, Note, new_id

ID_PATTERN = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
NOTE_FIELD_NAMES = frozenset(f.name for f in NOTE_FIELDS)

Lossy = dict[str, Callable[[str], str]]


@dataclass
class BadRow:
    line: int
    reason: str
    where: str = ""  # e.g. "source 3 (2016-01-17 Coalition monthly (1a2b3c4d))"; "" = "line N"

    def describe(self) -> str:
        return f"{self.where or f'line {self.line}'}: {self.reason}"


@dataclass
class ParsedNote:
    line: int
    note: Note
    carried: frozenset[str]
    where: str = ""


@dataclass
class ParsedFile:
    notes: list[ParsedNote] = field(default_factory=list)
    bad: list[BadRow] = field(default_factory=list)
    lossy: Lossy = field(default_factory=dict)
    codebook: bool = False  # the file carries a codebook too (a .qdpx)


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[BadRow] = field(default_factory=list)
    newer: list[Note] = field(default_factory=list)  # changed here since the file was written: kept
    codes_added: int = 0
    backup: Path | None = None

    def lines(self) -> list[str]:
        out = [f"added {self.added:,}, updated {self.updated:,}, unchanged {self.unchanged:,}"]
        if self.codes_added:
            out.append(f"added {self.codes_added:,} code(s) to the codebook")
        if self.newer:
            out.append(
                f"kept {len(self.newer):,} note(s) changed here since the file was written "
                "(add --overwrite-newer to replace them with the file's version):"
            )
            out += [f"  {note.id[:8]} {note.title}" for note in self.newer[:20]]
            if len(self.newer) > 20:
                out.append(f"  ... and {len(self.newer) - 20} more")
        out += [f"skipped {bad.describe()}" for bad in self.skipped]
        if self.backup:
            out.append(f"backup taken first: {self.backup.name}")
        return out


# --------------------------------------------------------------- the checks
def check_id(value: Any) -> str:
    """A note id as stored: a lowercase UUID. Anything else could name a file (`../x`)."""
    if not isinstance(value, str):
        raise ValidationError(f"the id must be text, not {type(value).__name__}", field="id")
    if not ID_PATTERN.match(value):
        raise ValidationError(
            f"the id {value[:60]!r} is not a lowercase UUID like 1a2b3c4d-0000-4000-8000-000000000000",
            field="id",
        )
    return value


def check_stamp(value: Any, name: str) -> str:
    """created/updated: empty, or an ISO date-time; stored as YYYY-MM-DDTHH:MM:SS."""
    if not isinstance(value, str):
        raise ValidationError(f"{name} must be text, not {type(value).__name__}", field=name)
    if not value.strip():
        return ""
    try:
        moment = datetime.fromisoformat(value.strip().removesuffix("Z"))
    except ValueError:
        raise ValidationError(
            f"{name} {value[:40]!r} is not a date-time like 2016-01-17 08:30:00", field=name
        ) from None
    return moment.replace(tzinfo=None).strftime(STAMP_FORMAT)


def build_note(values: dict[str, Any]) -> Note:
    """A note from field values exactly as given (no coercion), checked as the model checks it."""
    unknown = sorted(set(values) - NOTE_FIELD_NAMES)
    if unknown:
        raise ValidationError(f"unknown field(s): {', '.join(unknown)}")
    values = dict(values)
    values["id"] = check_id(values["id"]) if values.get("id") else new_id()
    for name in ("created", "updated"):
        values[name] = check_stamp(values.get(name, ""), name)
    if values.get("end") == "":
        values["end"] = None
    missing = [name for name in ("kind", "title", "start") if name not in values]
    if missing:
        raise ValidationError(f"no {', '.join(missing)}")
    note = Note(**values)
    note.validate()
    foreign = [
        name
        for name in set(values) & {f for fields in KIND_FIELDS.values() for f in fields}
        if name not in KIND_FIELDS[note.kind] and values[name]
    ]
    if foreign:
        raise ValidationError(
            f"{', '.join(sorted(foreign))} can't be set on a {note.kind} "
            f"({', '.join(FIELD[name].kinds[0] + 's' for name in sorted(foreign))} only)"
        )
    return note


def refuse_duplicates(parsed: ParsedFile) -> None:
    """One id on two rows: every such row is bad (which one is right cannot be known)."""
    lines: dict[str, list[ParsedNote]] = {}
    for item in parsed.notes:
        lines.setdefault(item.note.id, []).append(item)
    repeated = {note_id for note_id, items in lines.items() if len(items) > 1}
    if not repeated:
        return
    keep = []
    for item in parsed.notes:
        if item.note.id in repeated:
            others = ", ".join(i.where or f"line {i.line}" for i in lines[item.note.id] if i is not item)
            reason = f"the id {item.note.id} is also on {others}: ids must be unique"
            parsed.bad.append(BadRow(item.line, reason, item.where))
        else:
            keep.append(item)
    parsed.notes = keep
    parsed.bad.sort(key=lambda bad: bad.line)


def refuse_message(path: Path, bad: list[BadRow]) -> str:
    shown = "\n".join(f"  {b.describe()}" for b in bad[:20])
    more = f"\n  ... and {len(bad) - 20} more" if len(bad) > 20 else ""
    return (
        f"{path.name}: {len(bad)} bad row(s); nothing was imported.\n{shown}{more}\n"
        "Fix them, or add --skip-bad to import the other rows."
    )
