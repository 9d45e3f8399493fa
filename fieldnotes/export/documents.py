"""`export documents`: field notes the way NVivo users bring them in.

    DIR/documents/2016-01-17 Coalition monthly (1a2b3c4d).docx   one per note: header, then body
    DIR/file-classification.txt and .xlsx                        keyed by those document names
    DIR/organizations.txt and .xlsx, DIR/informants.txt and .xlsx  the case sheets
    DIR/HOW-TO-IMPORT.txt

NVivo names an imported document after its file (without the extension), and
a file classification sheet is matched to documents by that name, so both come
from `names.unique_names`. New documents can be added to a running NVivo project
at any time (a dataset cannot take new rows): `--new-only` in the service writes
only the notes no earlier documents export carried (the export ledger).

`.txt` documents are UTF-8 with a byte-order mark (so NVivo for Windows does not
read them as the local code page) and CRLF line endings. `.docx` documents use a
template made once with python-docx (its default styles, trimmed to the ones used);
each document's paragraphs are then written straight into that template, which is
what keeps 10,000 documents within two seconds (python-docx alone takes 16 ms a
document).
"""

from __future__ import annotations

import contextlib
import io
import os
import zipfile
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from fieldnotes.errors import OutputExistsError, ValidationError
from fieldnotes.export.common import (
    ExportReport,
    Progress,
    informant_cases,
    plural,
    prepare_folder,
    staged_folder,
)
from fieldnotes.export.names import unique_names
from fieldnotes.export.nvivo import informants_table, organizations_table
from fieldnotes.export.refi import source_text
from fieldnotes.export.sheets import DATES_IN_WORDS, CellOptions, Table, write_tsv, write_xlsx
from fieldnotes.export.xml_writer import escape_text
from fieldnotes.export.zipwriter import deflate, dos_stamp, end_records, entry_headers
from fieldnotes.files import PRIVATE_FILE, atomic_write_bytes, ensure_private_dir, fsync_dir
from fieldnotes.model import Note

if TYPE_CHECKING:
    from fieldnotes.export.job import ExportJob

FORMATS = ("txt", "docx")
DOCUMENTS = "documents"
FILE_SHEET = "file-classification"
SHEETS = [FILE_SHEET, "organizations", "informants"]
HOWTO = "HOW-TO-IMPORT.txt"
FILE_CLASSIFICATION = "Field note"  # A1 of the file sheet: NVivo reads it as the classification's name
FILE_ATTRIBUTES = ["kind", "date", "organizations", "informant", "consent"]


def document_text(note: Note, include_private: bool) -> str:
    """Header, blank line, body (and the private observations only when asked for): LF."""
    return source_text(note, include_private=include_private)[0]


def file_table(notes: list[Note], names: dict[str, str]) -> Table:
    table = Table(FILE_SHEET, [FILE_CLASSIFICATION, *FILE_ATTRIBUTES], {"date": "date"})
    for note in notes:
        table.add(
            [
                names[note.id],
                note.kind,
                note.start[:10],
                "; ".join(note.organizations),
                note.informant if note.kind == "interview" else "",
                note.consent if note.kind == "interview" else "",
            ],
            names[note.id],
        )
    return table


# ---------------------------------------------------------------------- docx
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_T = '<w:t xml:space="preserve">'


@lru_cache(maxsize=1)
def _docx_template() -> tuple[dict[str, bytes], bytes, bytes]:
    """The parts of a python-docx document with a title paragraph, less the unused
    styles and parts; and document.xml split around where the paragraphs go."""
    import docx

    document = docx.Document()
    document.add_paragraph("", style="Title")
    styles = document.styles.element
    for latent in styles.findall(f"{{{W}}}latentStyles"):
        styles.remove(latent)
    keep = {"Normal", "Title", "TitleChar", "DefaultParagraphFont", "TableNormal", "NoList"}
    for style in list(styles.findall(f"{{{W}}}style")):
        if style.get(f"{{{W}}}styleId") not in keep:
            styles.remove(style)
    part = document.part
    # only what a plain document needs: Word falls back to its defaults for the rest
    unused = (
        "/stylesWithEffects",
        "/webSettings",
        "/numbering",
        "/customXml",
        "/thumbnail",
        "/settings",
        "/fontTable",
        "/theme",
        "/extended-properties",
    )
    for rels in (part.rels, part.package.rels):
        for rel_id, rel in list(rels.items()):
            if rel.reltype.endswith(unused):
                rels.pop(rel_id)
    core = document.core_properties
    core.author = "fieldnotes"
    core.last_modified_by = "fieldnotes"
    core.created = core.modified = datetime(2000, 1, 1)
    core.revision = 1
    buffer = io.BytesIO()
    document.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    body = parts.pop("word/document.xml")
    start = body.index(b"<w:body>") + len(b"<w:body>")
    end = body.index(b"<w:sectPr")
    return parts, body[:start], body[end:]


