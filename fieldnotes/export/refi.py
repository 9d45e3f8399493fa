"""REFI-QDA exports: the codebook (.qdc) and a whole project (.qdpx).

NVivo, ATLAS.ti, MAXQDA and QualCoder read these. Elements follow the order
the QDA-XML 1.0 schema requires; sources live under a lowercase `sources/`
(ATLAS.ti rejects `Sources/`); `project.qde` has no BOM; selections are
counted in code points over exactly the exported LF-only `.txt`.
"""

from __future__ import annotations

import getpass
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from fieldnotes import __version__
from fieldnotes.dates import span
from fieldnotes.errors import NothingToExportError
from fieldnotes.export.common import (
    ExportReport,
    InformantCase,
    Progress,
    informant_cases,
    lf,
    plural,
    prepare_file,
    xml_safe,
)
from fieldnotes.export.xml_writer import XmlWriter
from fieldnotes.files import atomic_writer, write_all
from fieldnotes.model import KIND_FIELDS, Code, Note, Organization, stable_guid
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
        return stable_guid("variable", self.key)


NOTE_VARIABLES = [
    Variable("kind", "Kind", "Text"),
    Variable("date", "Date", "Date"),
    Variable("location", "Location", "Text"),
    Variable("duration", "Duration (minutes)", "Integer"),
    Variable("organization_types", "Organization types", "Text"),
    Variable("event_type", "Event type", "Text"),
    Variable("interview_format", "Interview format", "Text"),
    Variable("consent", "Consent", "Text"),
]
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


def _write_codes(xml: XmlWriter, codes: list[Code]) -> None:
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


def codebook_bytes(codes: list[Code]) -> bytes:
    xml = XmlWriter()
    with xml.element("CodeBook", xmlns=CODEBOOK_NS):
        _write_codes(xml, codes)
    return xml.to_bytes()


def write_qdc(path: Path, codes: list[Code], *, force: bool = False) -> ExportReport:
    if not codes:
        raise NothingToExportError("the codebook is empty: add codes (or tag notes with them) first")
    prepare_file(path, force)
    report = ExportReport()
    data = codebook_bytes(codes)
    with atomic_writer(path) as fd:
        write_all(fd, data)
    report.wrote(path, plural(len(codes), "code"))
    return report


# ------------------------------------------------------------------- project
def source_text(note: Note, *, include_private: bool = False) -> tuple[str, int]:
    """The plain text of a note's source, and where its body starts (code points).

    Private observations are never part of it unless asked for; then they follow
    the body under a "Private:" line (and codes cover the body only)."""
    lines = [
        one_line(note.title),
        f"Kind: {note.kind}",
        f"Date: {span(note.start, note.end)}",
    ]
    if note.location:
        lines.append(f"Location: {one_line(note.location)}")
    if note.organizations:
        lines.append(f"Organizations: {'; '.join(note.organizations)}")
    header = xml_safe("\n".join(lines) + "\n\n")
    text = header + xml_safe(lf(note.body))
    if include_private and note.private:
        text += "\n\nPrivate:\n" + xml_safe(lf(note.private))
    return text, len(header)


def _value(xml: XmlWriter, variable: Variable, value: str | int) -> None:
    with xml.element("VariableValue"):
        xml.leaf("VariableRef", targetGUID=variable.guid)
        xml.text(
            {"Text": "TextValue", "Integer": "IntegerValue", "Date": "DateValue"}[variable.kind], str(value)
        )


def _note_values(note: Note, org_types: dict[str, str]) -> Iterable[tuple[Variable, str | int]]:
    by_key = {v.key: v for v in NOTE_VARIABLES}
    yield by_key["kind"], note.kind
    yield by_key["date"], note.start[:10]
    if note.location:
        yield by_key["location"], note.location
    if note.duration_minutes is not None:
        yield by_key["duration"], note.duration_minutes
    types = sorted({org_types.get(tag_key(o), "") for o in note.organizations} - {""})
    if types:
        yield by_key["organization_types"], "; ".join(types)
    for name in ("event_type", "interview_format", "consent"):
        if name in KIND_FIELDS[note.kind] and getattr(note, name):
            yield by_key[name], getattr(note, name)


def _stamp(moment: str) -> str:
    return moment if len(moment) > 16 else moment + ":00"


