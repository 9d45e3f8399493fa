"""`export nvivo`: a folder NVivo takes in as a dataset and classification sheets.

The same tables as CSV or as `.xlsx` (`sheets.py` says how each is written):
the notes (the dataset), organizations and informants (case classification
sheets), the codebook, two long relation sheets, note_id by organization
and note_id by code, so NVivo can make one case per organization or code; and
the fieldwork between the notes: the recorded ties (one row per tie), the
follow-up items, the analytic memos, and the codebook's history.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from fieldnotes.export.common import (
    ExportReport,
    InformantCase,
    OrgTypes,
    Progress,
    informant_cases,
    plural,
    prepare_folder,
    staged_folder,
)
from fieldnotes.export.sheets import DATES_IN_WORDS, CellOptions, Table, write_csv, write_xlsx
from fieldnotes.files import atomic_write_bytes
from fieldnotes.model import Code, Note, Organization
from fieldnotes.text import tag_key

if TYPE_CHECKING:
    from fieldnotes.codebook_history import HistoryEntry
    from fieldnotes.export.job import ExportJob
    from fieldnotes.followups import Followup
    from fieldnotes.memos import Memo

NOTES = "notes"
ORGANIZATIONS = "organizations"
INFORMANTS = "informants"
CODEBOOK = "codebook"
NOTE_ORGANIZATIONS = "note_organizations"
NOTE_CODES = "note_codes"
NOTE_TIES = "note_ties"
FOLLOWUPS = "followups"
MEMOS = "memos"
HISTORY = "codebook-history"
SHEETS = [
    NOTES,
    ORGANIZATIONS,
    INFORMANTS,
    CODEBOOK,
    NOTE_ORGANIZATIONS,
    NOTE_CODES,
    NOTE_TIES,
    FOLLOWUPS,
    MEMOS,
    HISTORY,
]
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
    "ties",
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


def note_cells(note: Note, org_types: OrgTypes, include_private: bool) -> list[str]:
    """One note as notes.csv cells, in NOTE_HEADER's order (then `private` if included),
    before flattening or formula checks."""
    start = note.start_dt
    end = note.end_dt
    day, _, clock = _minutes(start).partition(" ")  # not by position: a year before 1000 is short
    cells = [
        note.id,
        note.kind,
        day,
        clock,
        _minutes(end) if end else "",
        "" if end is None else str(int((end - start).total_seconds() // 60)),  # duration_minutes
        note.location,
        JOIN.join(note.organizations),
        JOIN.join(org_types.of(note)),
        JOIN.join(note.codes),
        JOIN.join(note.people),
        note.host,
        note.agenda,
        note.event_type,
        JOIN.join(note.organizers),
        JOIN.join(note.ties),
        note.informant,
        note.informant_role,
        note.interview_format,
        note.consent,
        note.recording_ref,
        _stamp_cell(note.created),
        _stamp_cell(note.updated),
        note.title,
        note.body,
        note.memo,
        note.followups,
    ]
    if include_private:
        cells.append(note.private)
    return cells


def _minutes(moment: datetime) -> str:
    """`YYYY-MM-DD HH:MM`, as `strftime` writes it (`isoformat` is three times faster; it
    pads a year before 1000 where strftime does not, and adds an offset, cut off here)."""
    return moment.isoformat(" ", "minutes")[:16] if moment.year >= 1000 else f"{moment:%Y-%m-%d %H:%M}"


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
    org_types = OrgTypes(orgs)
    code_names = [code.name for code in codes]
    header = NOTE_HEADER + (["private"] if options.include_private else [])
    if options.code_columns:
        header += [CODE_COLUMN_PREFIX + name for name in code_names]
    table = Table(NOTES, header, NOTE_KINDS)
    code_keys = [tag_key(name) for name in code_names]
    for note in notes:
        cells = note_cells(note, org_types, options.include_private)
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
        raise job.nothing_to_export()
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
        ties_table(notes, orgs),
        followups_table(job.followups),
        memos_table(job.memos, notes),
        history_table(job.history),
    ]
    if progress:
        progress(len(notes) // 2, len(notes))
    cells = CellOptions(options.flatten_newlines, options.excel_safe)
    with staged_folder(folder, report, before_rename=job.settled) as staging:
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
    # One pass over the notes: per organization (by key), its first and last date and a
    # count per kind.
    first: dict[str, str] = {}
    last: dict[str, str] = {}
    kinds_seen: dict[str, Counter[str]] = {}
    for note in notes:
        day = note.start[:10]
        for org in note.organizations:
            key = tag_key(org)  # remembered (lru_cache): notes repeat their tags
            if key in kinds_seen:
                kinds_seen[key][note.kind] += 1
                if day < first[key]:
                    first[key] = day
                elif day > last[key]:
                    last[key] = day
            else:
                kinds_seen[key] = Counter((note.kind,))
                first[key] = last[key] = day
    for org in orgs:
        key = tag_key(org.name)
        counts = kinds_seen.get(key)
        if counts is None:
            continue
        table.add(
            [
                org.name,
                org.type,
                first[key],
                last[key],
                str(counts["meeting"]),
                str(counts["event"]),
                str(counts["interview"]),
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
    first: dict[str, str] = {}
    uses: Counter[str] = Counter()
    for note in notes:
        day = note.start[:10]
        for code in note.codes:
            key = tag_key(code)  # remembered (lru_cache): notes repeat their tags
            uses[key] += 1
            if key not in first or day < first[key]:
                first[key] = day
    for code in codes:
        key = tag_key(code.name)
        table.add(
            [
                code.name,
                code.parent,
                code.description,
                code.origin,
                first.get(key, ""),
                str(uses[key]),
            ],
            code.name,
        )
    return table


def ties_table(notes: list[Note], orgs: list[Organization]) -> Table:
    """One row per recorded tie: the note, its date, the two organizations, type, intensity."""
    from fieldnotes.reports import recorded_ties

    header = ["note_id", "date", "organization_a", "organization_b", "tie_type", "intensity"]
    table = Table(NOTE_TIES, header, {"date": "date", "intensity": "int"})
    for note, tie in recorded_ties(notes, orgs):
        table.add(
            [note.id, note.start[:10], tie.a, tie.b, tie.type, str(tie.intensity)], f"note {note.id[:8]}"
        )
    return table


def followups_table(items: list[Followup]) -> Table:
    """Every follow-up item of the exported notes: open or done, due, whom it concerns."""
    header = ["followup_id", "note_id", "note_date", "text", "status", "due", "concerns", "done_at"]
    table = Table(FOLLOWUPS, header, {"note_date": "date", "due": "date", "done_at": "stamp"})
    for item in items:
        table.add(
            [
                item.short_id,
                item.note_id,
                item.note_start[:10],
                item.text,
                item.status,
                item.due,
                item.concerns,
                _stamp_cell(item.done_at),
            ],
            f"follow-up {item.short_id}",
        )
    return table


def memos_table(memos: list[Memo], notes: list[Note]) -> Table:
    """The analytic memos, one a row; `about` lists the links (a note by its id)."""
    header = ["memo_id", "title", "type", "about", "author", "created", "updated", "body"]
    table = Table(MEMOS, header, {"created": "stamp", "updated": "stamp"})
    for memo in memos:
        table.add(
            [
                memo.guid,
                memo.title,
                memo.type,
                JOIN.join(memo.about),
                memo.author,
                _stamp_cell(memo.created),
                _stamp_cell(memo.updated),
                memo.body,
            ],
            f"memo {memo.guid[:8]}",
        )
    return table


def history_table(entries: list[HistoryEntry]) -> Table:
    """The codebook's audit trail (codebook-history): every change, when, by whom, why."""
    header = ["when", "code", "action", "before", "after", "reason", "author", "note_id"]
    table = Table(HISTORY, header, {"when": "stamp"})
    for entry in entries:
        table.add(
            [
                _stamp_cell(entry.when),
                entry.code,
                entry.action,
                entry.before,
                entry.after,
                entry.reason,
                entry.author,
                entry.note_id,
            ],
            f"history of {entry.code}",
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
   {HISTORY}{ext} is the codebook's audit trail: every code created, renamed,
   merged, moved or redefined, its first use by a note, when, by whom and why.

6. The fieldwork between the notes: {NOTE_TIES}{ext}, {FOLLOWUPS}{ext}, {MEMOS}{ext}
   {NOTE_TIES}{ext}: one row per collaboration tie recorded on a meeting or
   event (organization_a, organization_b, tie_type, intensity 1-5). Import it
   as a dataset (all columns CLASSIFYING) to code ties at organization cases;
   for a network, `fieldnotes report ties --graphml ties.graphml` opens in Gephi.
   {FOLLOWUPS}{ext}: each follow-up item, open or done, with its due date.
   {MEMOS}{ext}: the analytic memos, their type and what each is about. In
   NVivo, create a memo per row (Create > Memo) or import the .qdpx, where each
   is a memo linked to its codes and sources.
{csv_only}
Line breaks inside cells were {newlines}.
"""
