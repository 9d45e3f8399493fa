"""`fieldnotes import`: notes from `export nvivo` (.csv or .xlsx), `export qdpx`, or JSON lines.

Every row is read and checked (`rows.build_note`) before anything is saved. A
file with a bad row, or with one id on two rows, is refused whole (each row
named with its line and reason) unless the caller asks to skip them.

Each row also says which fields the file carries (`ParsedNote.carried`): a
re-import changes only those, so a column the CSV lacks, or the private text an
export left out, is never erased. `ParsedFile.lossy` maps a field to what an
export makes of it (a `.qdpx` folds a title onto one line): a stored value that
would export as the file's value is kept as it is.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from fieldnotes.errors import ImportRefusedError, ValidationError
from fieldnotes.export.common import unflatten as unflatten_cell
from fieldnotes.export.nvivo import CODE_COLUMN_PREFIX, NOTE_HEADER, NOTE_KINDS
from fieldnotes.importing.qdpx import parse_qdpx
from fieldnotes.importing.rows import (
    NOTE_FIELD_NAMES,
    BadRow,
    ImportReport,
    ParsedFile,
    ParsedNote,
    build_note,
    refuse_duplicates,
    refuse_message,
)
from fieldnotes.model import LIST_FIELDS, MINUTE_FORMAT, Note

__all__ = ["BadRow", "ImportReport", "ParsedFile", "ParsedNote", "parse_file", "refuse_message"]

REQUIRED_CSV = {"kind", "title", "date"}
# notes.csv columns that are not note fields: derived, or read into start/end
CSV_DERIVED = {"date", "time", "duration_minutes", "organization_types"}


# ------------------------------------------------------------------ readers
def parse_file(path: Path, *, excel_safe: bool = False, unflatten_newlines: bool = False) -> ParsedFile:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        parsed = _parse_table(_csv_rows(path), excel_safe=excel_safe, unflatten=unflatten_newlines)
    elif suffix == ".xlsx":
        parsed = _parse_table(_xlsx_rows(path), excel_safe=False, unflatten=unflatten_newlines)
    elif suffix in (".jsonl", ".ndjson"):
        parsed = _parse_jsonl(path)
    elif suffix == ".qdpx":
        parsed = parse_qdpx(path)
    else:
        raise ImportRefusedError(
            f"{path.name}: import reads notes.csv or notes.xlsx (from `export nvivo`), "
            ".qdpx (from `export qdpx`) or .jsonl files"
        )
    refuse_duplicates(parsed)
    return parsed


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(";") if part.strip()]


def _big_fields() -> None:
    """No CSV field-size limit: a 500,000-character transcript is one cell."""
    limit = sys.maxsize
    while True:
        try:
            csv.field_size_limit(limit)
            return
        except OverflowError:  # a C long is 32 bits on Windows
            limit //= 2


def _check_header(path: Path, header: list[str]) -> list[str]:
    header = [h.strip() for h in header]
    missing = REQUIRED_CSV - set(header)
    if missing:
        raise ImportRefusedError(
            f"{path.name} lacks the column(s) {', '.join(sorted(missing))}; "
            f"expected the header of notes.csv: {', '.join(NOTE_HEADER[:6])}, ..."
        )
    return header


Rows = Iterator[tuple[int, dict[str, str] | str]]  # (line, cells by column) or (line, what is wrong)


def _csv_rows(path: Path) -> Rows:
    _big_fields()
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            try:
                header = _check_header(path, next(reader))
            except StopIteration:
                raise ImportRefusedError(f"{path.name} is empty") from None
            yield 0, "\x1f".join(header)
            line = reader.line_num + 1
            for cells in reader:
                if any(cell.strip() for cell in cells):
                    if len(cells) != len(header):
                        yield line, f"{len(cells)} cells where the header has {len(header)}"
                    else:
                        yield line, dict(zip(header, cells, strict=True))
                line = reader.line_num + 1
    except UnicodeDecodeError:
        message = f"{path.name} is not UTF-8 text; save it as CSV UTF-8 and try again"
        raise ImportRefusedError(message) from None
    except csv.Error as exc:
        raise ImportRefusedError(f"{path.name} is not a readable CSV file: {exc}") from None


def _xlsx_rows(path: Path) -> Rows:
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    from fieldnotes.export.sheets import cell_text

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ImportRefusedError(f"{path.name} is not a readable .xlsx workbook: {exc}") from None
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        try:
            first = next(rows)
        except StopIteration:
            raise ImportRefusedError(f"{path.name} is empty") from None
        header = _check_header(path, [cell_text(value) for value in first])
        yield 0, "\x1f".join(header)
        kinds = [NOTE_KINDS.get(column, "") for column in header]
        for line, values in enumerate(rows, start=2):
            cells = [cell_text(value, kind) for value, kind in zip(values, kinds, strict=False)]
            cells += [""] * (len(header) - len(cells))
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > len(header) and any(cells[len(header) :]):
                yield line, f"cells beyond the {len(header)} columns of the header"
                continue
            yield line, dict(zip(header, cells[: len(header)], strict=True))
    finally:
        workbook.close()


def _parse_table(rows: Rows, *, excel_safe: bool, unflatten: bool) -> ParsedFile:
    parsed = ParsedFile()
    carried: frozenset[str] = frozenset()
    for line, row in rows:
        if line == 0:  # the header: which fields this file carries
            assert isinstance(row, str)
            carried = _carried_by_columns(row.split("\x1f"))
            continue
        if isinstance(row, str):
            parsed.bad.append(BadRow(line, row))
            continue
        if unflatten:
            row = {k: unflatten_cell(v) for k, v in row.items()}
        if excel_safe:
            row = {k: v[1:] if v[:2] in ("'=", "'+", "'-", "'@") else v for k, v in row.items()}
        try:
            parsed.notes.append(ParsedNote(line, _note_from_row(row), carried))
        except (ValidationError, ValueError) as exc:
            parsed.bad.append(BadRow(line, str(exc)))
    return parsed


def _carried_by_columns(header: list[str]) -> frozenset[str]:
    names = {"note_id": "id", "date": "start"}
    carried = {names.get(column, column) for column in header if not column.startswith(CODE_COLUMN_PREFIX)}
    return frozenset((carried - CSV_DERIVED) & NOTE_FIELD_NAMES)


def _minute(date: str, time: str, what: str) -> str:
    text = f"{date.strip()}T{(time.strip() or '00:00')}"
    try:
        return datetime.strptime(text, MINUTE_FORMAT).strftime(MINUTE_FORMAT)
    except ValueError:
        message = f"{what} {date!r} {time!r} is not a date YYYY-MM-DD with a time HH:MM"
        raise ValidationError(message) from None


def _note_from_row(row: dict[str, str]) -> Note:
    data: dict[str, Any] = {
        key: value
        for key, value in row.items()
        if key in NOTE_FIELD_NAMES and key not in ("id", "start", "end") and key not in LIST_FIELDS
    }
    data["start"] = _minute(row.get("date", ""), row.get("time", ""), "the date")
    end_cell = row.get("end", "").strip()
    if end_cell:
        day, _, clock = end_cell.replace("T", " ").rpartition(" ")
        data["end"] = _minute(day or data["start"][:10], clock, "the end")
    for name in LIST_FIELDS:
        if name in row:
            data[name] = _split(row[name])
    data["id"] = row.get("note_id", "").strip()
    return build_note(data)


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
                note = build_note(data)
            except (ValidationError, ValueError, TypeError) as exc:
                parsed.bad.append(BadRow(number, str(exc)))
                continue
            carried = frozenset(data) & NOTE_FIELD_NAMES
            parsed.notes.append(ParsedNote(number, note, carried | {"id"}))
    return parsed