_TAB = '</w:t><w:tab/><w:t xml:space="preserve">'


def _paragraphs(text: str) -> str:
    """Each line of `text` as a paragraph (a tab as a Word tab), the first in the Title style."""
    lines = escape_text(text, carriage_returns=False).split("\n")
    out = []
    for number, line in enumerate(lines):
        props = '<w:pPr><w:pStyle w:val="Title"/></w:pPr>' if number == 0 else ""
        if line:
            out.append(f"<w:p>{props}<w:r>{_T}{line.replace(chr(9), _TAB)}</w:t></w:r></w:p>")
        else:
            out.append(f"<w:p>{props}</w:p>")
    return "".join(out)


@lru_cache(maxsize=4)
def _packed_template(moment: datetime) -> tuple[bytes, bytes, int, bytes, bytes]:
    """The template's parts deflated and laid out once, document.xml last: only it changes
    from note to note. zipfile can't take deflated data; deflating the same parts again for
    every document cost ~0.5 ms an entry."""
    parts, before, after = _docx_template()
    stamp = dos_stamp(moment)
    local: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for name, content in parts.items():
        data, crc, size = deflate(content)
        head, record = entry_headers(name.encode("ascii"), len(data), crc, size, offset, stamp)
        local += [head, data]
        central.append(record)
        offset += len(head) + len(data)
    return b"".join(local), b"".join(central), len(parts), before, after


def docx_bytes(text: str, moment: datetime) -> bytes:
    """A .docx whose paragraphs are the lines of `text` (LF); the first line in the Title style."""
    static, directory, count, before, after = _packed_template(moment)
    data, crc, size = deflate(before + _paragraphs(text).encode("utf-8") + after)
    head, record = entry_headers(b"word/document.xml", len(data), crc, size, len(static), dos_stamp(moment))
    directory += record
    offset = len(static) + len(head) + len(data)
    return b"".join((static, head, data, directory, end_records(count + 1, len(directory), offset)))


def txt_bytes(text: str) -> bytes:
    return "\ufeff".encode() + text.replace("\n", "\r\n").encode("utf-8")


