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
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from operator import methodcaller
from pathlib import Path
from typing import Any

from fieldnotes.errors import InputError
from fieldnotes.export.common import (
    FORMULA_START,
    ExportReport,
    flatten,
    looks_like_formula,
    plural,
)
from fieldnotes.export.xml_writer import escape_text, utf8
from fieldnotes.export.zipwriter import ZipWriter
from fieldnotes.files import atomic_write_bytes, atomic_writer

EXCEL_MAX_CELL = 32_767  # characters in one cell: Excel (and NVivo reading .xlsx) cut the rest
DATE_FORMATS = {
    "date": ("%Y-%m-%d", "yyyy-mm-dd"),
    "time": ("%H:%M", "hh:mm"),
    "datetime": ("%Y-%m-%d %H:%M", "yyyy-mm-dd hh:mm"),
    "stamp": ("%Y-%m-%d %H:%M:%S", "yyyy-mm-dd hh:mm:ss"),
}
DATES_IN_WORDS = (
    "Dates are YYYY-MM-DD, times HH:MM (24-hour), date-times YYYY-MM-DD HH:MM, and\n"
    "the created/updated stamps YYYY-MM-DD HH:MM:SS"
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
_formula_start = methodcaller("startswith", FORMULA_START)
"""`looks_like_formula` for `map`: the same test without a Python call per cell."""
# A cell after the first starting as a formula, in the cells joined by `","`.
_FORMULA_AFTER_SEPARATOR = re.compile('","[' + re.escape("".join(FORMULA_START)) + "]")


def csv_line(cells: list[str]) -> str:
    """One CSV row of text cells as `csv.writer(quoting=QUOTE_ALL, lineterminator="\\r\\n")`
    writes it (a test holds them equal): every cell quoted, quotes doubled. The csv module
    copies a cell a character at a time: 0.39 s of a 10,000-note export, this 0.05 s."""
    return csv_line_checked(cells)[0]


def csv_line_checked(cells: list[str]) -> tuple[str, bool]:
    """`csv_line`, and whether a cell may start as a formula (`looks_like_formula`): never
    False when one does; True for none only when a cell holds a quote (a `","` and a formula
    character may then be found across cells), and the caller then looks at the cells one
    by one. One search of the joined row: a third of the time of a test per cell."""
    if not cells:
        return "\r\n", False
    joined = '","'.join(cells)
    maybe = joined.startswith(FORMULA_START) or _FORMULA_AFTER_SEPARATOR.search(joined) is not None
    if joined.count('"') == 2 * (len(cells) - 1):  # only the separators': no cell holds a quote
        return '"' + joined + '"\r\n', maybe
    return '"' + '","'.join([cell.replace('"', '""') for cell in cells]) + '"\r\n', maybe


_BATCH = 2000  # rows encoded and written at once


def write_csv(table: Table, folder: Path, options: CellOptions, report: ExportReport) -> Path:
    """Streamed to the file in batches of rows: the text is never held whole, and the
    rows are encoded a batch at a time (a write per row cost a second at 50,000 notes)."""
    path = folder / f"{table.name}.csv"
    formulas: list[str] = []
    with atomic_writer(path) as fd, open(fd, "wb", closefd=False) as handle:
        batch = ["\ufeff", csv_line(table.header)]  # the BOM: Excel reads the file as UTF-8
        for number, (cells, label) in enumerate(zip(table.rows, table.labels, strict=True), start=2):
            if options.flatten_newlines:
                cells = [flatten(cell) for cell in cells]
            # Most rows hold no formula: written as they are, once one search says so.
            line, maybe = csv_line_checked(cells)
            if maybe and any(map(_formula_start, cells)):
                out = []
                for column, cell in zip(table.header, cells, strict=True):
                    if looks_like_formula(cell):
                        formulas.append(f"row {number} ({label}), column {column}")
                        if options.excel_safe:
                            cell = "'" + cell
                    out.append(cell)
                line = csv_line(out)
            batch.append(line)
            if len(batch) >= _BATCH:
                handle.write(utf8(batch))
                batch.clear()
        handle.write(utf8(batch))
    if formulas:
        shown = "; ".join(formulas[:5]) + (" …" if len(formulas) > 5 else "")
        action = (
            "prefixed with ' (--excel-safe)"
            if options.excel_safe
            else "kept exactly; a spreadsheet may run them as formulas (use --excel-safe to neutralise)"
        )
        count = len(formulas)
        report.warnings.append(f"{path.name}: {count} cell(s) start with = + - or @, {action}: {shown}")
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
_ISO_SHAPE = {
    "date": re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}"),
    "time": re.compile(r"[0-9]{2}:[0-9]{2}"),
    "datetime": re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}"),
    "stamp": re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}"),
}
"""The shapes the exports write: read with fromisoformat, ten times faster than strptime
(which still reads anything else, and refuses what it always refused)."""


def _typed(value: str, kind: str) -> Any:
    if kind == "int":
        return int(value)
    if _ISO_SHAPE[kind].fullmatch(value):
        if kind == "time":
            return time.fromisoformat(value)
        parsed = datetime.fromisoformat(value)
        return parsed.date() if kind == "date" else parsed
    parsed = datetime.strptime(value, DATE_FORMATS[kind][0])
    if kind == "date":
        return parsed.date()
    if kind == "time":
        return parsed.time()
    return parsed


