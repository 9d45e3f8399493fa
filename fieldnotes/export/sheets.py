"""Tables and the three ways they are written: CSV, tab-separated `.txt` and `.xlsx`.

A `Table` holds text cells, dates in the one format every export uses
(`YYYY-MM-DD`, times `HH:MM`, date-times `YYYY-MM-DD HH:MM`, stamps
`YYYY-MM-DD HH:MM:SS`). The writers differ only in the file:

* CSV as peers get it wrong: UTF-8 with a BOM, CRLF rows, every field quoted,
  line breaks inside fields kept (or flattened to ' ¶ ' on request), and cells a
  spreadsheet would run as formulas reported (or neutralised on request).
* Tab-separated `.txt` (NVivo's "structured text file", the one classification
  sheet format both NVivo for Windows and for Mac document): UTF-8 with a BOM,
  CRLF rows, `"` as the text qualifier where a cell needs one.
* `.xlsx` through openpyxl: one sheet per file, the header in the first row,
  every text cell stored as text (never a formula), line breaks kept in the
  cell, dates as real date cells shown as `yyyy-mm-dd`.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from fieldnotes.errors import InputError
from fieldnotes.export.common import ExportReport, flatten, looks_like_formula, plural, xml_safe
from fieldnotes.files import atomic_write_bytes

EXCEL_MAX_CELL = 32_767  # characters in one cell: Excel (and NVivo reading .xlsx) cut the rest
DATE_FORMATS = {
    "date": ("%Y-%m-%d", "yyyy-mm-dd"),
    "time": ("%H:%M", "hh:mm"),
    "datetime": ("%Y-%m-%d %H:%M", "yyyy-mm-dd hh:mm"),
    "stamp": ("%Y-%m-%d %H:%M:%S", "yyyy-mm-dd hh:mm:ss"),
}
DATES_IN_WORDS = (
    "Dates are YYYY-MM-DD, times HH:MM (24-hour), date-times YYYY-MM-DD HH:MM, and the "
    "created/updated stamps YYYY-MM-DD HH:MM:SS"
)


@dataclass
class Table:
    """One sheet: `name` without extension, the header, text rows. `kinds` marks the
    date, time and number columns (`date`, `time`, `datetime`, `stamp`, `int`);
    `labels` name each row in warnings."""

    name: str
    header: list[str]
    kinds: dict[str, str] = field(default_factory=dict)
    rows: list[list[str]] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)

    def add(self, cells: list[str], label: str) -> None:
        self.rows.append(cells)
        self.labels.append(label)


@dataclass(frozen=True)
class CellOptions:
    flatten_newlines: bool = False
    excel_safe: bool = False


# ---------------------------------------------------------------------- CSV
def csv_bytes(table: Table, options: CellOptions, report: ExportReport, file_name: str) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(table.header)
    formulas: list[str] = []
    for number, (cells, label) in enumerate(zip(table.rows, table.labels, strict=True), start=2):
        out = []
        for column, cell in zip(table.header, cells, strict=True):
            if options.flatten_newlines:
                cell = flatten(cell)
            if looks_like_formula(cell):
                formulas.append(f"row {number} ({label}), column {column}")
                if options.excel_safe:
                    cell = "'" + cell
            out.append(cell)
        writer.writerow(out)
    if formulas:
        shown = "; ".join(formulas[:5]) + (" …" if len(formulas) > 5 else "")
        action = (
            "prefixed with ' (--excel-safe)"
            if options.excel_safe
            else "kept exactly; a spreadsheet may run them as formulas (use --excel-safe to neutralise)"
        )
        count = len(formulas)
        report.warnings.append(f"{file_name}: {count} cell(s) start with = + - or @, {action}: {shown}")
    return buffer.getvalue().encode("utf-8-sig")


def write_csv(table: Table, folder: Path, options: CellOptions, report: ExportReport) -> Path:
    path = folder / f"{table.name}.csv"
    atomic_write_bytes(path, csv_bytes(table, options, report, path.name))
    report.wrote(path, plural(len(table.rows), "row"))
    return path


# ---------------------------------------------------------- tab-separated
def write_tsv(table: Table, folder: Path, report: ExportReport) -> Path:
    """NVivo's structured text: tab-separated, `"` qualifies a cell holding a tab, quote or line break."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter="\t", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(table.header)
    writer.writerows(table.rows)
    path = folder / f"{table.name}.txt"
    atomic_write_bytes(path, buffer.getvalue().encode("utf-8-sig"))
    report.wrote(path, plural(len(table.rows), "row"))
    return path


