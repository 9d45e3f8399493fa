"""REFI-QDA exports: the codebook (.qdc) and a whole project (.qdpx).

NVivo, ATLAS.ti, MAXQDA and QualCoder read these. Elements follow the order
the QDA-XML 1.0 schema requires; sources live under a lowercase `sources/`
(ATLAS.ti rejects `Sources/`); `project.qde` and the sources have no BOM.
Each source is named `YYYY-MM-DD title (id8)` (unique, safe as a file name),
carries its note's memo in `<Description>` (QualCoder reads memos only there)
and in a REFI `<Note>`, and its classifying fields as variables. Selections are
counted over exactly the exported `.txt`, in the unit of the target profile
(`profiles.py`: UTF-16 for NVivo, code points for the others).
"""

from __future__ import annotations

import getpass
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from fieldnotes import __version__
from fieldnotes.dates import span
from fieldnotes.errors import NothingToExportError
from fieldnotes.export.common import (
    ExportReport,
    Progress,
    informant_cases,
    lf,
    nothing_to_export,
    plural,
    prepare_file,
    xml_safe,
    zip_entry,
)
from fieldnotes.export.names import unique_names
from fieldnotes.export.profiles import Profile, profile
from fieldnotes.export.xml_writer import XmlWriter
from fieldnotes.files import atomic_writer, write_all
from fieldnotes.model import FIELD, Code, Note, stable_guid
from fieldnotes.text import one_line, tag_key

if TYPE_CHECKING:
    from fieldnotes.export.job import ExportJob

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"


@dataclass(frozen=True)
class Variable:
    key: str
    name: str
    kind: str  # typeOfVariable: Text, Integer, Date

    @property
    def guid(self) -> str:
        return _variable_guid(self.key)


@lru_cache(maxsize=64)
def _variable_guid(key: str) -> str:
    return stable_guid("variable", key)


# The note's classifying fields as source variables (file attributes in NVivo).
# `key` is the note field for those `import` reads back; date, duration and
# organization types are derived, for analysis only.
NOTE_VARIABLES = [
    Variable("kind", "Kind", "Text"),
    Variable("date", "Date", "Date"),
    Variable("start", "Start", "DateTime"),
    Variable("end", "End", "DateTime"),
    Variable("location", "Location", "Text"),
    Variable("duration", "Duration (minutes)", "Integer"),
    Variable("organizations", "Organizations", "Text"),
    Variable("organization_types", "Organization types", "Text"),
    Variable("people", "People", "Text"),
    Variable("host", "Host", "Text"),
    Variable("agenda", "Agenda", "Text"),
    Variable("event_type", "Event type", "Text"),
    Variable("organizers", "Organizers", "Text"),
    Variable("informant", "Informant", "Text"),
    Variable("informant_role", "Informant role", "Text"),
    Variable("interview_format", "Interview format", "Text"),
    Variable("consent", "Consent", "Text"),
    Variable("recording_ref", "Recording", "Text"),
    Variable("followups", "Follow-ups", "Text"),
]
DERIVED_VARIABLES = frozenset({"date", "duration", "organization_types"})
ORG_TYPE = Variable("organization_type", "Organization type", "Text")
INFORMANT_ROLE = Variable("informant_role", "Informant role", "Text")
ALL_VARIABLES = [*NOTE_VARIABLES, ORG_TYPE, INFORMANT_ROLE]


# ------------------------------------------------------------------ codebook
def code_description(code: Code) -> str:
    """The description, with the origin kept: no other tool records it."""
    origin = f"Origin: {code.origin}"
    return f"{code.description}\n\n{origin}" if code.description else origin


def _code_tree(codes: list[Code]) -> dict[str, list[Code]]:
    """Children by parent key ("" for the top); unknown or cyclic parents go to the top."""
    by_key = {tag_key(code.name): code for code in codes}

    def top_level(code: Code) -> bool:
        seen = {tag_key(code.name)}
        parent = tag_key(code.parent) if code.parent else ""
        while parent:
            if parent in seen or parent not in by_key:
                return True
            seen.add(parent)
            parent = tag_key(by_key[parent].parent) if by_key[parent].parent else ""
        return False

    tree: dict[str, list[Code]] = {}
    for code in codes:
        key = "" if not code.parent or top_level(code) else tag_key(code.parent)
        tree.setdefault(key, []).append(code)
    return tree


