"""REFI-QDA exports: the codebook (.qdc) and a whole project (.qdpx).

NVivo, ATLAS.ti, MAXQDA and QualCoder read these. Elements follow the order
the QDA-XML 1.0 schema requires; sources live under a lowercase `sources/`
(ATLAS.ti rejects `Sources/`); `project.qde` and the sources have no BOM.
Each source is named `YYYY-MM-DD title (id8)` (unique, safe as a file name),
carries its note's memo in `<Description>` (QualCoder reads memos only there)
and in a REFI `<Note>`, and its classifying fields as variables. Each analytic
memo is a `<Note>` too, referenced by a `<NoteRef>` from each code and source it
is about; the 1.0 schema gives cases no `<NoteRef>`, so a memo about an
organization or informant is tied to its case by a `<Link>` from the memo. Each
code's history (the codebook's audit trail) is a `<Note>` its code refers to;
in a `.qdc`, which has no notes, it closes the code's description. Selections are
counted over exactly the exported `.txt`, in the unit of the target profile
(`profiles.py`: UTF-16 for NVivo, code points for the others).
"""

from __future__ import annotations

import contextlib
import getpass
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from fieldnotes import __version__
from fieldnotes.dates import span
from fieldnotes.errors import NothingToExportError
from fieldnotes.export.beside import HELPER_MIN_NOTES
from fieldnotes.export.common import (
    ExportReport,
    OrgTypes,
    Progress,
    informant_cases,
    lf,
    plural,
    prepare_file,
    xml_safe,
)
from fieldnotes.export.deflater import DeflateBeside, HelperGone
from fieldnotes.export.names import unique_names
from fieldnotes.export.profiles import Profile, profile
from fieldnotes.export.xml_writer import (
    XmlWriter,
    attr_value,
    needs_attr_escape,
    needs_text_escape,
    text_value,
)
from fieldnotes.export.zipwriter import ZipWriter
from fieldnotes.files import atomic_writer, write_all
from fieldnotes.model import COMMON_FIELDS, FIELD, KIND_FIELDS, Code, Note, stable_guid, stable_guids
from fieldnotes.text import one_line, tag_key

if TYPE_CHECKING:
    from fieldnotes.codebook_history import HistoryEntry
    from fieldnotes.export.job import ExportJob
    from fieldnotes.memos import Memo

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
    Variable("ties", "Ties", "Text"),
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
HISTORY_MARK = "Codebook history (fieldnotes):"
MEMO_MARK = "Analytic memo (fieldnotes)"


def code_description(code: Code, history: Sequence[HistoryEntry] = ()) -> str:
    """The description, with the origin kept: no other tool records it; then, when given,
    the code's history (a .qdc has no notes to hold it)."""
    origin = f"Origin: {code.origin}"
    text = f"{code.description}\n\n{origin}" if code.description else origin
    if history:
        text += f"\n\n{HISTORY_MARK}\n" + "\n".join(history_lines(history))
    return text


def history_lines(history: Sequence[HistoryEntry]) -> list[str]:
    """A code's history, one change a line, naming the code (a code merged into it has its own
    name): "2016-01-17 09:12:00  trust: renamed ... [author] — reason"."""
    return [entry.line() for entry in history]


def histories_by_code(codes: list[Code], history: Sequence[HistoryEntry]) -> dict[str, list[HistoryEntry]]:
    """Code guid -> its entries (those of codes merged into it included), for the codes given."""
    guids = {code.guid for code in codes}
    merged_into: dict[str, str] = {}
    for entry in history:
        if entry.action == "merge" and entry.source_guid:
            merged_into[entry.source_guid] = entry.code_guid
    out: dict[str, list[HistoryEntry]] = {}
    for entry in history:
        guid, seen = entry.code_guid, set()
        while guid not in guids and guid in merged_into and guid not in seen:
            seen.add(guid)
            guid = merged_into[guid]
        if guid in guids:
            out.setdefault(guid, []).append(entry)
    return out


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


