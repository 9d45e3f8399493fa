"""Property: in any .qdpx, every coding spans exactly the note's body in the exported
source text, and every case coding the whole text, in the target's unit.

refi.py counts positions from the lengths of a source's parts without building its
text; this holds those counts to the text actually written, over hostile notes
(characters beyond U+FFFF, CR and CRLF, characters XML cannot hold, private text)."""

from __future__ import annotations

import tempfile
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldnotes.export import refi
from fieldnotes.export.common import xml_safe
from fieldnotes.export.job import Protections
from fieldnotes.export.profiles import PROFILES
from fieldnotes.model import Note, stable_guid
from fieldnotes.service import FieldNotes
from fieldnotes.text import tag_key
from tests.test_export_properties import notes

NS = {"q": "urn:QDA-XML:project:1.0"}


def span(text: str, start: int, end: int, utf16: bool) -> str:
    if utf16:
        return text.encode("utf-16-le")[start * 2 : end * 2].decode("utf-16-le")
    return text[start:end]


def length(text: str, utf16: bool) -> int:
    return len(text.encode("utf-16-le")) // 2 if utf16 else len(text)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=st.lists(notes(), min_size=1, max_size=4), private=st.booleans())
def test_every_coding_spans_the_body_and_every_case_coding_the_whole_text(
    batch: list[Note], private: bool
) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        with FieldNotes.open(folder / "notes.json") as service:
            for note in batch:
                service.add(note)
            stored = {note.id: note for note in service.notes()}
            for name, target in PROFILES.items():
                path = folder / f"{name}.qdpx"
                protections = Protections(include_private=private, include_unconsented=True)
                service.export_qdpx(path, protections=protections, target=name, force=True)
                utf16 = target.unit.startswith("UTF-16")
                with zipfile.ZipFile(path) as archive:
                    project = ET.fromstring(archive.read("project.qde"))
                    for source in project.iterfind(".//q:TextSource", NS):
                        note = stored[source.get("guid", "")]
                        raw = archive.read(f"sources/{note.id}.txt").decode("utf-8")
                        text = raw.replace("\r\n", "\n") if target.newline == "\r\n" else raw
                        body = xml_safe(note.body.replace("\r\n", "\n").replace("\r", "\n"))
                        for selection in source.iterfind("q:PlainTextSelection", NS):
                            start = int(selection.get("startPosition", "-1"))
                            end = int(selection.get("endPosition", "-1"))
                            if selection.get("name") is None or not body:  # a case, or no body
                                assert (start, end) == (0, length(text, utf16)), name
                            else:
                                assert span(text, start, end, utf16) == body, name


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    batch=st.lists(notes(), min_size=1, max_size=6),
    block=st.integers(min_value=1, max_value=4),
    target=st.sampled_from(sorted(PROFILES)),
)
def test_every_guid_is_the_stable_guid_of_its_source_and_what_it_codes(
    batch: list[Note], block: int, target: str
) -> None:
    """A source's GUIDs are made for a block of notes at once: each selection, coding and
    memo still carries the GUID of its own note and code or case (stable across exports),
    whatever the block's size. (Cases are coded for QualCoder only.)"""
    with tempfile.TemporaryDirectory() as scratch, mock.patch.object(refi, "_GUID_BLOCK", block):
        folder = Path(scratch)
        with FieldNotes.open(folder / "notes.json") as service:
            for note in batch:
                service.add(note)
            stored = {note.id: note for note in service.notes()}
            key_of = {code.guid: tag_key(code.name) for code in service.registries.codes()}
            path = folder / "out.qdpx"
            service.export_qdpx(path, protections=Protections(include_unconsented=True), target=target)
        project = ET.fromstring(zipfile.ZipFile(path).read("project.qde"))
        sources = project.findall(".//q:TextSource", NS)
        assert len(sources) == len(stored)
        for source in sources:
            note = stored[source.get("guid", "")]
            coded = []
            for selection in source.iterfind("q:PlainTextSelection", NS):
                coding = selection.find("q:Coding", NS)
                target = selection.find("q:Coding/q:CodeRef", NS)
                assert coding is not None and target is not None
                target_guid = target.get("targetGUID", "")
                # A code's selection is named (a case's is not); its GUID is made of the code's key.
                is_code = selection.get("name") is not None
                kind, part = ("", key_of[target_guid]) if is_code else ("case-", target_guid)
                assert selection.get("guid") == stable_guid(f"{kind}selection", note.id, part)
                assert coding.get("guid") == stable_guid(f"{kind}coding", note.id, part)
                if is_code:
                    coded.append(part)
            assert coded == [tag_key(code) for code in note.codes if tag_key(code) in key_of.values()]
            refs = [ref.get("targetGUID") for ref in source.iterfind("q:NoteRef", NS)]
            assert (stable_guid("memo", note.id) in refs) == bool(note.memo.strip())