def _write_codes(xml: XmlWriter, codes: list[Code], case_codes: Sequence[tuple[str, str]] = ()) -> None:
    tree = _code_tree(codes)

    def add(key: str) -> None:
        for code in tree.get(key, []):
            attrs = {"guid": code.guid, "name": code.name, "isCodable": "true"}
            color = getattr(code, "color", "")
            if color:
                attrs["color"] = color
            with xml.element("Code", **attrs):
                xml.text("Description", code_description(code))
                add(tag_key(code.name))

    with xml.element("Codes"):
        add("")
        for guid, name in case_codes:  # QualCoder's route to case links (see profiles.py)
            with xml.element("Code", guid=guid, name=name, isCodable="true"):
                xml.text("Description", "A case: fieldnotes codes each source to its cases.")


def codebook_bytes(codes: list[Code]) -> bytes:
    xml = XmlWriter()
    with xml.element("CodeBook", xmlns=CODEBOOK_NS):
        _write_codes(xml, codes)
    return xml.to_bytes()


def write_qdc(path: Path, codes: list[Code], *, force: bool = False) -> ExportReport:
    if not codes:
        raise NothingToExportError("the codebook is empty: add codes (or tag notes with them) first")
    prepare_file(path, force)
    report = ExportReport(format="qdc", target=path)
    data = codebook_bytes(codes)
    with atomic_writer(path) as fd:
        write_all(fd, data)
    report.wrote(path, plural(len(codes), "code"))
    return report


# ------------------------------------------------------------------- project
PRIVATE_MARK = "\n\nPrivate:\n"


def source_header(note: Note) -> str:
    """The lines a source (or an NVivo document) starts with: full title, kind, date, place,
    organizations; then a blank line."""
    lines = [
        one_line(note.title),
        f"Kind: {note.kind}",
        f"Date: {span(note.start, note.end)}",
    ]
    if note.location:
        lines.append(f"Location: {one_line(note.location)}")
    if note.organizations:
        lines.append(f"Organizations: {'; '.join(note.organizations)}")
    return xml_safe("\n".join(lines) + "\n\n")


def source_text(note: Note, *, include_private: bool = False) -> tuple[str, int]:
    """The plain text of a note's source (LF line endings), and where its body starts (code points).

    Private observations are never part of it unless asked for; then they follow
    the body under a "Private:" line (and codes cover the body only)."""
    header = source_header(note)
    text = header + xml_safe(lf(note.body)) if note.body else header
    if include_private and note.private:
        text += PRIVATE_MARK + xml_safe(lf(note.private))
    return text, len(header)


_VALUE_TAG = {
    "Text": "TextValue",
    "Integer": "IntegerValue",
    "Date": "DateValue",
    "DateTime": "DateTimeValue",
}


def _value(xml: XmlWriter, variable: Variable, value: str | int) -> None:
    # one string, not three elements: this runs ~9 times a note
    tag = _VALUE_TAG[variable.kind]
    xml.parts.append(f'<VariableValue><VariableRef targetGUID="{variable.guid}"/>')
    xml.text(tag, str(value))
    xml.parts.append("</VariableValue>")


def _note_values(note: Note, org_types: dict[str, str]) -> Iterable[tuple[Variable, str | int]]:
    fields = set(note.field_names())
    for variable in NOTE_VARIABLES:
        key = variable.key
        if key == "date":
            yield variable, note.start[:10]
        elif key in ("start", "end"):
            value = getattr(note, key)
            if value:
                yield variable, _stamp(value)
        elif key == "duration":
            if note.duration_minutes is not None:
                yield variable, note.duration_minutes
        elif key == "organization_types":
            types = sorted({org_types.get(tag_key(o), "") for o in note.organizations} - {""})
            if types:
                yield variable, "; ".join(types)
        elif key in fields:
            value = getattr(note, key)
            text = "; ".join(value) if FIELD[key].is_list else value
            if text:
                yield variable, text


def _stamp(moment: str) -> str:
    return moment if len(moment) > 16 else moment + ":00"


