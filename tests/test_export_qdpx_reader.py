"""The .qdpx read by an independent reader (pyrefiqda, from the package index), not our code.

Every text, coding span (in the profile's unit, and checked against the other
unit), code, case link and memo is checked, on notes with repeated titles, `/`
and `:` in titles, emoji before coded text, CRLF bodies and an empty body.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
import xmlschema
from pyrefiqda import RefiProject

from fieldnotes.export.job import Protections
from fieldnotes.export.profiles import PROFILES
from fieldnotes.export.refi import source_text
from fieldnotes.model import Code, Informant, Organization
from fieldnotes.service import FieldNotes
from tests.conftest import make_note

SCHEMA = Path(__file__).resolve().parent / "data" / "refi-qda" / "Project.xsd"
FORBIDDEN_IN_NAMES = set('/\\:*?"<>|')
# What each tool was found to expect (see fieldnotes/export/profiles.py for the evidence).
UTF16_TARGETS = {"nvivo"}
CRLF_TARGETS = {"atlas", "maxqda"}


def utf16_slice(text: str, start: int, end: int) -> str:
    data = text.encode("utf-16-le")
    return data[start * 2 : end * 2].decode("utf-16-le")


@pytest.fixture
def edgy(service: FieldNotes) -> FieldNotes:
    service.registries.save_organization(
        Organization("Harbor Rights Collective", type="advocacy: sex-worker rights")
    )
    service.registries.save_code(Code("legitimacy", description="Claims 🌙", origin="deductive"))
    service.registries.save_informant(Informant("P-07", role="outreach worker"))
    for day in (3, 4):
        service.add(
            make_note(
                title="Coalition monthly",  # the same title twice
                start=f"2015-06-0{day}T18:00",
                organizations=["Harbor Rights Collective"],
                codes=["legitimacy", "trust"],
                body=f"Meeting {day}.\nSecond line.",
            )
        )
    service.add(
        make_note(
            kind="event",
            title="Night 🌙 outreach / debrief: part 1",
            start="2015-07-01T22:00",
            organizations=["Harbor Rights Collective"],
            codes=["legitimacy"],
            body="Members 👩🏽‍⚕️ ran most of it.\r\nThen 𝒳 notes.",
            memo="Felt 😀 about it.\r\nSecond memo line.",
        )
    )
    service.add(
        make_note(kind="event", title="🎉🎉 empty body", start="2015-07-02T10:00", codes=["trust"], body="")
    )
    service.add(
        make_note(
            kind="interview",
            title="Interview with P-07",
            start="2015-08-01T10:00",
            informant="P-07",
            consent="verbal",
            codes=["trust"],
            body="She said 🙂 yes.",
            memo="Follow up.",
        )
    )
    return service


def read(path: Path, tmp: Path) -> tuple[RefiProject, Path]:
    extract = tmp / f"extract-{path.stem}"
    return RefiProject.load(str(path), extract_dir=str(extract)), extract


def walk(codes: list) -> list:  # type: ignore[type-arg]
    out = []
    for code in codes:
        out.append(code)
        out.extend(walk(code.code))
    return out


@pytest.mark.parametrize("target", sorted(PROFILES))
def test_an_independent_reader_finds_every_text_span_code_case_and_memo(
    edgy: FieldNotes, tmp_path: Path, target: str
) -> None:
    path = tmp_path / f"{target}.qdpx"
    edgy.export_qdpx(path, target=target)
    xmlschema.XMLSchema(str(SCHEMA)).validate(zipfile.ZipFile(path).read("project.qde").decode("utf-8"))
    project, extract = read(path, tmp_path)
    notes = {note.id: note for note in edgy.notes()}
    codes = {code.guid: code.name for code in walk(project.code_book.codes.code)}
    case_guids = {case.guid for case in project.cases.case}
    real_codes = {guid: name for guid, name in codes.items() if guid not in case_guids}
    assert sorted(real_codes.values()) == ["legitimacy", "trust"]
    sources = project.sources.text_source
    assert sorted(source.guid for source in sources) == sorted(notes)
    names = [source.name for source in sources]
    assert len(set(names)) == len(names)  # unique although two titles repeat
    assert all(not FORBIDDEN_IN_NAMES & set(name) for name in names)
    memo_notes = {note.guid: note.plain_text_content for note in project.notes.note}
    for source in sources:
        note = notes[source.guid]
        assert (
            source.name
            == f"{note.start[:10]} {note.title.replace(' / ', ' - ').replace(':', ' -')} ({note.id[:8]})"
        )
        with open(
            RefiProject.resolve_source_path(source.plain_text_path, str(extract)),
            encoding="utf-8",
            newline="",
        ) as f:
            raw = f.read()
        expected, body_start = source_text(note)
        newline = "\r\n" if target in CRLF_TARGETS else "\n"
        assert raw == expected.replace("\n", newline)  # the exact text, in the target's line endings
        assert not raw.startswith("\ufeff")
        text = raw.replace("\r\n", "\n")  # a CRLF counts as one in those profiles
        body = note.body.replace("\r\n", "\n")
        coded = [
            sel for sel in source.plain_text_selection if sel.coding[0].code_ref.target_guid in real_codes
        ]
        assert [real_codes[sel.coding[0].code_ref.target_guid] for sel in coded] == note.codes
        for selection in coded:
            start, end = selection.start_position, selection.end_position
            if target in UTF16_TARGETS:
                assert utf16_slice(text, start, end) == (body or text)
                astral = any(ord(c) > 0xFFFF for c in text[: body_start if body else 0])
                if astral:  # the other unit would be off: the profile matters
                    assert text[start:end] != (body or text)
            else:
                assert text[start:end] == (body or text)
        # the memo: in <Description> (QualCoder) and as a REFI <Note> (everyone else)
        expected_memo = note.memo.replace("\r\n", "\n")
        assert (source.description or "") == expected_memo
        if note.memo:
            assert [memo_notes[ref.target_guid] for ref in source.note_ref] == [expected_memo]
        else:
            assert source.note_ref == []
    # cases: every organization and informant, linked to its sources
    cases = {case.name: {ref.target_guid for ref in case.source_ref} for case in project.cases.case}
    harbor = {n.id for n in notes.values() if "Harbor Rights Collective" in n.organizations}
    assert cases["Harbor Rights Collective"] == harbor
    assert cases["P-07"] == {n.id for n in notes.values() if n.informant == "P-07"}
    case_coded = {
        (source.guid, sel.coding[0].code_ref.target_guid)
        for source in sources
        for sel in source.plain_text_selection
        if sel.coding[0].code_ref.target_guid in case_guids
    }
    if target == "qualcoder":  # QualCoder links a case through a code with its GUID
        by_name = {case.name: case.guid for case in project.cases.case}
        assert case_coded == {(note_id, by_name["Harbor Rights Collective"]) for note_id in harbor} | {
            (n.id, by_name["P-07"]) for n in notes.values() if n.informant == "P-07"
        }
    else:
        assert case_coded == set() and set(codes) == set(real_codes)


def test_the_sample_study_exports_whole(tmp_path: Path) -> None:
    from fieldnotes.sample import build_sample

    with FieldNotes.open(tmp_path / "s.json") as service:
        build_sample(service)
        path = tmp_path / "sample.qdpx"
        service.export_qdpx(path, protections=Protections(include_unconsented=True))
        notes = {note.id: note for note in service.notes()}
        codes = {code.name for code in service.registries.codes()}
        orgs = {org.name for org in service.registries.organizations()}
    project, _ = read(path, tmp_path)
    assert {s.guid for s in project.sources.text_source} == set(notes)
    assert {c.name for c in walk(project.code_book.codes.code)} == codes
    codings = sum(len(s.plain_text_selection) for s in project.sources.text_source)
    assert codings == sum(len(n.codes) for n in notes.values())
    assert sum(1 for s in project.sources.text_source if s.description) == sum(
        1 for n in notes.values() if n.memo.strip()
    )
    case_names = {case.name for case in project.cases.case}
    used_orgs = {org for n in notes.values() for org in n.organizations}
    assert used_orgs <= case_names <= orgs | {n.informant for n in notes.values() if n.informant}
