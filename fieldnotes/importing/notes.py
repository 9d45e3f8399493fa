"""`fieldnotes import`: notes.csv from `export nvivo`, or JSON lines.

Every row is read and checked before anything is saved. A file with bad rows
is refused whole (each bad row named with its line and reason) unless the
caller asks to skip them; the good rows are then saved in one atomic write.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from fieldnotes.errors import ImportRefusedError, ValidationError
from fieldnotes.export.common import unflatten
from fieldnotes.export.nvivo import CODE_COLUMN_PREFIX, NOTE_HEADER
from fieldnotes.model import MINUTE_FORMAT, Note, new_id

REQUIRED_CSV = {"kind", "title", "date"}


@dataclass
class BadRow:
    line: int
    reason: str


@dataclass
class ParsedFile:
    notes: list[tuple[int, Note]] = field(default_factory=list)
    bad: list[BadRow] = field(default_factory=list)


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[BadRow] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"added {self.added:,}, updated {self.updated:,}, unchanged {self.unchanged:,}"]
        out += [f"skipped line {bad.line}: {bad.reason}" for bad in self.skipped]
        return out


def parse_file(path: Path, *, excel_safe: bool = False, unflatten_newlines: bool = False) -> ParsedFile:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _parse_csv(path, excel_safe=excel_safe, unflatten_newlines=unflatten_newlines)
    if suffix in (".jsonl", ".ndjson"):
        return _parse_jsonl(path)
    raise ImportRefusedError(f"{path.name}: import reads .csv (from `export nvivo`) or .jsonl files")


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(";") if part.strip()]


def _csv_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        try:
            header = next(reader)
        except StopIteration:
            raise ImportRefusedError(f"{path.name} is empty") from None
        header = [h.strip() for h in header]
        missing = REQUIRED_CSV - set(header)
        if missing:
            raise ImportRefusedError(
                f"{path.name} lacks the column(s) {', '.join(sorted(missing))}; "
                f"expected the header of notes.csv: {', '.join(NOTE_HEADER[:6])}, ..."
            )
        line = reader.line_num + 1
        for cells in reader:
            if any(cell.strip() for cell in cells):
                if len(cells) != len(header):
                    yield line, {"__error__": f"{len(cells)} cells where the header has {len(header)}"}
                else:
                    yield line, dict(zip(header, cells, strict=True))
            line = reader.line_num + 1


def _parse_csv(path: Path, *, excel_safe: bool, unflatten_newlines: bool) -> ParsedFile:
    try:
        rows = list(_csv_rows(path))
    except UnicodeDecodeError:
        raise ImportRefusedError(
            f"{path.name} is not UTF-8 text; save it as CSV UTF-8 and try again"
        ) from None
    except csv.Error as exc:
        raise ImportRefusedError(f"{path.name} is not a readable CSV file: {exc}") from None
    parsed = ParsedFile()
    for line, row in rows:
        if "__error__" in row:
            parsed.bad.append(BadRow(line, row["__error__"]))
            continue
        if unflatten_newlines:
            row = {k: unflatten(v) for k, v in row.items()}
        if excel_safe:
            row = {k: v[1:] if v[:2] in ("'=", "'+", "'-", "'@") else v for k, v in row.items()}
        try:
            parsed.notes.append((line, _note_from_row(row)))
        except (ValidationError, ValueError) as exc:
            parsed.bad.append(BadRow(line, str(exc)))
    return parsed


def _minute(date: str, time: str, what: str) -> str:
    from datetime import datetime

    text = f"{date.strip()}T{(time.strip() or '00:00')}"
    try:
        return datetime.strptime(text, MINUTE_FORMAT).strftime(MINUTE_FORMAT)
    except ValueError:
        raise ValidationError(
            f"{what} {date!r} {time!r} is not a date YYYY-MM-DD with a time HH:MM"
        ) from None


def _note_from_row(row: dict[str, str]) -> Note:
    data: dict[str, Any] = {
        key: value for key, value in row.items() if not key.startswith(CODE_COLUMN_PREFIX)
    }
    start = _minute(row.get("date", ""), row.get("time", ""), "the date")
    end_cell = row.get("end", "").strip()
    end = None
    if end_cell:
        day, _, clock = end_cell.rpartition(" ")
        end = _minute(day or start[:10], clock, "the end")
    for name in ("organizations", "codes", "people", "organizers"):
        data[name] = _split(row.get(name, ""))
    data.update(id=row.get("note_id", "").strip() or new_id(), start=start, end=end)
    note = Note.from_dict(data)
    note.validate()
    return note


def _parse_jsonl(path: Path) -> ParsedFile:
    parsed = ParsedFile()
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                data = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                parsed.bad.append(BadRow(number, f"not JSON ({exc})"))
                continue
            if not isinstance(data, dict):
                parsed.bad.append(BadRow(number, "not a JSON object"))
                continue
            try:
                if not data.get("id"):
                    data = {**data, "id": new_id()}
                note = Note.from_dict(data)
                note.validate()
            except (ValidationError, ValueError, TypeError) as exc:
                parsed.bad.append(BadRow(number, str(exc)))
                continue
            parsed.notes.append((number, note))
    return parsed


def refuse_message(path: Path, bad: list[BadRow]) -> str:
    shown = "\n".join(f"  line {b.line}: {b.reason}" for b in bad[:20])
    more = f"\n  ... and {len(bad) - 20} more" if len(bad) > 20 else ""
    return (
        f"{path.name}: {len(bad)} bad row(s); nothing was imported.\n{shown}{more}\n"
        "Fix them, or add --skip-bad to import the other rows."
    )
