"""`export nvivo`: a folder NVivo takes in as a dataset and classification sheets.

The same six tables as CSV or as `.xlsx` (`sheets.py` says how each is written):
the notes (the dataset), organizations and informants (case classification
sheets), the codebook, and two long relation sheets, note_id by organization
and note_id by code, so NVivo can make one case per organization or code.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from fieldnotes.export.common import (
    ExportReport,
    InformantCase,
    Progress,
    informant_cases,
    nothing_to_export,
    plural,
    prepare_folder,
    staged_folder,
)
from fieldnotes.export.sheets import DATES_IN_WORDS, CellOptions, Table, write_csv, write_xlsx
from fieldnotes.files import atomic_write_bytes
from fieldnotes.model import Code, Note, Organization
from fieldnotes.text import tag_key

if TYPE_CHECKING:
    from fieldnotes.export.job import ExportJob

NOTES = "notes"
ORGANIZATIONS = "organizations"
INFORMANTS = "informants"
CODEBOOK = "codebook"
NOTE_ORGANIZATIONS = "note_organizations"
NOTE_CODES = "note_codes"
SHEETS = [NOTES, ORGANIZATIONS, INFORMANTS, CODEBOOK, NOTE_ORGANIZATIONS, NOTE_CODES]
HOWTO = "HOW-TO-IMPORT.txt"
FORMATS = ("csv", "xlsx")

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
    format: str = "csv"  # or "xlsx"


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
        "created": _stamp_cell(note.created),
        "updated": _stamp_cell(note.updated),
        "title": note.title,
        "body": note.body,
        "memo": note.memo,
        "followups": note.followups,
        "private": note.private,
    }


def _stamp_cell(stamp: str) -> str:
    """A stored stamp (2016-01-17T08:30:00) in the exports' one format (2016-01-17 08:30:00)."""
    return stamp.replace("T", " ")


NOTE_KINDS = {
    "date": "date",
    "time": "time",
    "end": "datetime",
    "duration_minutes": "int",
    "created": "stamp",
    "updated": "stamp",
}


def notes_table(notes: list[Note], orgs: list[Organization], codes: list[Code], options: CsvOptions) -> Table:
    """The dataset: one row per note."""
    org_types = {tag_key(org.name): org.type for org in orgs}
    code_names = [code.name for code in codes]
    columns = NOTE_HEADER + (["private"] if options.include_private else [])
    header = list(columns)
    if options.code_columns:
        header += [CODE_COLUMN_PREFIX + name for name in code_names]
    table = Table(NOTES, header, NOTE_KINDS)
    code_keys = [tag_key(name) for name in code_names]
    for note in notes:
        row = note_row(note, org_types)
        cells = [row[column] for column in columns]
        if options.code_columns:
            tagged = {tag_key(code) for code in note.codes}
            cells += ["1" if key in tagged else "0" for key in code_keys]
        table.add(cells, f"note {note.id[:8]}")
    return table


def relation_table(name: str, column: str, notes: list[Note], field_name: str) -> Table:
    """A long sheet, one row per note and organization (or code): one case per organization
    in NVivo, where the notes sheet holds all of a note's organizations in one cell."""
    table = Table(name, ["note_id", column])
    for note in notes:
        for value in getattr(note, field_name):
            table.add([note.id, value], f"note {note.id[:8]}")
    return table


