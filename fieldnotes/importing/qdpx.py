"""Reading a `.qdpx` written by `fieldnotes export qdpx` back into notes.

Each TextSource is a note: its GUID the id, its variables the classifying
fields, its text the header (title first) and the body, its codings the codes,
its Description (else its Note) the memo. The project's Description says how the
file was written (line endings; whether private observations follow the body),
so every target profile reads back. Codes made for QualCoder's case links
(a code with a case's GUID) are cases, not codes, and are left out.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from fieldnotes.errors import ImportRefusedError, ValidationError
from fieldnotes.export.common import lf, xml_safe
from fieldnotes.export.refi import DERIVED_VARIABLES, HISTORY_MARK, MEMO_MARK, NOTE_VARIABLES, PRIVATE_MARK
from fieldnotes.importing.rows import BadRow, ParsedFile, ParsedNote, build_note
from fieldnotes.model import LIST_FIELDS
from fieldnotes.text import one_line

MAX_ENTRY = 512 * 1024 * 1024  # refuse a zip entry that would inflate beyond this


def _tag(element: ET.Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def _children(element: ET.Element, name: str) -> list[ET.Element]:
    return [child for child in element if _tag(child) == name]


def _child_text(element: ET.Element, name: str) -> str | None:
    for child in element:
        if _tag(child) == name:
            return child.text or ""
    return None


def _guid(value: str | None) -> str:
    return (value or "").strip().strip("{}").lower()


def _read(archive: zipfile.ZipFile, name: str) -> bytes:
    info = archive.getinfo(name)
    if info.file_size > MAX_ENTRY:
        raise ImportRefusedError(f"{name} in the project is larger than {MAX_ENTRY // 2**20} MB")
    return archive.read(info)


def _open_project(path: Path) -> tuple[zipfile.ZipFile, ET.Element]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ImportRefusedError(f"{path.name} is not a readable .qdpx (zip) file: {exc}") from None
    names = {name.lower(): name for name in archive.namelist()}
    if "project.qde" not in names:
        archive.close()
        raise ImportRefusedError(f"{path.name} has no project.qde: not a REFI-QDA project")
    try:
        root = ET.fromstring(_read(archive, names["project.qde"]))
    except ET.ParseError as exc:
        archive.close()
        raise ImportRefusedError(f"{path.name}: project.qde is not readable XML ({exc})") from None
    return archive, root


def case_guids(root: ET.Element) -> set[str]:
    return {_guid(case.get("guid")) for case in root.iter() if _tag(case) == "Case"}


def _codes(root: ET.Element) -> dict[str, str]:
    return {_guid(code.get("guid")): code.get("name", "") for code in root.iter() if _tag(code) == "Code"}


def _variables(root: ET.Element) -> dict[str, str]:
    """Variable GUID -> note field, for the variables fieldnotes writes (matched by GUID, then name)."""
    by_guid = {variable.guid: variable.key for variable in NOTE_VARIABLES}
    by_name = {variable.name.casefold(): variable.key for variable in NOTE_VARIABLES}
    out = {}
    for element in root.iter():
        if _tag(element) == "Variable":
            guid = _guid(element.get("guid"))
            key = by_guid.get(guid) or by_name.get(element.get("name", "").casefold())
            if key:
                out[guid] = key
    return out


def _value(element: ET.Element) -> tuple[str, str]:
    ref = ""
    value = ""
    for child in element:
        if _tag(child) == "VariableRef":
            ref = _guid(child.get("targetGUID"))
        else:
            value = child.text or ""
    return ref, value


def _minute(stamp: str) -> str:
    """2016-01-17T08:30:00 -> 2016-01-17T08:30 (the note's start and end)."""
    return stamp.strip().removesuffix("Z")[:16]


LOSSY = {
    "title": lambda text: xml_safe(one_line(text)),
    "body": lambda text: xml_safe(lf(text)),
    "memo": lambda text: xml_safe(lf(text)) if text.strip() else "",
    "private": lambda text: xml_safe(lf(text)),
    "location": lambda text: xml_safe(text),
}


def parse_qdpx(path: Path) -> ParsedFile:
    archive, root = _open_project(path)
    parsed = ParsedFile(lossy=dict(LOSSY), codebook=True)
    with archive:
        entries = {name.lower(): name for name in archive.namelist()}
        about = _child_text(root, "Description") or ""
        crlf = "line endings CRLF" in about
        private = "Private observations: included" in about
        codes = _codes(root)
        cases = case_guids(root)
        variables = _variables(root)
        memos = {
            _guid(note.get("guid")): _child_text(note, "PlainTextContent") or ""
            for note in root.iter()
            if _tag(note) == "Note" and not _ours(_child_text(note, "Description") or "")
        }
        carried_vars = {key for key in variables.values() if key not in DERIVED_VARIABLES}
        carried = frozenset({"id", "title", "body", "memo", "codes", "created", "updated", *carried_vars})
        if private:
            carried |= {"private"}
        sources = [element for element in root.iter() if _tag(element) == "TextSource"]
        for number, source in enumerate(sources, start=1):
            where = f"source {number} ({source.get('name', '')[:80]})"
            try:
                values = _source_values(source, _Project(archive, entries, codes, cases, variables, memos))
                values.update(_text_values(source, values.pop("text"), crlf=crlf, private=private))
                note = build_note(values)
            except (ValidationError, ValueError, KeyError, UnicodeDecodeError) as exc:
                parsed.bad.append(BadRow(number, str(exc), where))
                continue
            parsed.notes.append(ParsedNote(number, note, carried, where))
    return parsed


def _ours(description: str) -> bool:
    """A Note fieldnotes wrote that is no note's memo: an analytic memo, a code's history."""
    return description.startswith((MEMO_MARK, HISTORY_MARK))


@dataclass(frozen=True)
class _Project:
    archive: zipfile.ZipFile
    entries: dict[str, str]  # lowercased name -> name in the zip
    codes: dict[str, str]  # code GUID -> name
    cases: set[str]  # case GUIDs
    variables: dict[str, str]  # variable GUID -> note field
    memos: dict[str, str]  # Note GUID -> text


def _text_values(source: ET.Element, text: str, *, crlf: bool, private: bool) -> dict[str, Any]:
    """Title, body (and private text) from a source's text: header, blank line, body."""
    if crlf:
        text = text.replace("\r\n", "\n")
    header, _, body = text.partition("\n\n")
    values = {"title": header.split("\n", 1)[0], "body": body}
    if private:
        body, mark, rest = body.rpartition(PRIVATE_MARK)
        values["body"], values["private"] = (body, rest) if mark else (rest, "")
    return values


def _source_values(source: ET.Element, project: _Project) -> dict[str, Any]:
    text = _child_text(source, "PlainTextContent")
    if text is None:
        reference = source.get("plainTextPath", "")
        name = reference.removeprefix("internal://")
        entry = project.entries.get(f"sources/{name}".lower())
        if entry is None:
            raise ValidationError(f"its text {reference!r} is not in the project")
        text = _read(project.archive, entry).decode("utf-8").removeprefix("\ufeff")
    values: dict[str, Any] = {
        "text": text,
        "id": _guid(source.get("guid")),
        "created": source.get("creationDateTime", ""),
        "updated": source.get("modifiedDateTime", source.get("creationDateTime", "")),
    }
    found: list[str] = []
    for selection in _children(source, "PlainTextSelection"):
        for coding in _children(selection, "Coding"):
            for ref in _children(coding, "CodeRef"):
                guid = _guid(ref.get("targetGUID"))
                if guid in project.cases or guid not in project.codes:
                    continue
                name = project.codes[guid]
                if name not in found:
                    found.append(name)
    values["codes"] = found
    memo = _child_text(source, "Description")
    if memo is None:
        refs = [_guid(ref.get("targetGUID")) for ref in _children(source, "NoteRef")]
        memo = "\n\n".join(project.memos[ref] for ref in refs if ref in project.memos)
    values["memo"] = memo
    variables = project.variables
    for key in set(variables.values()) - DERIVED_VARIABLES:
        values[key] = [] if key in LIST_FIELDS else ""
    values["end"] = None
    date = ""
    for element in _children(source, "VariableValue"):
        ref, value = _value(element)
        key = variables.get(ref)
        if key is None:
            continue
        if key == "date":
            date = value.strip()
        elif key in ("start", "end"):
            values[key] = _minute(value)
        elif key in LIST_FIELDS:
            values[key] = [part.strip() for part in value.split(";") if part.strip()]
        elif key not in DERIVED_VARIABLES:
            values[key] = value
    if not values.get("start"):
        values["start"] = f"{date[:10]}T00:00" if date else ""
    return values