# --------------------------------------------------------------------- xlsx
def _typed(value: str, kind: str) -> Any:
    if kind == "int":
        return int(value)
    parsed = datetime.strptime(value, DATE_FORMATS[kind][0])
    if kind == "date":
        return parsed.date()
    if kind == "time":
        return parsed.time()
    return parsed


def xlsx_bytes(table: Table, options: CellOptions, moment: datetime | None = None) -> bytes:
    """The table as a one-sheet workbook (openpyxl, write-only: fast and lean)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    too_long = [
        f"{label}, column {column}"
        for cells, label in zip(table.rows, table.labels, strict=True)
        for column, cell in zip(table.header, cells, strict=True)
        if len(cell) > EXCEL_MAX_CELL
    ]
    if too_long:
        shown = "; ".join(too_long[:5]) + (" …" if len(too_long) > 5 else "")
        raise InputError(
            f"{table.name}.xlsx: {len(too_long)} cell(s) hold more than {EXCEL_MAX_CELL:,} characters, "
            f"which Excel and NVivo cut off ({shown}). Nothing was written. Export with --format csv, "
            "or use `fieldnotes export documents` for long transcripts."
        )
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(table.name[:31])
    kinds = [table.kinds.get(column, "") for column in table.header]
    styles: dict[str, str] = {kind: fmt for kind, (_, fmt) in DATE_FORMATS.items()}

    def text_cell(value: str) -> Any:
        value = xml_safe(flatten(value) if options.flatten_newlines else value)
        if value.startswith("="):  # text, never a formula
            cell = WriteOnlyCell(sheet, value)
            cell.data_type = "s"
            return cell
        return value

    sheet.append(table.header)
    for cells in table.rows:
        row: list[Any] = []
        for kind, value in zip(kinds, cells, strict=True):
            if not value:
                row.append(None)
            elif not kind:
                row.append(text_cell(value))
            else:
                try:
                    typed = _typed(value, kind)
                except ValueError:
                    row.append(text_cell(value))
                    continue
                if kind == "int":
                    row.append(typed)
                else:
                    cell = WriteOnlyCell(sheet, typed)
                    cell.number_format = styles[kind]
                    row.append(cell)
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    data = buffer.getvalue()
    return data if moment is None else _fixed_time(data, moment)


_CORE_DATES = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)")


def _fixed_time(data: bytes, moment: datetime) -> bytes:
    """The same workbook with `moment` as its created/modified time and its zip entries'
    time: byte-identical output for the committed sample."""
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "docProps/core.xml":
                content = _CORE_DATES.sub(rb"\g<1>" + stamp + rb"\3", content)
            entry = zipfile.ZipInfo(info.filename, date_time=moment.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, content)
    return out.getvalue()


def write_xlsx(
    table: Table, folder: Path, options: CellOptions, report: ExportReport, moment: datetime | None = None
) -> Path:
    path = folder / f"{table.name}.xlsx"
    atomic_write_bytes(path, xlsx_bytes(table, options, moment))
    report.wrote(path, plural(len(table.rows), "row"))
    return path


def cell_text(value: Any, kind: str = "") -> str:
    """A cell read back from a workbook, as the text the CSV would have held."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if kind == "date":
            return f"{value:%Y-%m-%d}"
        if kind == "time":
            return f"{value:%H:%M}"
        return value.strftime(DATE_FORMATS.get(kind, DATE_FORMATS["stamp"])[0])
    if isinstance(value, date):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, time):
        return f"{value:%H:%M}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
