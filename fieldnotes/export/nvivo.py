"""`export nvivo`: a folder NVivo takes in as a dataset and classification sheets.

CSV as peers get it wrong: UTF-8 with a BOM, CRLF row endings, every field
quoted, line breaks inside fields kept (or flattened to ' ¶ ' on request), and
cells a spreadsheet would run as formulas reported (or neutralised on request).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from fieldnotes.export.common import (
    ExportReport,
    InformantCase,
    Progress,
    flatten,
    informant_cases,
    looks_like_formula,
    plural,
    prepare_folder,
)
from fieldnotes.files import atomic_write_bytes
from fieldnotes.model import Code, Note, Organization
from fieldnotes.text import tag_key

if TYPE_CHECKING:
    from fieldnotes.export.job import ExportJob

NOTES_CSV = "notes.csv"
ORGS_CSV = "organizations.csv"
INFORMANTS_CSV = "informants.csv"
CODEBOOK_CSV = "codebook.csv"
HOWTO = "HOW-TO-IMPORT.txt"
FILES = [NOTES_CSV, ORGS_CSV, INFORMANTS_CSV, CODEBOOK_CSV, HOWTO]

CLASSIFYING = [
    "kind",
    "date",
    "time",
    "end",
    "duration_minutes",
    "location",
    "organizations",
    "organization_types",
    "codes",
    "people",
    "host",
    "agenda",
    "event_type",
    "organizers",
    "informant",
    "informant_role",
    "interview_format",
    "consent",
    "recording_ref",
    "created",
    "updated",
]
CODABLE = ["title", "body", "memo", "followups"]
NOTE_HEADER = ["note_id", *CLASSIFYING, *CODABLE]
CODE_COLUMN_PREFIX = "code: "
NVIVO_MAX_COLUMNS = 256
JOIN = "; "


@dataclass(frozen=True)
class CsvOptions:
    flatten_newlines: bool = False
    excel_safe: bool = False
    code_columns: bool = False
    force: bool = False
    include_private: bool = False


def note_row(note: Note, org_types: dict[str, str]) -> dict[str, str]:
    """One note as notes.csv cells (before flattening or formula checks)."""
    start = note.start_dt
    end = note.end_dt
    duration = note.duration_minutes
    types = sorted({org_types.get(tag_key(org), "") for org in note.organizations} - {""})
    return {
        "note_id": note.id,
        "kind": note.kind,
        "date": f"{start:%Y-%m-%d}",
        "time": f"{start:%H:%M}",
        "end": f"{end:%Y-%m-%d %H:%M}" if end else "",
        "duration_minutes": "" if duration is None else str(duration),
        "location": note.location,
        "organizations": JOIN.join(note.organizations),
        "organization_types": JOIN.join(types),
        "codes": JOIN.join(note.codes),
        "people": JOIN.join(note.people),
        "host": note.host,
        "agenda": note.agenda,
        "event_type": note.event_type,
        "organizers": JOIN.join(note.organizers),
        "informant": note.informant,
        "informant_role": note.informant_role,
        "interview_format": note.interview_format,
        "consent": note.consent,
        "recording_ref": note.recording_ref,
        "created": note.created,
        "updated": note.updated,
        "title": note.title,
        "body": note.body,
        "memo": note.memo,
        "followups": note.followups,
        "private": note.private,
    }


class _Sheet:
    """One CSV file being built in memory, with the cell hygiene applied."""

    def __init__(self, name: str, header: list[str], options: CsvOptions, report: ExportReport) -> None:
        self.name = name
        self.options = options
        self.report = report
        self.buffer = io.StringIO(newline="")
        self.writer = csv.writer(self.buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        self.writer.writerow(header)
        self.header = header
        self.rows = 0
        self.formulas: list[str] = []

    def add(self, cells: list[str], label: str) -> None:
        self.rows += 1
        out = []
        for column, cell in zip(self.header, cells, strict=True):
            if self.options.flatten_newlines:
                cell = flatten(cell)
            if looks_like_formula(cell):
                self.formulas.append(f"row {self.rows + 1} ({label}), column {column}")
                if self.options.excel_safe:
                    cell = "'" + cell
            out.append(cell)
        self.writer.writerow(out)

    def finish(self, folder: Path) -> None:
        data = self.buffer.getvalue().encode("utf-8-sig")
        atomic_write_bytes(folder / self.name, data)
        self.report.wrote(folder / self.name, plural(self.rows, "row"))
        if self.formulas:
            shown = "; ".join(self.formulas[:5]) + (" …" if len(self.formulas) > 5 else "")
            action = (
                "prefixed with ' (--excel-safe)"
                if self.options.excel_safe
                else ("kept exactly; a spreadsheet may run them as formulas (use --excel-safe to neutralise)")
            )
            self.report.warnings.append(
                f"{self.name}: {len(self.formulas)} cell(s) start with = + - or @, {action}: {shown}"
            )


def write_folder(
    folder: Path, job: ExportJob, options: CsvOptions, progress: Progress | None = None
) -> ExportReport:
    notes, orgs, codes = job.notes, job.organizations, job.codes
    prepare_folder(folder, FILES, options.force)
    report = ExportReport(notes=len(notes))
    org_types = {tag_key(org.name): org.type for org in orgs}
    code_names = [code.name for code in codes]
    columns = NOTE_HEADER + (["private"] if options.include_private else [])
    header = list(columns)
    if options.code_columns:
        header += [CODE_COLUMN_PREFIX + name for name in code_names]
    if len(header) > NVIVO_MAX_COLUMNS:
        report.warnings.append(
            f"{NOTES_CSV} has {len(header)} columns; NVivo imports at most {NVIVO_MAX_COLUMNS}"
        )
    sheet = _Sheet(NOTES_CSV, header, options, report)
    code_keys = [tag_key(name) for name in code_names]
    for index, note in enumerate(notes):
        row = note_row(note, org_types)
        cells = [row[column] for column in columns]
        if options.code_columns:
            tagged = {tag_key(code) for code in note.codes}
            cells += ["1" if key in tagged else "0" for key in code_keys]
        sheet.add(cells, f"note {note.id[:8]}")
        if progress and index % 500 == 0:
            progress(index, len(notes))
    sheet.finish(folder)

    _organizations_sheet(notes, orgs, options, report).finish(folder)
    _informants_sheet(informant_cases(notes, job.informants), options, report).finish(folder)
    _codebook_sheet(notes, codes, options, report).finish(folder)
    atomic_write_bytes(folder / HOWTO, how_to(report, options).encode("utf-8"))
    report.wrote(folder / HOWTO, "the steps in NVivo")
    if progress:
        progress(len(notes), len(notes))
    return report


def _organizations_sheet(
    notes: list[Note], orgs: list[Organization], options: CsvOptions, report: ExportReport
) -> _Sheet:
    header = ["organization", "type", "first_contact", "last_contact", "meetings", "events", "interviews"]
    sheet = _Sheet(ORGS_CSV, header, options, report)
    seen: dict[str, list[Note]] = {}
    for note in notes:
        for org in note.organizations:
            seen.setdefault(tag_key(org), []).append(note)
    for org in orgs:
        tagged = seen.get(tag_key(org.name), [])
        if not tagged:
            continue
        kinds = Counter(note.kind for note in tagged)
        dates = sorted(note.start[:10] for note in tagged)
        sheet.add(
            [
                org.name,
                org.type,
                dates[0],
                dates[-1],
                str(kinds["meeting"]),
                str(kinds["event"]),
                str(kinds["interview"]),
            ],
            org.name,
        )
    return sheet


def _informants_sheet(cases: list[InformantCase], options: CsvOptions, report: ExportReport) -> _Sheet:
    header = ["pseudonym", "role", "organization", "consent", "interviews"]
    sheet = _Sheet(INFORMANTS_CSV, header, options, report)
    for case in cases:
        cells = [case.pseudonym, case.role, case.organization, case.consent, str(len(case.interviews))]
        sheet.add(cells, case.pseudonym)
    return sheet


def _codebook_sheet(
    notes: list[Note], codes: list[Code], options: CsvOptions, report: ExportReport
) -> _Sheet:
    header = ["code", "parent", "description", "origin", "first_used", "notes"]
    sheet = _Sheet(CODEBOOK_CSV, header, options, report)
    uses: dict[str, list[str]] = {}
    for note in notes:
        for code in note.codes:
            uses.setdefault(tag_key(code), []).append(note.start[:10])
    for code in codes:
        dates = sorted(uses.get(tag_key(code.name), []))
        sheet.add(
            [
                code.name,
                code.parent,
                code.description,
                code.origin,
                dates[0] if dates else "",
                str(len(dates)),
            ],
            code.name,
        )
    return sheet


def _count(report: ExportReport, name: str) -> str:
    for path, what in report.files:
        if path.name == name:
            return what
    return plural(0, "row")


def how_to(report: ExportReport, options: CsvOptions) -> str:
    rows: Iterable[tuple[str, str]] = ((name, _count(report, name)) for name in FILES[:4])
    listing = "\n".join(f"  {name:<20} {what}" for name, what in rows)
    codable = ", ".join(CODABLE)
    formulas = (
        "prefixed with an apostrophe (--excel-safe)"
        if options.excel_safe
        else "kept exactly: a spreadsheet may run them as formulas"
    )
    newlines = "flattened to ' ¶ ' (--flatten-newlines)" if options.flatten_newlines else "kept"
    return f"""\
