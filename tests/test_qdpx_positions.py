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

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldnotes.export.common import xml_safe
from fieldnotes.export.job import Protections
from fieldnotes.export.profiles import PROFILES
from fieldnotes.model import Note
from fieldnotes.service import FieldNotes
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