def _write_codes(
    xml: XmlWriter,
    codes: list[Code],
    case_codes: Sequence[tuple[str, str]] = (),
    *,
    note_refs: dict[str, list[str]] | None = None,
    histories: dict[str, list[HistoryEntry]] | None = None,
) -> None:
    """The codes as a tree. `note_refs`: code guid -> the Notes it refers to (a project);
    `histories`: code guid -> its history, for its description (a .qdc)."""
    tree = _code_tree(codes)
    refs = note_refs or {}

    def add(key: str) -> None:
        for code in tree.get(key, []):
            attrs = {"guid": code.guid, "name": code.name, "isCodable": "true"}
            color = getattr(code, "color", "")
            if color:
                attrs["color"] = color
            with xml.element("Code", **attrs):
                xml.text("Description", code_description(code, (histories or {}).get(code.guid, ())))
                for target in refs.get(code.guid, ()):
                    xml.leaf("NoteRef", targetGUID=target)
                add(tag_key(code.name))

    with xml.element("Codes"):
        add("")
        for guid, name in case_codes:  # QualCoder's route to case links (see profiles.py)
            with xml.element("Code", guid=guid, name=name, isCodable="true"):
                xml.text("Description", "A case: fieldnotes codes each source to its cases.")


def codebook_bytes(codes: list[Code], history: Sequence[HistoryEntry] = ()) -> bytes:
    xml = XmlWriter()
    with xml.element("CodeBook", xmlns=CODEBOOK_NS):
        _write_codes(xml, codes, histories=histories_by_code(codes, history))
    return xml.to_bytes()


def write_qdc(
    path: Path,
    codes: list[Code],
    *,
    force: bool = False,
    history: Sequence[HistoryEntry] = (),
    before_replace: Callable[[], object] | None = None,
) -> ExportReport:
    """`before_replace`: what the file waits for before it is in place (`ExportJob.settled`)."""
    if not codes:
        raise NothingToExportError("the codebook is empty: add codes (or tag notes with them) first")
    prepare_file(path, force)
    report = ExportReport(format="qdc", target=path)
    data = codebook_bytes(codes, history)
    with atomic_writer(path, before_replace=before_replace) as fd:
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


def source_text(note: Note, *, include_private: bool = False, header: str | None = None) -> tuple[str, int]:
    """The plain text of a note's source (LF line endings), and where its body starts (code points).
    `header`: the note's `source_header`, when already made.

    Private observations are never part of it unless asked for; then they follow
    the body under a "Private:" line (and codes cover the body only)."""
    if header is None:
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


_DERIVED = ("date", "start", "end", "duration", "organization_types")


# How each variable's value is found (`_value_plan`).
_FIELD_VALUE, _LIST_VALUE, _DATE, _MOMENT, _DURATION, _ORG_TYPES = range(6)
_DERIVED_HOW = {"date": _DATE, "start": _MOMENT, "end": _MOMENT, "duration": _DURATION}
_DERIVED_HOW["organization_types"] = _ORG_TYPES


@lru_cache(maxsize=16)
def _value_plan(kind: str) -> tuple[tuple[int, str, str, str], ...]:
    """For a note of `kind`: (how its value is found, the field, the XML before the value,
    after it) of each variable it can have, in NOTE_VARIABLES' order."""
    present = set(COMMON_FIELDS + KIND_FIELDS.get(kind, ()))
    plan = []
    for variable in NOTE_VARIABLES:
        key = variable.key
        if key in _DERIVED or key in present:
            tag = _VALUE_TAG[variable.kind]
            how = _DERIVED_HOW.get(key, _LIST_VALUE if key in FIELD and FIELD[key].is_list else _FIELD_VALUE)
            before = f'<VariableValue><VariableRef targetGUID="{variable.guid}"/><{tag}>'
            plan.append((how, key, before, f"</{tag}></VariableValue>"))
    return tuple(plan)


def _values_xml(note: Note, org_types: OrgTypes) -> str:
    """The note's classifying fields (and the derived date, duration, organization types)
    as `<VariableValue>`s; empty ones are left out."""
    wrapped: list[str] = []  # the XML before, the value, the XML after, of each value
    for how, key, before, after in _value_plan(note.kind):
        if how == _FIELD_VALUE:
            value = getattr(note, key)
        elif how == _LIST_VALUE:
            value = "; ".join(getattr(note, key))
        elif how == _DATE:
            value = note.start[:10]
        elif how == _MOMENT:
            value = getattr(note, key) or ""
            if value:
                value = _stamp(value)
        elif how == _DURATION:
            minutes = note.duration_minutes
            value = "" if minutes is None else str(minutes)
        else:
            value = "; ".join(org_types.of(note))
        if value:
            wrapped += (before, value, after)
    values = wrapped[1::3]
    if values and needs_text_escape("".join(values)):  # seldom: one look at them all
        wrapped[1::3] = [text_value(value) for value in values]
    return "".join(wrapped)


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
            key = tag_key(org)  # remembered (lru_cache): notes repeat their tags
            by_org.setdefault(key, []).append(note.id)
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
                ids = case.sources
                if needs_attr_escape("".join(ids)):  # seldom: one look at every id
                    ids = [attr_value(note_id) for note_id in ids]
                xml.parts.append("".join([f'<SourceRef targetGUID="{note_id}"/>' for note_id in ids]))