Importing this folder into NVivo
================================

This folder was written by fieldnotes:
{listing}

All files are UTF-8 with a byte-order mark, comma-separated, every field in
double quotes, one header row. Dates are YYYY-MM-DD, times HH:MM.

1. Your notes as a dataset: {NOTES_CSV}
   - NVivo (Windows): Import tab > Dataset. NVivo (Mac): File > Import > Dataset.
   - Pick {NOTES_CSV}. Encoding: UTF-8 (the wizard usually detects it).
   - Delimiter: comma. Text qualifier: double quote ("). First row contains
     field names.
   - Date format: YYYY-MM-DD; time format HH:MM (24-hour).
   - On the field page, make these columns CODABLE: {codable}.
     Leave every other column CLASSIFYING. You cannot change this after the
     import, nor add rows or columns later: re-export and re-import instead.
   - The note_id column is stable: use it to autocode one case per note.
     Select the dataset > Autocode > "Create cases ... from values in a column"
     to make cases per note_id, per organization or per informant.
   - If the preview shows rows broken at line breaks, export again with
     --flatten-newlines: line breaks inside a cell become " ¶ ". (To bring
     such a file back into fieldnotes: fieldnotes import --unflatten-newlines.)

2. Organizations as cases with attributes: {ORGS_CSV}
   - Import tab > Classification Sheets (Mac: File > Import > Classification Sheets).
   - Classification type: Case classification. Create a classification, e.g.
     "Organization", or pick the one you have.
   - The first column holds the case names; the first row the attribute names.
   - Tick: Create new attributes if they do not exist; Update the
     classification of existing cases; Create cases if they do not exist.
   - Date attributes (first_contact, last_contact) are YYYY-MM-DD.

3. Interview informants: {INFORMANTS_CSV}
   - The same steps as 2, with a classification such as "Informant".
   - Informants appear under their pseudonyms only.

4. The codebook: {CODEBOOK_CSV}
   - A table of your codes: parent, description, origin (deductive or
     inductive), first use and number of notes. NVivo cannot import codes from
     CSV; to bring the codes in as nodes, run `fieldnotes export qdc codes.qdc`
     and use Import > Codebook, or `fieldnotes export qdpx` for a whole project
     (ATLAS.ti, MAXQDA and QualCoder read it too).

Cells that start with = + - or @ were {formulas}.
Line breaks inside cells were {newlines}.
"""