@dataclass(frozen=True)
class _Case:
    guid: str
    name: str
    value: tuple[Variable, str] | None
    sources: list[str]


def _cases(job: ExportJob) -> list[_Case]:
    """One case per organization and per informant, with the notes that tag them."""
    by_org: dict[str, list[str]] = {}
    for note in job.notes:
        for org in note.organizations:
            by_org.setdefault(tag_key(org), []).append(note.id)
    cases = [
        _Case(org.guid, org.name, (ORG_TYPE, org.type) if org.type else None, by_org[tag_key(org.name)])
        for org in job.organizations
        if tag_key(org.name) in by_org
    ]
    for case in informant_cases(job.notes, job.informants):
        cases.append(
            _Case(
                stable_guid("informant", case.pseudonym.casefold()),
                case.pseudonym,
                (INFORMANT_ROLE, case.role) if case.role else None,
                [note.id for note in case.interviews],
            )
        )
    return cases


def _write_cases(xml: XmlWriter, cases: list[_Case]) -> None:
    if not cases:
        return
    with xml.element("Cases"):
        for case in cases:
            with xml.element("Case", guid=case.guid, name=case.name):
                if case.value:
                    _value(xml, *case.value)
                for note_id in case.sources:
                    xml.leaf("SourceRef", targetGUID=note_id)


def project_description(target: Profile, include_private: bool) -> str:
    """Says how the project was written; `import` reads it back (see importing/qdpx.py)."""
    private = "included after the body under 'Private:'" if include_private else "not included"
    return (
        f"Exported by fieldnotes {__version__} {target.describe()}.\n"
        f"Target: {target.name}\n"
        f"Private observations: {private}\n"
        "Each source: the note's title, kind, date, location and organizations, a blank line, "
        "then the body; the memo is the source's Description and a Note."
    )