def project_description(target: Profile, include_private: bool) -> str:
    """Says how the project was written; `import` reads it back (see importing/qdpx.py)."""
    private = "included after the body under 'Private:'" if include_private else "not included"
    return (
        f"Exported by fieldnotes {__version__} {target.describe()}.\n"
        f"Target: {target.name}\n"
        f"Private observations: {private}\n"
        "Each source: the note's title, kind, date, location and organizations, a blank line, "
        "then the body; the memo is the source's Description and a Note. "
        "Analytic memos are Notes referenced by the codes and sources they are about, and linked "
        "to their cases; each code's history is a Note the code refers to."
    )


@dataclass
class _NoteGuids:
    """A source's GUIDs, each stable_guid(kind, note id, ...): made for a block of notes at
    once (`_SourceXml.guids`), the 350,000 of a 50,000-note project a fifth faster so."""

    codes: list[tuple[str, str, str, str]]  # (code, its guid escaped, selection, coding) in the codebook
    cases: list[tuple[str, str, str]]  # (case guid escaped, selection, coding)
    memo: str  # the memo's Note, "" without a memo


@dataclass
class _SourceXml:
    """A note's `<TextSource>`, written as one string: the selections and codings of its
    codes and cases, its memo references and its variables. (The general `XmlWriter`
    builds a dict and an attribute list per element: 7 s of a 50,000-note project.)

    Positions are counted from the lengths of the source's parts, as `source_text`
    lays them out, without building the text: escaping keeps every length, in code
    points and in UTF-16 units alike (`xml_safe` puts U+FFFD in place of a BMP character)."""

    user: str
    target: Profile
    include_private: bool
    names: dict[str, str]
    code_guid: dict[str, str]  # tag key -> the code's guid, escaped
    org_types: OrgTypes
    cases_of: dict[str, list[tuple[str, str]]]  # note id -> (guid, guid escaped) of its cases
    memo_refs: dict[str, list[str]]  # note id -> guids of the analytic memos about it, escaped
    on_source: Callable[[str, str], object] | None = None  # given each source's file name and text
    _code_names: dict[str, str] = field(default_factory=dict)  # code -> its name escaped (codes recur)

    def guids(self, notes: Sequence[Note]) -> list[_NoteGuids]:
        """The GUIDs of each of `notes`' sources (`xml` takes them): a selection and a coding
        for each code in the codebook and each case, and the memo's Note."""
        code_guid, cases_of = self.code_guid, self.cases_of
        coded: list[list[tuple[str, str]]] = []  # each note's (code, its guid escaped)
        code_rests: list[str] = []
        cased: list[list[tuple[str, str]]] = []
        case_rests: list[str] = []
        memo_rests: list[str] = []
        with_memo: list[bool] = []
        for note in notes:
            of_note = note.id + "\x1f"
            kept = []
            for code in note.codes:
                key = tag_key(code)
                target_guid = code_guid.get(key)
                if target_guid is not None:
                    kept.append((code, target_guid))
                    code_rests.append(of_note + key)
            coded.append(kept)
            cases = cases_of.get(note.id, [])
            cased.append(cases)
            case_rests += [of_note + case_guid for case_guid, _ in cases]
            with_memo.append(bool(note.memo.strip()))
            if with_memo[-1]:
                memo_rests.append(note.id)
        selections = iter(stable_guids("selection", code_rests))
        codings = iter(stable_guids("coding", code_rests))
        case_selections = iter(stable_guids("case-selection", case_rests))
        case_codings = iter(stable_guids("case-coding", case_rests))
        memos = iter(stable_guids("memo", memo_rests))
        out = []
        for kept, cases, memo in zip(coded, cased, with_memo, strict=True):
            out.append(
                _NoteGuids(
                    [(code, target, next(selections), next(codings)) for code, target in kept],
                    [(case_attr, next(case_selections), next(case_codings)) for _, case_attr in cases],
                    next(memos) if memo else "",
                )
            )
        for rest in (selections, codings, case_selections, case_codings, memos):
            if next(rest, None) is not None:
                raise RuntimeError("a source's GUIDs went to another source")
        return out

    def xml(self, note: Note, guids: _NoteGuids) -> tuple[str, str]:
        """The element, and the memo's `<Note>` for the project's Notes ("" without a memo),
        with the note's `guids`. `on_source` is given the source's file name and text
        (`source_text`'s) meanwhile."""
        header = source_header(note)
        body = xml_safe(lf(note.body)) if note.body else ""  # xml_safe keeps every length
        tail = PRIVATE_MARK + xml_safe(lf(note.private)) if self.include_private and note.private else ""
        file = source_file(note.id)
        if self.on_source is not None:
            self.on_source(file, header + body + tail if body or tail else header)
        measure = self.target.length
        body_start = measure(header)
        body_end = body_start + measure(body)
        whole = str(body_end + measure(tail))
        if body:
            start, end = str(body_start), str(body_end)
        else:
            start, end = "0", whole
        user = self.user
        note_id, name = note.id, self.names[note.id]
        created = _stamp(note.created or note.start)
        modified = _stamp(note.updated or note.created or note.start)
        if needs_attr_escape(f"{note_id}{name}{created}{modified}"):  # seldom: one look at all four
            note_id, name = attr_value(note_id), attr_value(name)
            created, modified = attr_value(created), attr_value(modified)
        parts = [
            f'<TextSource guid="{note_id}" name="{name}" '
            f'plainTextPath="internal://{file}.txt" creatingUser="{user}" '
            f'creationDateTime="{created}" '
            f'modifyingUser="{user}" modifiedDateTime="{modified}">'
        ]
        memo = text_value(lf(note.memo)) if note.memo.strip() else ""  # escaped once, for both places
        if memo:
            parts.append(f"<Description>{memo}</Description>")
        stamp = f'creatingUser="{user}" creationDateTime="{created}"'
        code_names = self._code_names
        for code, target_guid, selection, coding in guids.codes:
            code_name = code_names.get(code)
            if code_name is None:
                code_name = code_names[code] = attr_value(code)
            parts.append(
                f'<PlainTextSelection guid="{selection}" name="{code_name}" '
                f'startPosition="{start}" endPosition="{end}" {stamp}>'
                f'<Coding guid="{coding}" {stamp}>'
                f'<CodeRef targetGUID="{target_guid}"/></Coding></PlainTextSelection>'
            )
        for case_attr, selection, coding in guids.cases:
            parts.append(
                f'<PlainTextSelection guid="{selection}" '
                f'startPosition="0" endPosition="{whole}" {stamp}>'
                f'<Coding guid="{coding}" {stamp}>'
                f'<CodeRef targetGUID="{case_attr}"/></Coding></PlainTextSelection>'
            )
        memo_note = ""
        if memo:
            memo_guid = guids.memo  # hex and dashes: never escaped
            parts.append(f'<NoteRef targetGUID="{memo_guid}"/>')
            # "Memo: " holds nothing to escape: the escaped name follows it as it is.
            memo_note = (
                f'<Note guid="{memo_guid}" name="Memo: {name}" creatingUser="{user}" '
                f'creationDateTime="{created}"><PlainTextContent>{memo}</PlainTextContent></Note>'
            )
        parts += [f'<NoteRef targetGUID="{guid}"/>' for guid in self.memo_refs.get(note.id, ())]
        parts.append(_values_xml(note, self.org_types))
        parts.append("</TextSource>")
        return "".join(parts), memo_note


