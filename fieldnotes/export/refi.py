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
from xml.etree import ElementTree as ET

from fieldnotes import __version__
from fieldnotes.export.common import (
    EmptyCodebookError,
    ExportReport,
    Progress,
    lf,
    plural,
    prepare_file,
    xml_safe,
)
from fieldnotes.files import atomic_writer, write_all
from fieldnotes.model import KIND_FIELDS, Code, Note, Organization, stable_guid, tag_key

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'


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


def _el(parent: ET.Element, ns: str, tag: str, **attrs: str) -> ET.Element:
    return ET.SubElement(parent, f"{{{ns}}}{tag}", {k: xml_safe(v) for k, v in attrs.items()})


def _text(parent: ET.Element, ns: str, tag: str, text: str) -> ET.Element:
    element = _el(parent, ns, tag)
    element.text = xml_safe(text)
    return element


def _serialize(root: ET.Element, ns: str) -> bytes:
    ET.register_namespace("", ns)
    return (XML_DECLARATION + ET.tostring(root, encoding="unicode")).encode("utf-8")


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


def _add_codes(parent: ET.Element, ns: str, codes: list[Code]) -> None:
    tree = _code_tree(codes)

    def add(into: ET.Element, key: str) -> None:
        for code in tree.get(key, []):
            attrs = {"guid": code.guid, "name": code.name, "isCodable": "true"}
            color = getattr(code, "color", "")
            if color:
                attrs["color"] = color
            element = _el(into, ns, "Code", **attrs)
            _text(element, ns, "Description", code_description(code))
            add(element, tag_key(code.name))

    codes_el = _el(parent, ns, "Codes")
    add(codes_el, "")


def codebook_bytes(codes: list[Code]) -> bytes:
    root = ET.Element(f"{{{CODEBOOK_NS}}}CodeBook")
    _add_codes(root, CODEBOOK_NS, codes)
    return _serialize(root, CODEBOOK_NS)


def write_qdc(path: Path, codes: list[Code], *, force: bool = False) -> ExportReport:
    if not codes:
        raise EmptyCodebookError("the codebook is empty: add codes (or tag notes with them) first")
    prepare_file(path, force)
    report = ExportReport()
    data = codebook_bytes(codes)
    with atomic_writer(path) as fd:
        write_all(fd, data)
    report.wrote(path, plural(len(codes), "code"))
    return report


# ------------------------------------------------------------------- project
def source_text(note: Note) -> tuple[str, int]:
    """The plain text of a note's source, and where its body starts (code points)."""
    when = note.start.replace("T", " ")
    if note.end:
        when += f" to {note.end.replace('T', ' ')}"
    lines = [
        " ".join(note.title.split()),
        f"Kind: {note.kind}",
        f"Date: {when}",
    ]
    if note.location:
        lines.append(f"Location: {' '.join(note.location.split())}")
    if note.organizations:
        lines.append(f"Organizations: {'; '.join(note.organizations)}")
    header = xml_safe("\n".join(lines) + "\n\n")
    return header + xml_safe(lf(note.body)), len(header)