def project_files(
    job: ExportJob,
    *,
    researcher: str,
    target: Profile | None = None,
    moment: datetime | None = None,
    progress: Progress | None = None,
    sink: BinaryIO | None = None,
) -> tuple[bytes, dict[str, str]]:
    """project.qde and the sources' texts (guid -> text as written), in the schema's order.

    With a `sink`, project.qde is written to it as it is built (and b"" returned)."""
    target = target or profile(None)
    notes, orgs, codes = job.notes, job.organizations, job.codes
    include_private = job.protections.include_private
    user = stable_guid("user", researcher)
    now = (moment or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    cases = _cases(job)
    case_codes = [(case.guid, case.name) for case in cases] if target.case_codes else []
    cases_of: dict[str, list[str]] = {}
    if target.case_codes:
        for case in cases:
            for note_id in case.sources:
                cases_of.setdefault(note_id, []).append(case.guid)
    xml = XmlWriter()
    xml.start(
        "Project",
        xmlns=PROJECT_NS,
        name="fieldnotes export",
        origin=f"fieldnotes {__version__}",
        creatingUserGUID=user,
        creationDateTime=now,
        modifyingUserGUID=user,
        modifiedDateTime=now,
    )
    with xml.element("Users"):
        xml.leaf("User", guid=user, name=researcher, id=researcher[:8] or "R")
    if codes or case_codes:
        with xml.element("CodeBook"):
            _write_codes(xml, codes, case_codes)
    with xml.element("Variables"):
        for variable in ALL_VARIABLES:
            xml.leaf("Variable", guid=variable.guid, name=variable.name, typeOfVariable=variable.kind)
    _write_cases(xml, cases)

    code_guid = {tag_key(code.name): code.guid for code in codes}
    org_types = {tag_key(org.name): org.type for org in orgs}
    names = unique_names(notes)
    crlf = target.newline == "\r\n"
    texts: dict[str, str] = {}
    memos: list[tuple[Note, str]] = []
    if notes:
        xml.start("Sources")
    for index, note in enumerate(notes):
        text, body_start = source_text(note, include_private=include_private)
        body_end = body_start + len(lf(note.body)) if note.body else body_start
        texts[note.id] = text.replace("\n", "\r\n") if crlf else text
        created = _stamp(note.created or note.start)
        modified = _stamp(note.updated or note.created or note.start)
        xml.start(
            "TextSource",
            guid=note.id,
            name=names[note.id],
            plainTextPath=f"internal://{note.id}.txt",
            creatingUser=user,
            creationDateTime=created,
            modifyingUser=user,
            modifiedDateTime=modified,
        )
        memo = lf(note.memo) if note.memo.strip() else ""
        if memo:
            xml.text("Description", memo)
        if body_end > body_start:
            start, end = target.position(text, body_start), str(target.position(text, body_end))
        else:
            start, end = 0, str(target.position(text, len(text)))
        for code in note.codes:
            key = tag_key(code)
            target_guid = code_guid.get(key)
            if target_guid is None:
                continue
            # start/end rather than `with`: this runs once per coding, 30,000 times at 10,000 notes
            xml.start(
                "PlainTextSelection",
                guid=stable_guid("selection", note.id, key),
                name=code,
                startPosition=str(start),
                endPosition=end,
                creatingUser=user,
                creationDateTime=created,
            )
            xml.start(
                "Coding",
                guid=stable_guid("coding", note.id, key),
                creatingUser=user,
                creationDateTime=created,
            )
            xml.leaf("CodeRef", targetGUID=target_guid)
            xml.end("Coding")
            xml.end("PlainTextSelection")
        whole = str(target.position(text, len(text)))
        for case_guid in cases_of.get(note.id, ()):
            xml.start(
                "PlainTextSelection",
                guid=stable_guid("case-selection", note.id, case_guid),
                startPosition="0",
                endPosition=whole,
                creatingUser=user,
                creationDateTime=created,
            )
            xml.start(
                "Coding",
                guid=stable_guid("case-coding", note.id, case_guid),
                creatingUser=user,
                creationDateTime=created,
            )
            xml.leaf("CodeRef", targetGUID=case_guid)
            xml.end("Coding")
            xml.end("PlainTextSelection")
        if memo:
            memo_guid = stable_guid("memo", note.id)
            xml.leaf("NoteRef", targetGUID=memo_guid)
            memos.append((note, memo_guid))
        for variable, value in _note_values(note, org_types):
            _value(xml, variable, value)
        xml.end("TextSource")
        if index % 500 == 0:
            if sink is not None:
                xml.drain(sink)
            if progress:
                progress(index, len(notes))
    if notes:
        xml.end("Sources")
    if memos:
        with xml.element("Notes"):
            for note, memo_guid in memos:
                with xml.element(
                    "Note",
                    guid=memo_guid,
                    name=f"Memo: {names[note.id]}",
                    creatingUser=user,
                    creationDateTime=_stamp(note.created or note.start),
                ):
                    xml.text("PlainTextContent", lf(note.memo))
    xml.text("Description", project_description(target, include_private))
    xml.end("Project")
    if sink is not None:
        xml.drain(sink)
        return b"", texts
    return xml.to_bytes(), texts


def write_qdpx(
    path: Path,
    job: ExportJob,
    *,
    force: bool = False,
    researcher: str | None = None,
    target: str | None = None,
    moment: datetime | None = None,
    progress: Progress | None = None,
) -> ExportReport:
    notes, codes = job.notes, job.codes
    if not notes:
        raise nothing_to_export()
    chosen = profile(target)
    prepare_file(path, force)
    report = ExportReport(notes=len(notes), format="qdpx", target=path, note_ids=[n.id for n in notes])
    researcher = researcher or _user_name()
    when = moment or datetime.now(UTC)
    local = when.astimezone() if moment is None else when
    with (
        atomic_writer(path) as fd,
        open(fd, "wb", closefd=False) as raw,
        zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive,
    ):
        with archive.open(zip_entry("project.qde", local), "w") as sink:
            _, texts = project_files(
                job, researcher=researcher, target=chosen, moment=when, progress=progress, sink=sink
            )
        for guid, text in texts.items():
            archive.writestr(zip_entry(f"sources/{guid}.txt", local), text.encode("utf-8"), compresslevel=1)
    report.wrote(path, f"{plural(len(notes), 'source')}, {plural(len(codes), 'code')}, {chosen.describe()}")
    if progress:
        progress(len(notes), len(notes))
    return report


def _user_name() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "researcher"