# Sources (or memos) written to project.qde's stream at once: each write crosses to the
# archive's thread, which leaves the interpreter three times for it (CRC, deflate, write)
# and waits up to 5 ms to come back each time while the export computes. 2,000 sources
# are a few megabytes.
_DRAIN_EVERY = 2000
_GUID_BLOCK = 500  # notes whose GUIDs are made at once (`_SourceXml.guids`)


def project_files(
    job: ExportJob,
    *,
    researcher: str,
    target: Profile | None = None,
    moment: datetime | None = None,
    progress: Progress | None = None,
    sink: BinaryIO | None = None,
    on_source: Callable[[str, str], object] | None = None,
) -> bytes:
    """project.qde, in the schema's order (the sources' texts are `source_entry`'s).

    With a `sink`, project.qde is written to it as it is built (and b"" returned).
    `on_source` is given each source's file name (`source_file`) and text (`source_text`'s)
    as its element is written, in the notes' order: the texts are made then, not kept (see
    `write_qdpx`)."""
    target = target or profile(None)
    notes, orgs, codes = job.notes, job.organizations, job.codes
    include_private = job.protections.include_private
    user = stable_guid("user", researcher)
    now = (moment or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    cases = _cases(job)
    case_codes = [(case.guid, case.name) for case in cases] if target.case_codes else []
    cases_of: dict[str, list[tuple[str, str]]] = {}
    if target.case_codes:
        for case in cases:
            for note_id in case.sources:
                cases_of.setdefault(note_id, []).append((case.guid, attr_value(case.guid)))
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
    links = _memo_links(job, cases)
    if codes or case_codes:
        with xml.element("CodeBook"):
            _write_codes(xml, codes, case_codes, note_refs=links.codes)
    with xml.element("Variables"):
        for variable in ALL_VARIABLES:
            xml.leaf("Variable", guid=variable.guid, name=variable.name, typeOfVariable=variable.kind)
    _write_cases(xml, cases)

    sources = _SourceXml(
        user=user,
        target=target,
        include_private=include_private,
        names=unique_names(notes),
        code_guid={tag_key(code.name): attr_value(code.guid) for code in codes},
        org_types=OrgTypes(orgs),
        cases_of=cases_of,
        memo_refs={note_id: [attr_value(guid) for guid in guids] for note_id, guids in links.sources.items()},
        on_source=on_source,
    )
    memos: list[str] = []  # the memos' <Note>s, escaped as their sources were
    if notes:
        xml.start("Sources")
    for first in range(0, len(notes), _GUID_BLOCK):
        block = notes[first : first + _GUID_BLOCK]
        for index, (note, guids) in enumerate(zip(block, sources.guids(block), strict=True), start=first):
            element, memo_note = sources.xml(note, guids)
            xml.parts.append(element)
            if memo_note:
                memos.append(memo_note)
            if index % 500 == 0:
                if sink is not None and index % _DRAIN_EVERY == 0:
                    xml.drain(sink)
                if progress:
                    progress(index, len(notes))
    if notes:
        xml.end("Sources")
    if memos or links.notes:
        with xml.element("Notes"):
            # One string a memo, made with its source (through `element`, the memos of
            # 50,000 notes took 0.5 s); drained as the sources are.
            for start in range(0, len(memos), _DRAIN_EVERY):
                xml.parts += memos[start : start + _DRAIN_EVERY]
                if sink is not None:
                    xml.drain(sink)
            for guid, name, created, description, text in links.notes:
                with xml.element(
                    "Note",
                    guid=guid,
                    name=name,
                    creatingUser=user,
                    creationDateTime=_stamp(created or now[:19]),
                ):
                    xml.text("Description", description)
                    xml.text("PlainTextContent", lf(text))
    if links.cases:
        with xml.element("Links"):
            for memo_guid, case_guid, name in links.cases:
                xml.leaf(
                    "Link",
                    guid=stable_guid("memo-link", memo_guid, case_guid),
                    name=name,
                    direction="OneWay",
                    originGUID=memo_guid,
                    targetGUID=case_guid,
                )
    xml.text("Description", project_description(target, include_private))
    xml.end("Project")
    if sink is not None:
        xml.drain(sink)
        return b""
    return xml.to_bytes()


_SAFE_FILE_NAME = re.compile(r"[A-Za-z0-9_{}-][A-Za-z0-9_.{}-]*")


def source_file(note_id: str) -> str:
    """The name of a note's text in `sources/`, without `.txt`: the note's id, or a GUID made
    from it when the id could not name a file safely (a path, `..`, a NUL: only a crafted
    or hand-edited database holds one; `import` finds the text through plainTextPath)."""
    return note_id if _SAFE_FILE_NAME.fullmatch(note_id) else stable_guid("source", note_id)


def source_entry(file: str, text: str, target: Profile) -> tuple[str, bytes]:
    """A source in the archive: its path (`sources/` + `source_file` + `.txt`) and its text
    (`source_text`) as written, with the target's line endings, UTF-8."""
    if target.newline == "\r\n":
        text = text.replace("\n", "\r\n")
    return f"sources/{file}.txt", text.encode("utf-8")


@dataclass
class _MemoLinks:
    """What the analytic memos and the codes' histories add to a project."""

    codes: dict[str, list[str]]  # code guid -> Note guids (its memos, its history)
    sources: dict[str, list[str]]  # note id -> memo guids
    cases: list[tuple[str, str, str]]  # (memo guid, case guid, link name)
    notes: list[tuple[str, str, str, str, str]]  # (guid, name, created, description, text)


def _memo_links(job: ExportJob, cases: list[_Case]) -> _MemoLinks:
    code_guid = {tag_key(code.name): code.guid for code in job.codes}
    org_cases = {tag_key(org.name): org.guid for org in job.organizations}
    exported = {note.id for note in job.notes}
    links = _MemoLinks({}, {}, [], [])
    for memo in job.memos:
        for kind, target in memo.links():
            key = tag_key(target)
            if kind == "code" and key in code_guid:
                links.codes.setdefault(code_guid[key], []).append(memo.guid)
            elif kind == "note" and target in exported:
                links.sources.setdefault(target, []).append(memo.guid)
            elif kind in ("org", "informant"):
                guid = _case_of(kind, key, cases, org_cases)
                if guid is not None:
                    links.cases.append((memo.guid, guid, f"Memo about {target}: {one_line(memo.title)}"))
        links.notes.append((memo.guid, memo.title, memo.created, _memo_description(memo), memo.body))
    for guid, entries in histories_by_code(job.codes, job.history).items():
        code = next(code for code in job.codes if code.guid == guid)
        note_guid = stable_guid("code-history", guid)
        links.codes.setdefault(guid, []).insert(0, note_guid)
        text = "\n".join(history_lines(entries))
        links.notes.append((note_guid, f"Codebook history: {code.name}", entries[0].when, HISTORY_MARK, text))
    return links


def _case_of(kind: str, key: str, cases: list[_Case], org_cases: dict[str, str]) -> str | None:
    """The guid of the exported case of an organization or informant, or None."""
    wanted = org_cases.get(key) if kind == "org" else stable_guid("informant", key)
    return wanted if any(case.guid == wanted for case in cases) else None


def _memo_description(memo: Memo) -> str:
    about = "; ".join(memo.about)
    return (
        f"{MEMO_MARK}: {memo.type}"
        + (f"; about {about}" if about else "")
        + (f"; by {memo.author}" if memo.author else "")
    )


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
        raise job.nothing_to_export()
    chosen = profile(target)
    prepare_file(path, force)
    report = ExportReport(notes=len(notes), format="qdpx", target=path, note_ids=[n.id for n in notes])
    researcher = researcher or _user_name()
    when = moment or datetime.now(UTC)
    local = when.astimezone() if moment is None else when  # the entries' time stamp
    write = partial(_write_project, path, job, chosen, researcher, (when, local), progress)
    try:
        # Many sources: deflated and written by a helper process, on the other core.
        write(helped=len(notes) >= HELPER_MIN_NOTES)
    except HelperGone:  # the archive was thrown away: written again, here
        write(helped=False)
    report.wrote(path, f"{plural(len(notes), 'source')}, {plural(len(codes), 'code')}, {chosen.describe()}")
    if progress:
        progress(len(notes), len(notes))
    return report


def _write_project(
    path: Path,
    job: ExportJob,
    target: Profile,
    researcher: str,
    moments: tuple[datetime, datetime],
    progress: Progress | None,
    *,
    helped: bool,
) -> None:
    """The .qdpx at `path`, its sources deflated and written by a helper process when
    `helped` (export/deflater.py; a failure of it raises `HelperGone`, and nothing is put
    at `path`). `moments`: the project's time stamp, and the entries'."""
    when, local = moments
    with (
        atomic_writer(path, before_replace=job.settled) as fd,
        DeflateBeside(fd) if helped else contextlib.nullcontext() as deflater,
        open(fd, "wb", closefd=False) as raw,
        ZipWriter(raw, local, background=True, deflater=deflater) as archive,
    ):

        def add_source(file: str, text: str) -> None:
            # Added beside project.qde as it is written: the texts are deflated and written
            # by the helper meanwhile, never all held as text.
            archive.add(*source_entry(file, text, target))

        # project.qde is kept deflated and goes last: the sources go to the file as they
        # come, and closing the archive writes one entry from memory, not 50,000.
        with archive.stream("project.qde", last=True) as sink:
            project_files(
                job,
                researcher=researcher,
                target=target,
                moment=when,
                progress=progress,
                sink=sink,
                on_source=add_source,
            )
        archive.close()


def _user_name() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "researcher"