def _value(parent: ET.Element, variable: Variable, value: str | int) -> None:
    holder = _el(parent, PROJECT_NS, "VariableValue")
    _el(holder, PROJECT_NS, "VariableRef", targetGUID=variable.guid)
    tag = {"Text": "TextValue", "Integer": "IntegerValue", "Date": "DateValue"}[variable.kind]
    _text(holder, PROJECT_NS, tag, str(value))


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
    notes: list[Note],
    orgs: list[Organization],
    codes: list[Code],
    *,
    researcher: str,
    progress: Progress | None = None,
) -> tuple[bytes, dict[str, str]]:
    """project.qde and the sources' texts (guid -> text)."""
    ns = PROJECT_NS
    user = stable_guid("user", researcher)
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    root = ET.Element(
        f"{{{ns}}}Project",
        {
            "name": "fieldnotes export",
            "origin": f"fieldnotes {__version__}",
            "creatingUserGUID": user,
            "creationDateTime": now,
            "modifyingUserGUID": user,
            "modifiedDateTime": now,
        },
    )
    users = _el(root, ns, "Users")
    _el(users, ns, "User", guid=user, name=researcher, id=researcher[:8] or "R")
    if codes:
        _add_codes(_el(root, ns, "CodeBook"), ns, codes)
    variables = _el(root, ns, "Variables")
    for variable in ALL_VARIABLES:
        _el(variables, ns, "Variable", guid=variable.guid, name=variable.name, typeOfVariable=variable.kind)

    code_guid = {tag_key(code.name): code.guid for code in codes}
    org_types = {tag_key(org.name): org.type for org in orgs}
    _cases(root, notes, orgs)

    texts: dict[str, str] = {}
    sources = _el(root, ns, "Sources")
    memos: list[tuple[Note, str]] = []
    for index, note in enumerate(notes):
        text, body_start = source_text(note)
        texts[note.id] = text
        created = _stamp(note.created or note.start)
        modified = _stamp(note.updated or note.created or note.start)
        source = _el(
            sources,
            ns,
            "TextSource",
            guid=note.id,
            name=" ".join(note.title.split()) or note.id,
            plainTextPath=f"internal://{note.id}.txt",
            creatingUser=user,
            creationDateTime=created,
            modifyingUser=user,
            modifiedDateTime=modified,
        )
        start = body_start if len(text) > body_start else 0
        for code in note.codes:
            target = code_guid.get(tag_key(code))
            if target is None:
                continue
            selection = _el(
                source,
                ns,
                "PlainTextSelection",
                guid=stable_guid("selection", note.id, tag_key(code)),
                name=code,
                startPosition=str(start),
                endPosition=str(len(text)),
                creatingUser=user,
                creationDateTime=created,
            )
            coding = _el(
                selection,
                ns,
                "Coding",
                guid=stable_guid("coding", note.id, tag_key(code)),
                creatingUser=user,
                creationDateTime=created,
            )
            _el(coding, ns, "CodeRef", targetGUID=target)
        if note.memo.strip():
            memo_guid = stable_guid("memo", note.id)
            _el(source, ns, "NoteRef", targetGUID=memo_guid)
            memos.append((note, memo_guid))
        for variable, value in _note_values(note, org_types):
            _value(source, variable, value)
        if progress and index % 500 == 0:
            progress(index, len(notes))
    if not notes:
        root.remove(sources)
    if memos:
        notes_el = _el(root, ns, "Notes")
        for note, memo_guid in memos:
            memo = _el(
                notes_el,
                ns,
                "Note",
                guid=memo_guid,
                name=f"Memo: {' '.join(note.title.split())}",
                creatingUser=user,
                creationDateTime=_stamp(note.created or note.start),
            )
            _text(memo, ns, "PlainTextContent", lf(note.memo))
    return _serialize(root, ns), texts


def _cases(root: ET.Element, notes: list[Note], orgs: list[Organization]) -> None:
    ns = PROJECT_NS
    by_org: dict[str, list[str]] = {}
    by_informant: dict[str, list[Note]] = {}
    for note in notes:
        for org in note.organizations:
            by_org.setdefault(tag_key(org), []).append(note.id)
        if note.kind == "interview" and note.informant.strip():
            by_informant.setdefault(note.informant.strip(), []).append(note)
    cases = _el(root, ns, "Cases")
    for org in orgs:
        refs = by_org.get(tag_key(org.name))
        if not refs:
            continue
        case = _el(cases, ns, "Case", guid=org.guid, name=org.name)
        if org.type:
            _value(case, ORG_TYPE, org.type)
        for note_id in refs:
            _el(case, ns, "SourceRef", targetGUID=note_id)
    for pseudonym in sorted(by_informant, key=str.casefold):
        interviews = by_informant[pseudonym]
        case = _el(cases, ns, "Case", guid=stable_guid("informant", pseudonym.casefold()), name=pseudonym)
        role = next((n.informant_role for n in reversed(interviews) if n.informant_role), "")
        if role:
            _value(case, INFORMANT_ROLE, role)
        for note in interviews:
            _el(case, ns, "SourceRef", targetGUID=note.id)
    if len(cases) == 0:
        root.remove(cases)


def write_qdpx(
    path: Path,
    notes: list[Note],
    orgs: list[Organization],
    codes: list[Code],
    *,
    force: bool = False,
    researcher: str | None = None,
    progress: Progress | None = None,
) -> ExportReport:
    prepare_file(path, force)
    report = ExportReport(notes=len(notes))
    researcher = researcher or _user_name()
    qde, texts = project_files(notes, orgs, codes, researcher=researcher, progress=progress)
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