# --------------------------------------------------------------------- write
def _write_private(path: Path, data: bytes) -> None:
    """A new owner-only file, no fsync yet: the whole folder is synced once at the end.

    A file of the same name is unlinked first, never truncated: in the staging folder
    it is a hard link to the file in the folder being replaced, which must not change."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def write_documents(
    folder: Path,
    job: ExportJob,
    *,
    format: str = "txt",
    force: bool = False,
    moment: datetime | None = None,
    progress: Progress | None = None,
) -> ExportReport:
    if format not in FORMATS:
        raise ValidationError(f"unknown format {format!r}: choose txt or docx", field="format")
    notes = job.notes
    if not notes:
        raise job.nothing_to_export()
    names = unique_names(notes)
    files = {note.id: f"{names[note.id]}.{format}" for note in notes}
    sheet_files = [f"{sheet}.{ext}" for sheet in SHEETS for ext in ("txt", "xlsx")] + [HOWTO]
    prepare_folder(folder, sheet_files, force)
    target = folder / DOCUMENTS
    if target.exists() and not target.is_dir():
        raise OutputExistsError(f"{target} exists and is not a folder")
    clashes = [name for name in files.values() if (target / name).exists()]
    if clashes and not force:
        raise OutputExistsError(
            f"{target} already holds {plural(len(clashes), 'document')} of this export "
            f"(e.g. {clashes[0]}); add --force to replace them, or pick a new folder"
        )
    report = ExportReport(notes=len(notes), format=f"documents-{format}", target=folder)
    report.note_ids = [note.id for note in notes]
    when = moment or datetime.now(UTC).astimezone()
    include_private = job.protections.include_private
    with staged_folder(folder, report, before_rename=job.settled) as staging:
        documents = staging / DOCUMENTS
        ensure_private_dir(documents)
        for index, note in enumerate(notes):
            text = document_text(note, include_private)
            data = docx_bytes(text, when) if format == "docx" else txt_bytes(text)
            _write_private(documents / files[note.id], data)
            if progress and index % 500 == 0:
                progress(index, len(notes))
        sync = getattr(os, "sync", None)
        if sync is not None:
            sync()  # one flush for every document (an fsync per file costs ~1 ms each)
        fsync_dir(documents)
        report.wrote(documents, f"{plural(len(notes), 'document')} (.{format})")
        tables = [
            file_table(notes, names),
            organizations_table(notes, job.organizations, "Organization"),
            informants_table(informant_cases(notes, job.informants), "Informant"),
        ]
        for table in tables:
            write_tsv(table, staging, report)
            write_xlsx(table, staging, CellOptions(), report, moment)
        atomic_write_bytes(staging / HOWTO, how_to(format, len(notes)).encode("utf-8"))
        report.wrote(staging / HOWTO, "the steps in NVivo")
    if progress:
        progress(len(notes), len(notes))
    return report


def how_to(format: str, count: int) -> str:
    return f"""\
Importing field notes into NVivo 14 or 15 as documents (Windows or Mac)
======================================================================

This folder holds {plural(count, "note")} as documents, one per note, in {DOCUMENTS}/,
named "YYYY-MM-DD title (id8)" (the date, the title, and the first 8 characters
of the note's id, so every name is unique). Each starts with a header (title,
kind, date, place, organizations), then a blank line, then the notes.
{DATES_IN_WORDS}.

Menus: Windows has an Import tab on the ribbon; on a Mac use the Import tab or
File > Import. Both lead to the same wizards.

1. The documents
   a. Import > Files. Select every file in {DOCUMENTS}/ (.{format}).
   b. Import them as documents (not memos) into Files, or a folder of your
      choice. NVivo names each document after its file, without ".{format}".

2. The file classification: {FILE_SHEET}.xlsx (Windows) or {FILE_SHEET}.txt (Mac)
   a. Import > Classification Sheets.
   b. Classification type: File classification. The sheet's first cell names it
      "{FILE_CLASSIFICATION}"; with the .txt, create a classification of that name.
   c. Tick: Create new attributes if they do not exist; Update the
      classification of existing files. Do NOT create new files: every row
      matches a document of step 1 by its name exactly.
   d. Attributes: {", ".join(FILE_ATTRIBUTES)}. "date" is a date (in the .txt
      YYYY-MM-DD; in the .xlsx a real date cell). If the wizard asks for a date
      format, choose year-month-day.
   e. The .txt is tab-separated, UTF-8, with " as the text qualifier.

3. Cases: organizations.xlsx / .txt, then informants.xlsx / .txt
   a. Import > Classification Sheets; Case classification; the first cell names
      the classification ("Organization", "Informant").
   b. Tick: Create new attributes; Update the classification of existing cases;
      Create cases if they do not exist.
   c. To link a document to its cases: in the file classification sheet, sort
      or filter by organizations (or informant), select those documents, then
      right-click > Code (Mac: Code Selection) at the existing case.
      `fieldnotes export qdpx` links every case to its sources for you.

4. New fieldwork later
   `fieldnotes export documents NEW-FOLDER --new-only` writes only the notes that
   no earlier documents export carried, with sheets for them alone. Repeat
   steps 1 to 3 with that folder: nothing already in NVivo is imported again.
   Notes changed since they were exported are not written again; the export
   names them so you can update those documents by hand.
"""