def write_folder(
    folder: Path, job: ExportJob, options: CsvOptions, progress: Progress | None = None
) -> ExportReport:
    notes, orgs, codes = job.notes, job.organizations, job.codes
    if not notes:
        raise nothing_to_export()
    extension = f".{options.format}"
    prepare_folder(folder, [name + extension for name in SHEETS] + [HOWTO], options.force)
    report = ExportReport(notes=len(notes), format=f"nvivo-{options.format}", target=folder)
    report.note_ids = [note.id for note in notes]
    header = NOTE_HEADER + (["private"] if options.include_private else [])
    if len(header) + (len(codes) if options.code_columns else 0) > NVIVO_MAX_COLUMNS:
        report.warnings.append(
            f"{NOTES}{extension} has more than {NVIVO_MAX_COLUMNS} columns; NVivo imports at most "
            f"{NVIVO_MAX_COLUMNS}"
        )
    tables = [
        notes_table(notes, orgs, codes, options),
        organizations_table(notes, orgs),
        informants_table(informant_cases(notes, job.informants)),
        codebook_table(notes, codes),
        relation_table(NOTE_ORGANIZATIONS, "organization", notes, "organizations"),
        relation_table(NOTE_CODES, "code", notes, "codes"),
    ]
    if progress:
        progress(len(notes) // 2, len(notes))
    cells = CellOptions(options.flatten_newlines, options.excel_safe)
    with staged_folder(folder, report) as staging:
        for table in tables:
            if options.format == "xlsx":
                write_xlsx(table, staging, cells, report)
            else:
                write_csv(table, staging, cells, report)
        atomic_write_bytes(staging / HOWTO, how_to(report, options).encode("utf-8"))
        report.wrote(staging / HOWTO, "the steps in NVivo")
    if progress:
        progress(len(notes), len(notes))
    return report


def organizations_table(notes: list[Note], orgs: list[Organization], first: str = "organization") -> Table:
    """Organizations as cases: a case classification sheet (case name first)."""
    header = [first, "type", "first_contact", "last_contact", "meetings", "events", "interviews"]
    kinds = {"first_contact": "date", "last_contact": "date", "meetings": "int", "events": "int"}
    table = Table(ORGANIZATIONS, header, {**kinds, "interviews": "int"})
    seen: dict[str, list[Note]] = {}
    for note in notes:
        for org in note.organizations:
            seen.setdefault(tag_key(org), []).append(note)
    for org in orgs:
        tagged = seen.get(tag_key(org.name), [])
        if not tagged:
            continue
        kinds_seen = Counter(note.kind for note in tagged)
        dates = sorted(note.start[:10] for note in tagged)
        table.add(
            [
                org.name,
                org.type,
                dates[0],
                dates[-1],
                str(kinds_seen["meeting"]),
                str(kinds_seen["event"]),
                str(kinds_seen["interview"]),
            ],
            org.name,
        )
    return table


def informants_table(cases: list[InformantCase], first: str = "pseudonym") -> Table:
    """Informants as cases, by pseudonym only."""
    table = Table(INFORMANTS, [first, "role", "organization", "consent", "interviews"], {"interviews": "int"})
    for case in cases:
        table.add(
            [case.pseudonym, case.role, case.organization, case.consent, str(len(case.interviews))],
            case.pseudonym,
        )
    return table


def codebook_table(notes: list[Note], codes: list[Code]) -> Table:
    header = ["code", "parent", "description", "origin", "first_used", "notes"]
    table = Table(CODEBOOK, header, {"first_used": "date", "notes": "int"})
    uses: dict[str, list[str]] = {}
    for note in notes:
        for code in note.codes:
            uses.setdefault(tag_key(code), []).append(note.start[:10])
    for code in codes:
        dates = sorted(uses.get(tag_key(code.name), []))
        table.add(
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
    return table


def _count(report: ExportReport, name: str) -> str:
    for path, what in report.files:
        if path.name == name:
            return what
    return plural(0, "row")


def how_to(report: ExportReport, options: CsvOptions) -> str:
    ext = f".{options.format}"
    listing = "\n".join(f"  {name + ext:<24} {_count(report, name + ext)}" for name in SHEETS)
    codable = ", ".join(CODABLE)
    if options.format == "xlsx":
        files = (
            "Excel workbooks (.xlsx), one sheet each, the field names in the first row. Text\n"
            "cells are stored as text (never run as formulas) and keep their line breaks;\n"
            "dates are real date cells shown as yyyy-mm-dd."
        )
        sheets_note = "Windows and Mac both read the .xlsx classification sheets."
    else:
        files = (
            "CSV: UTF-8 with a byte-order mark, comma-separated, every field in double\n"
            "quotes, the field names in the first row."
        )
        sheets_note = (
            "NVivo for Windows imports classification sheets from Excel or tab-separated\n"
            "      text only, not CSV: on Windows, export again with --format xlsx for this\n"
            "      step. NVivo for Mac imports the .csv (UTF-8) directly."
        )
    formulas = (
        "prefixed with an apostrophe (--excel-safe)"
        if options.excel_safe
        else "kept exactly: a spreadsheet may run them as formulas"
    )
    newlines = "flattened to ' ¶ ' (--flatten-newlines)" if options.flatten_newlines else "kept"
    csv_only = "" if options.format == "xlsx" else f"\nCells that start with = + - or @ were {formulas}."
    return f"""\
Importing this folder into NVivo 14 or 15 (Windows or Mac)
=========================================================

This folder was written by fieldnotes:
{listing}

Files: {files}
{DATES_IN_WORDS}.

Menus: Windows has an Import tab on the ribbon; on a Mac use the Import tab or
File > Import. Both lead to the same wizards.

1. Your notes as a dataset: {NOTES}{ext}
   a. Import > Dataset. Pick {NOTES}{ext}.
      (If the file dialog does not offer .csv files, export again with --format xlsx.)
   b. CSV only: encoding UTF-8 (the wizard usually detects it); delimiter comma;
      text qualifier double quote ("); first row contains field names.
   c. Dates: YYYY-MM-DD; times: HH:MM (24-hour); date-times YYYY-MM-DD HH:MM.
      If the wizard asks for a date format, choose year-month-day.
   d. On the field page make these columns CODABLE: {codable}.
      Leave every other column CLASSIFYING. This cannot be changed after the
      import, and a dataset cannot take new rows or columns later: for new
      fieldwork, re-export and import a new dataset, or use
      `fieldnotes export documents DIR --new-only`, which adds documents to a
      running project.
   e. Select the dataset > Auto Code > "code at cases for each value in a
      column" and choose note_id: one case per note.
   f. If the preview shows rows broken at line breaks, export again with
      --flatten-newlines (line breaks inside a cell become " ¶ "; to bring
      such a file back: fieldnotes import --unflatten-newlines).

2. Organizations as cases with attributes: {ORGANIZATIONS}{ext}
   a. Import > Classification Sheets.
      {sheets_note}
   b. Classification type: Case classification; create "Organization" (or pick
      yours).
   c. Tick: Create new attributes if they do not exist; Update the
      classification of existing cases; Create cases if they do not exist.
   d. The first column holds the case names, the first row the attribute names.
      first_contact and last_contact are dates (YYYY-MM-DD).

3. Interview informants: {INFORMANTS}{ext}
   The same steps as 2, with a classification such as "Informant". Informants
   appear under their pseudonyms only.

4. One case per organization: {NOTE_ORGANIZATIONS}{ext}
   A long sheet, one row per note and organization (note_id, organization),
   where {NOTES}{ext} holds all of a note's organizations in one cell.
   a. Import > Dataset, pick {NOTE_ORGANIZATIONS}{ext}; both columns CLASSIFYING.
   b. Auto Code it: "code at cases for each value in a column", column
      organization: one case per organization, holding its notes' ids. Together
      with the note_id cases of step 1e this links each organization to its notes.
   For the text of each note coded at its organizations' cases directly, import
   `fieldnotes export qdpx` (cases linked to sources) or `fieldnotes export
   documents` instead.

5. Codes: {CODEBOOK}{ext} and {NOTE_CODES}{ext}
   {CODEBOOK}{ext} lists your codes: parent, description, origin (deductive or
   inductive), first use and number of notes; {NOTE_CODES}{ext} has one row per
   note and code. NVivo does not read codes from a sheet: for the codes as
   nodes, run `fieldnotes export qdc codes.qdc` and use Import > Codebook, or
   `fieldnotes export qdpx` for a whole project with every coding.
{csv_only}
Line breaks inside cells were {newlines}.
"""