def project_files(
    job: ExportJob, *, researcher: str, progress: Progress | None = None
) -> tuple[bytes, dict[str, str]]:
    """project.qde and the sources' texts (guid -> text), in the schema's order."""
    notes, orgs, codes = job.notes, job.organizations, job.codes
    include_private = job.protections.include_private
    user = stable_guid("user", researcher)
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
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
    if codes:
        with xml.element("CodeBook"):
            _write_codes(xml, codes)
    with xml.element("Variables"):
        for variable in ALL_VARIABLES:
            xml.leaf("Variable", guid=variable.guid, name=variable.name, typeOfVariable=variable.kind)
    _write_cases(xml, notes, orgs, informant_cases(notes, job.informants))

    code_guid = {tag_key(code.name): code.guid for code in codes}
    org_types = {tag_key(org.name): org.type for org in orgs}
    texts: dict[str, str] = {}
    memos: list[tuple[Note, str]] = []
    if notes:
        xml.start("Sources")
    for index, note in enumerate(notes):
        text, body_start = source_text(note, include_private=include_private)
        body_end = body_start + len(lf(note.body))
        texts[note.id] = text
        created = _stamp(note.created or note.start)
        modified = _stamp(note.updated or note.created or note.start)
        xml.start(
            "TextSource",
            guid=note.id,
            name=one_line(note.title) or note.id,
            plainTextPath=f"internal://{note.id}.txt",
            creatingUser=user,
            creationDateTime=created,
            modifyingUser=user,
            modifiedDateTime=modified,
        )
        start, end = (body_start, str(body_end)) if body_end > body_start else (0, str(len(text)))
        for code in note.codes:
            key = tag_key(code)
            target = code_guid.get(key)
            if target is None:
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
            xml.leaf("CodeRef", targetGUID=target)
            xml.end("Coding")
            xml.end("PlainTextSelection")
        if note.memo.strip():
            memo_guid = stable_guid("memo", note.id)
            xml.leaf("NoteRef", targetGUID=memo_guid)
            memos.append((note, memo_guid))
        for variable, value in _note_values(note, org_types):
            _value(xml, variable, value)
        xml.end("TextSource")
        if progress and index % 500 == 0:
            progress(index, len(notes))
    if notes:
        xml.end("Sources")
    if memos:
        with xml.element("Notes"):
            for note, memo_guid in memos:
                with xml.element(
                    "Note",
                    guid=memo_guid,
                    name=f"Memo: {one_line(note.title)}",
                    creatingUser=user,
                    creationDateTime=_stamp(note.created or note.start),
                ):
                    xml.text("PlainTextContent", lf(note.memo))
    xml.end("Project")
    return xml.to_bytes(), texts


def _write_cases(
    xml: XmlWriter, notes: list[Note], orgs: list[Organization], informants: list[InformantCase]
) -> None:
    """One case per organization and per informant, with the notes that tag them."""
    by_org: dict[str, list[str]] = {}
    for note in notes:
        for org in note.organizations:
            by_org.setdefault(tag_key(org), []).append(note.id)
    org_cases = [(org, by_org[tag_key(org.name)]) for org in orgs if tag_key(org.name) in by_org]
    if not org_cases and not informants:
        return
    with xml.element("Cases"):
        for org, refs in org_cases:
            with xml.element("Case", guid=org.guid, name=org.name):
                if org.type:
                    _value(xml, ORG_TYPE, org.type)
                for note_id in refs:
                    xml.leaf("SourceRef", targetGUID=note_id)
        for case in informants:
            with xml.element(
                "Case", guid=stable_guid("informant", case.pseudonym.casefold()), name=case.pseudonym
            ):
                if case.role:
                    _value(xml, INFORMANT_ROLE, case.role)
                for note in case.interviews:
                    xml.leaf("SourceRef", targetGUID=note.id)


def write_qdpx(
    path: Path,
    job: ExportJob,
    *,
    force: bool = False,
    researcher: str | None = None,
    progress: Progress | None = None,
) -> ExportReport:
    notes, codes = job.notes, job.codes
    prepare_file(path, force)
    report = ExportReport(notes=len(notes))
    researcher = researcher or _user_name()
    qde, texts = project_files(job, researcher=researcher, progress=progress)
    with (
        atomic_writer(path) as fd,
        open(fd, "wb", closefd=False) as raw,
        zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive,
    ):
        archive.writestr("project.qde", qde)
        for guid, text in texts.items():
            archive.writestr(f"sources/{guid}.txt", text.encode("utf-8"))
    report.wrote(path, f"{plural(len(notes), 'source')}, {plural(len(codes), 'code')}")
    if progress:
        progress(len(notes), len(notes))
    return report


def _user_name() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "researcher"