_T = '<t xml:space="preserve">'
_EPOCH = datetime(1899, 12, 30)


def _serial(value: date | time | datetime) -> str:
    """Excel's serial number of a date, time or date-time (days since 1899-12-30)."""
    if isinstance(value, time):
        seconds = value.hour * 3600 + value.minute * 60 + value.second
        return repr(seconds / 86400)
    moment = value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
    delta = moment - _EPOCH
    days = delta.days + delta.seconds / 86400
    return str(int(days)) if days.is_integer() else repr(days)


def _column(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _openpyxl_workbook(table: Table) -> tuple[bytes, dict[str, str]]:
    """The workbook openpyxl writes for this table's header and one row of each date
    kind; and the style index openpyxl gave each kind."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(table.name[:31])
    sheet.append(table.header)
    samples = []
    for kind, (_, number_format) in DATE_FORMATS.items():
        cell = WriteOnlyCell(sheet, datetime(2000, 1, 1))
        cell.number_format = number_format
        samples.append((kind, cell))
    sheet.append([cell for _, cell in samples])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
    styles = {}
    for index, (kind, _) in enumerate(samples):
        found = re.search(rf'<c r="{_column(index)}2" s="(\d+)"', xml)
        styles[kind] = found.group(1) if found else "0"
    return buffer.getvalue(), styles


def xlsx_bytes(table: Table, options: CellOptions, moment: datetime | None = None) -> bytes:
    """The table as a one-sheet workbook.

    openpyxl writes the workbook (its parts, styles and number formats, and the
    sheet's frame); the rows are then streamed into that sheet in the XML openpyxl
    itself writes (inline strings, numbers, styled date serials), because openpyxl's
    own cells cost ~12 µs each: 2 to 5 s for 10,000 notes instead of well under one."""
    too_long = [
        f"{label}, column {column}"
        for cells, label in zip(table.rows, table.labels, strict=True)
        if max(map(len, cells), default=0) > EXCEL_MAX_CELL  # a row at C speed; its cells if so
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
    frame, styles = _openpyxl_workbook(table)
    columns = [_column(index) for index in range(len(table.header))]
    kinds = [table.kinds.get(column, "") for column in table.header]

    def rows() -> Iterator[str]:
        for number, cells in enumerate([table.header, *table.rows], start=1):
            parts = [f'<row r="{number}">']
            for column, kind, value in zip(columns, kinds if number > 1 else blank, cells, strict=True):
                if not value:
                    continue
                if kind:
                    try:
                        typed = _typed(value, kind)
                    except ValueError:
                        kind = ""
                    else:
                        if kind == "int":
                            parts.append(f'<c r="{column}{number}" t="n"><v>{typed}</v></c>')
                        else:
                            style = styles[kind]
                            parts.append(
                                f'<c r="{column}{number}" s="{style}" t="n"><v>{_serial(typed)}</v></c>'
                            )
                        continue
                text = escape_text(flatten(value) if options.flatten_newlines else value)
                parts.append(f'<c r="{column}{number}" t="inlineStr"><is>{_T}{text}</t></is></c>')
            parts.append("</row>")
            yield "".join(parts)

    blank = [""] * len(columns)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(frame)) as source:
        infos = source.infolist()
        target = ZipWriter(out, moment or datetime(*infos[0].date_time))
        for info in infos:
            content = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                xml = content.decode("utf-8")
                start = xml.index("<sheetData>") + len("<sheetData>")
                with target.stream(info.filename) as sink:
                    sink.write(xml[:start].encode("utf-8"))
                    batch: list[str] = []
                    for row in rows():
                        batch.append(row)
                        if len(batch) == 1000:
                            sink.write("".join(batch).encode("utf-8"))
                            batch.clear()
                    sink.write("".join(batch).encode("utf-8"))
                    sink.write(xml[xml.index("</sheetData>") :].encode("utf-8"))
                continue
            if info.filename == "docProps/core.xml" and moment is not None:
                content = _CORE_DATES.sub(
                    rb"\g<1>" + moment.strftime("%Y-%m-%dT%H:%M:%SZ").encode() + rb"\3", content
                )
            target.add(info.filename, content)
        target.close()
    return out.getvalue()


_CORE_DATES = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)")


def write_xlsx(
    table: Table, folder: Path, options: CellOptions, report: ExportReport, moment: datetime | None = None
) -> Path:
    path = folder / f"{table.name}.xlsx"
    atomic_write_bytes(path, xlsx_bytes(table, options, moment))
    report.wrote(path, plural(len(table.rows), "row"))
    return path


def _nearest_second(value: datetime | time) -> datetime | time:
    if isinstance(value, time):
        moment = _nearest_second(datetime.combine(date(2000, 1, 1), value))
        assert isinstance(moment, datetime)
        return moment.time()
    return (value + timedelta(microseconds=500_000)).replace(microsecond=0)


def cell_text(value: Any, kind: str = "") -> str:
    """A cell read back from a workbook, as the text the CSV would have held."""
    if value is None:
        return ""
    if isinstance(value, datetime | time):  # a serial read back may land a microsecond early
        value = _nearest_second(value)
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
