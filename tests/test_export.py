"""Exports arrive untouched: NVivo CSV, REFI-QDA .qdc and .qdpx, and import back."""

from __future__ import annotations

import csv
import io
import json
import stat
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import xmlschema
from click.testing import CliRunner

from fieldnotes.cli.main import cli
from fieldnotes.errors import ImportRefusedError, NothingToExportError, OutputExistsError
from fieldnotes.export.job import Protections
from fieldnotes.export.nvivo import NOTE_HEADER
from fieldnotes.export.refi import CODEBOOK_NS, PROJECT_NS
from fieldnotes.index import NoteFilter
from fieldnotes.merge.revisions import BOOKKEEPING
from fieldnotes.model import Code, Note, Organization
from fieldnotes.service import FieldNotes
from tests.conftest import ODD_TEXTS, make_note

SCHEMA = Path(__file__).resolve().parent / "data" / "refi-qda" / "Project.xsd"  # MIT, see LICENSE there
P = f"{{{PROJECT_NS}}}"


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def study(service: FieldNotes) -> FieldNotes:
    service.registries.save_organization(
        Organization("Harbor Rights Collective", type="advocacy: sex-worker rights")
    )
    service.registries.save_organization(
        Organization("Eastgate Drop-in Centre", type="human-service nonprofit")
    )
    service.registries.save_code(
        Code("legitimacy", description="Claims to speak for others", origin="deductive")
    )
    service.registries.save_code(Code("framing: worker", parent="legitimacy", origin="deductive"))
    service.add(
        make_note(
            title="Collective monthly",
            start="2015-06-03T18:00",
            end="2015-06-03T19:30",
            organizations=["Harbor Rights Collective", "Eastgate Drop-in Centre"],
            codes=["legitimacy"],
            body='Line one.\nShe said "no", twice.\r\n=SUM(A1) 🎉 שלום',
            memo="I felt like an outsider.",
            host="Harbor Rights Collective",
        )
    )
    service.add(
        make_note(
            kind="interview",
            title="Director",
            start="2015-07-10T10:00",
            organizations=["Eastgate Drop-in Centre"],
            codes=["framing: worker", "trust"],
            informant="P-01",
            informant_role="director",
            consent="written",
            body="+ she asked for anonymity",
        )
    )
    service.add(
        make_note(
            kind="event",
            title="Panel",
            start="2015-09-12T10:00",
            organizations=["Harbor Rights Collective"],
            event_type="panel",
            body="",
        )
    )
    return service


# ----------------------------------------------------------------- NVivo CSV
def test_nvivo_folder_files_format_and_permissions(study: FieldNotes, tmp_path: Path) -> None:
    out = tmp_path / "new" / "export"
    report = study.export_nvivo(out)
    assert mode(tmp_path / "new") == 0o700  # every folder the export creates
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "HOW-TO-IMPORT.txt",
        "codebook-history.csv",
        "codebook.csv",
        "followups.csv",
        "informants.csv",
        "memos.csv",
        "note_codes.csv",
        "note_organizations.csv",
        "note_ties.csv",
        "notes.csv",
        "organizations.csv",
    ]
    assert mode(out) == 0o700
    assert all(mode(p) == 0o600 for p in out.iterdir())
    raw = (out / "notes.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for spreadsheets
    records = raw[3:].split(b"\r\n")
    assert records[0].startswith(b'"note_id","kind","date","time"')
    assert all(cell.startswith(b'"') for cell in records[0].split(b","))  # every field quoted
    rows = read_csv(out / "notes.csv")
    assert len(rows) == 3 and list(rows[0]) == NOTE_HEADER
    meeting = next(r for r in rows if r["title"] == "Collective monthly")
    assert meeting["body"] == 'Line one.\nShe said "no", twice.\r\n=SUM(A1) 🎉 שלום'  # kept exactly
    assert (meeting["date"], meeting["time"], meeting["end"], meeting["duration_minutes"]) == (
        "2015-06-03",
        "18:00",
        "2015-06-03 19:30",
        "90",
    )
    assert meeting["organizations"] == "Harbor Rights Collective; Eastgate Drop-in Centre"
    assert meeting["organization_types"] == "advocacy: sex-worker rights; human-service nonprofit"
    assert any("start with = + - or @" in w for w in report.warnings)
    assert "wrote" in report.lines()[0]


def test_flatten_newlines_and_excel_safe(study: FieldNotes, tmp_path: Path) -> None:
    study.export_nvivo(tmp_path / "x", flatten_newlines=True, excel_safe=True)
    raw = (tmp_path / "x" / "notes.csv").read_bytes().decode("utf-8-sig")
    assert raw.count("\r\n") == 4 and "\n" not in raw.replace("\r\n", "")  # one record per line
    rows = read_csv(tmp_path / "x" / "notes.csv")
    meeting = next(r for r in rows if r["title"] == "Collective monthly")
    assert meeting["body"] == 'Line one. ¶ She said "no", twice. ¶ =SUM(A1) 🎉 שלום'
    interview = next(r for r in rows if r["title"] == "Director")
    assert interview["body"] == "'+ she asked for anonymity"


def test_code_columns(study: FieldNotes, tmp_path: Path) -> None:
    study.export_nvivo(tmp_path / "x", code_columns=True)
    rows = read_csv(tmp_path / "x" / "notes.csv")
    interview = next(r for r in rows if r["title"] == "Director")
    assert (interview["code: framing: worker"], interview["code: legitimacy"], interview["code: trust"]) == (
        "1",
        "0",
        "1",
    )


def test_classification_sheets_and_codebook(study: FieldNotes, tmp_path: Path) -> None:
    study.export_nvivo(tmp_path / "x")
    orgs = {r["organization"]: r for r in read_csv(tmp_path / "x" / "organizations.csv")}
    harbor = orgs["Harbor Rights Collective"]
    assert next(iter(harbor)) == "organization"
    assert (harbor["first_contact"], harbor["last_contact"]) == ("2015-06-03", "2015-09-12")
    assert (harbor["meetings"], harbor["events"], harbor["interviews"]) == ("1", "1", "0")
    assert orgs["Eastgate Drop-in Centre"]["interviews"] == "1"
    informants = read_csv(tmp_path / "x" / "informants.csv")
    assert informants == [
        {
            "pseudonym": "P-01",
            "role": "director",
            "organization": "Eastgate Drop-in Centre",
            "consent": "written",
            "interviews": "1",
        }
    ]
    codes = {r["code"]: r for r in read_csv(tmp_path / "x" / "codebook.csv")}
    assert codes["legitimacy"]["origin"] == "deductive" and codes["trust"]["origin"] == "inductive"
    assert codes["framing: worker"]["parent"] == "legitimacy"
    assert (codes["legitimacy"]["first_used"], codes["legitimacy"]["notes"]) == ("2015-06-03", "1")
    howto = (tmp_path / "x" / "HOW-TO-IMPORT.txt").read_text()
    assert "Import > Dataset" in howto and "Classification Sheets" in howto and "CODABLE" in howto


def test_filters_apply_to_exports(study: FieldNotes, tmp_path: Path) -> None:
    study.export_nvivo(tmp_path / "x", NoteFilter(kind="interview"))
    assert [r["title"] for r in read_csv(tmp_path / "x" / "notes.csv")] == ["Director"]


def test_existing_output_needs_force(study: FieldNotes, tmp_path: Path) -> None:
    study.export_nvivo(tmp_path / "x")
    with pytest.raises(OutputExistsError):
        study.export_nvivo(tmp_path / "x")
    study.export_nvivo(tmp_path / "x", force=True)
    study.export_qdpx(tmp_path / "p.qdpx")
    with pytest.raises(OutputExistsError):
        study.export_qdpx(tmp_path / "p.qdpx")


# ------------------------------------------------------------------ REFI-QDA
def codebook_schema() -> xmlschema.XMLSchema:
    text = SCHEMA.read_text().replace("urn:QDA-XML:project:1.0", CODEBOOK_NS)
    at = text.index('<xsd:element name="Project"')
    text = text[:at] + '<xsd:element name="CodeBook" type="CodeBookType"/>' + text[at:]
    return xmlschema.XMLSchema(text)


def project_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(SCHEMA))


def test_qdc_structure_nesting_and_stable_guids(study: FieldNotes, tmp_path: Path) -> None:
    study.export_qdc(tmp_path / "a.qdc")
    study.export_qdc(tmp_path / "b.qdc")
    raw = (tmp_path / "a.qdc").read_bytes()
    assert raw == (tmp_path / "b.qdc").read_bytes()  # guids stable across exports
    root = ET.fromstring(raw)
    c = f"{{{CODEBOOK_NS}}}"
    assert root.tag == f"{c}CodeBook" and root[0].tag == f"{c}Codes"
    top = {code.get("name"): code for code in root[0].findall(f"{c}Code")}
    assert set(top) == {"legitimacy", "trust"}
    child = top["legitimacy"].find(f"{c}Code")
    assert child is not None and child.get("name") == "framing: worker"
    assert top["legitimacy"].get("isCodable") == "true"
    description = top["legitimacy"].findtext(f"{c}Description")
    head, history = description.split("\n\nCodebook history (fieldnotes):\n")
    assert head == "Claims to speak for others\n\nOrigin: deductive"
    assert "created (deductive)" in history.splitlines()[0]
    assert mode(tmp_path / "a.qdc") == 0o600


def test_qdc_validates_against_the_schema(study: FieldNotes, tmp_path: Path) -> None:
    study.export_qdc(tmp_path / "a.qdc")
    codebook_schema().validate(str(tmp_path / "a.qdc"))


def test_empty_codebook_is_refused(service: FieldNotes, tmp_path: Path) -> None:
    with pytest.raises(NothingToExportError):
        service.export_qdc(tmp_path / "a.qdc")
    assert not (tmp_path / "a.qdc").exists()


@pytest.mark.parametrize("export", ["export_qdpx", "export_nvivo", "export_documents"])
def test_only_unconsented_interviews_matching_says_so_not_check_the_filters(
    service: FieldNotes, tmp_path: Path, export: str
) -> None:
    service.add(make_note(kind="interview", title="Talk with the director"))
    service.add(make_note(kind="interview", title="Second talk", consent="none recorded"))
    target = tmp_path / ("p.qdpx" if export == "export_qdpx" else "out")
    with pytest.raises(NothingToExportError, match="2 notes that match are interviews without recorded"):
        getattr(service, export)(target)
    assert not target.exists()
    getattr(service, export)(target, protections=Protections(include_unconsented=True))
    assert target.exists()
    with pytest.raises(NothingToExportError, match="check the filters"):  # no note matched at all
        getattr(service, export)(tmp_path / "other", NoteFilter(kind="event"))


def test_qdpx_layout_selections_cases_and_memos(study: FieldNotes, tmp_path: Path) -> None:
    study.export_qdpx(tmp_path / "p.qdpx", researcher="Dana")
    archive = zipfile.ZipFile(tmp_path / "p.qdpx")
    names = archive.namelist()
    assert "project.qde" in names
    assert all(n == "project.qde" or n.startswith("sources/") for n in names)
    qde = archive.read("project.qde")
    assert not qde.startswith(b"\xef\xbb\xbf")
    root = ET.fromstring(qde)
    assert [child.tag.removeprefix(P) for child in root] == [
        "Users",
        "CodeBook",
        "Variables",
        "Cases",
        "Sources",
        "Notes",
        "Description",
    ]
    assert root.find(f"{P}Users/{P}User").get("name") == "Dana"
    variables = {v.get("name"): v.get("typeOfVariable") for v in root.iter(f"{P}Variable")}
    assert variables["Date"] == "Date" and variables["Duration (minutes)"] == "Integer"
    codes = {code.get("guid"): code.get("name") for code in root.iter(f"{P}Code")}
    notes = {n.title: n for n in study.notes()}
    by_id = {n.id: n for n in study.notes()}
    for source in root.iter(f"{P}TextSource"):
        note = by_id[source.get("guid")]
        assert source.get("name") == f"{note.start[:10]} {note.title} ({note.id[:8]})"
        assert source.get("plainTextPath") == f"internal://{note.id}.txt"
        text = archive.read(f"sources/{note.id}.txt").decode("utf-8")
        assert "\r" not in text
        selections = source.findall(f"{P}PlainTextSelection")
        assert sorted(codes[s.find(f"{P}Coding/{P}CodeRef").get("targetGUID")] for s in selections) == sorted(
            note.codes
        )
        for selection in selections:
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            if note.body:
                assert text[start:end] == note.body.replace("\r\n", "\n")  # code points, exact
    cases = {case.get("name"): case for case in root.iter(f"{P}Case")}
    assert {"Harbor Rights Collective", "Eastgate Drop-in Centre", "P-01"} <= set(cases)
    harbor_refs = {ref.get("targetGUID") for ref in cases["Harbor Rights Collective"].iter(f"{P}SourceRef")}
    assert harbor_refs == {notes["Collective monthly"].id, notes["Panel"].id}
    memo = root.find(f"{P}Notes/{P}Note")
    assert memo is not None and memo.findtext(f"{P}PlainTextContent") == "I felt like an outsider."
    meeting = next(s for s in root.iter(f"{P}TextSource") if s.get("guid") == notes["Collective monthly"].id)
    assert meeting.find(f"{P}NoteRef").get("targetGUID") == memo.get("guid")
    assert meeting.findtext(f"{P}Description") == "I felt like an outsider."  # QualCoder reads memos here
    assert mode(tmp_path / "p.qdpx") == 0o600


def test_qdpx_validates_against_the_schema(study: FieldNotes, tmp_path: Path) -> None:
    study.add(make_note(title="control \x0b chars \x00 and emoji 🎉", body="a\x01b"))
    study.export_qdpx(tmp_path / "p.qdpx")
    project_schema().validate(zipfile.ZipFile(tmp_path / "p.qdpx").read("project.qde").decode("utf-8"))


# -------------------------------------------------------------------- import
def test_csv_round_trip_field_for_field(study: FieldNotes, tmp_path: Path) -> None:
    for text in ODD_TEXTS:
        study.add(
            make_note(title=f"odd {len(text)}", body=text, memo=text, followups=text, location=text.strip())
        )
    before = {n.id: n for n in study.notes()}
    for flatten in (False, True):
        out = tmp_path / f"x{flatten}"
        study.export_nvivo(out, flatten_newlines=flatten, protections=Protections(include_unconsented=True))
        other = FieldNotes.open(tmp_path / f"other{flatten}.json")
        report = other.import_notes(out / "notes.csv", unflatten_newlines=flatten)
        assert report.added == len(before)
        after = {n.id: n for n in other.notes()}
        for note_id, note in before.items():
            if flatten:  # flattening keeps line breaks, not which kind they were
                for name in ("body", "memo", "followups", "location"):
                    setattr(note, name, getattr(note, name).replace("\r\n", "\n").replace("\r", "\n"))
            # the revision follows the content: a flattened copy is another version
            assert without_revisions(after[note_id]) == without_revisions(note)
        other.close()


def without_revisions(note: Note) -> dict[str, object]:
    return {key: value for key, value in note.to_dict().items() if key not in BOOKKEEPING}


def test_import_updates_matching_ids_and_reports(study: FieldNotes, tmp_path: Path) -> None:
    study.export_nvivo(tmp_path / "x")
    rows = read_csv(tmp_path / "x" / "notes.csv")
    rows[0]["title"] = "Renamed in a spreadsheet"
    rows.append({**rows[1], "note_id": "", "title": "Kept in a spreadsheet before"})
    with open(tmp_path / "edited.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=NOTE_HEADER)
        writer.writeheader()
        writer.writerows(rows)
    report = study.import_notes(tmp_path / "edited.csv")
    assert (report.added, report.updated, report.unchanged) == (1, 1, 2)
    assert {n.title for n in study.notes()} >= {"Renamed in a spreadsheet", "Kept in a spreadsheet before"}


def test_bad_rows_refuse_the_whole_file(study: FieldNotes, tmp_path: Path) -> None:
    study.export_nvivo(tmp_path / "x")
    rows = read_csv(tmp_path / "x" / "notes.csv")
    rows[1]["date"] = "someday"
    rows[2]["kind"] = "party"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=NOTE_HEADER)
    writer.writeheader()
    writer.writerows([{**r, "note_id": f"{i:08d}-0000-0000-0000-000000000000"} for i, r in enumerate(rows)])
    (tmp_path / "bad.csv").write_text(buffer.getvalue(), encoding="utf-8")
    fresh = FieldNotes.open(tmp_path / "fresh.json")
    with pytest.raises(ImportRefusedError) as info:
        fresh.import_notes(tmp_path / "bad.csv")
    message = str(info.value)
    assert "2 bad row(s)" in message and "someday" in message and "party" in message
    assert "line " in message
    assert fresh.count() == 0  # nothing half-imported
    report = fresh.import_notes(tmp_path / "bad.csv", skip_bad=True)
    assert report.added == 1 and len(report.skipped) == 2
    fresh.close()


def test_jsonl_import(service: FieldNotes, tmp_path: Path) -> None:
    lines = [
        json.dumps(make_note(title="from json", organizations=["A"]).to_dict()),
        "",
        json.dumps({"kind": "event", "title": "minimal", "start": "2015-01-02T03:04"}),
        "{not json",
    ]
    (tmp_path / "n.jsonl").write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(ImportRefusedError, match="line 4"):
        service.import_notes(tmp_path / "n.jsonl")
    report = service.import_notes(tmp_path / "n.jsonl", skip_bad=True)
    assert report.added == 2
    assert sorted(n.title for n in service.notes()) == ["from json", "minimal"]


def test_cli_exports_print_what_they_wrote(study: FieldNotes, tmp_path: Path) -> None:
    study.close()
    db = str(study.path)
    runner = CliRunner()
    result = runner.invoke(cli, ["--db", db, "export", "nvivo", str(tmp_path / "x"), "--kind", "interview"])
    assert result.exit_code == 0, result.output
    assert "notes.csv" in result.stdout and "1 row" in result.stdout
    assert "warning" in result.stderr  # the formula-looking cell
    again = runner.invoke(cli, ["--db", db, "export", "nvivo", str(tmp_path / "x")])
    assert again.exit_code == 2 and "--force" in again.stderr
    result = runner.invoke(
        cli, ["--db", db, "export", "qdpx", str(tmp_path / "p.qdpx"), "--since", "1 Jul 2015"]
    )
    assert result.exit_code == 0 and "2 sources" in result.stdout
    result = runner.invoke(cli, ["--db", db, "export", "qdc", str(tmp_path / "c.qdc")])
    assert result.exit_code == 0 and "3 codes" in result.stdout
    result = runner.invoke(
        cli, ["--db", str(tmp_path / "new.json"), "import", str(tmp_path / "x" / "notes.csv")]
    )
    assert result.exit_code == 0 and "added 1" in result.stdout
    empty = runner.invoke(
        cli, ["--db", str(tmp_path / "empty.json"), "export", "qdc", str(tmp_path / "e.qdc")]
    )
    assert empty.exit_code == 2 and "empty" in empty.stderr


# ------------------------------------------------------------------- xlsx
def test_xlsx_files_are_proper_sheets_with_text_cells_dates_and_line_breaks(
    study: FieldNotes, tmp_path: Path
) -> None:
    from datetime import datetime

    from openpyxl import load_workbook

    study.export_nvivo(tmp_path / "x", format="xlsx")
    files = sorted(p.name for p in (tmp_path / "x").iterdir())
    assert files == [
        "HOW-TO-IMPORT.txt",
        "codebook-history.xlsx",
        "codebook.xlsx",
        "followups.xlsx",
        "informants.xlsx",
        "memos.xlsx",
        "note_codes.xlsx",
        "note_organizations.xlsx",
        "note_ties.xlsx",
        "notes.xlsx",
        "organizations.xlsx",
    ]
    for name in files[1:]:
        workbook = load_workbook(tmp_path / "x" / name)
        assert workbook.sheetnames == [name.removesuffix(".xlsx")]
    sheet = load_workbook(tmp_path / "x" / "notes.xlsx").active
    rows = list(sheet.iter_rows())
    assert [cell.value for cell in rows[0]][: len(NOTE_HEADER)] == NOTE_HEADER
    column = {cell.value: index for index, cell in enumerate(rows[0])}
    meeting = next(row for row in rows if row[column["title"]].value == "Collective monthly")
    body = meeting[column["body"]]
    assert body.value == 'Line one.\nShe said "no", twice.\r\n=SUM(A1) 🎉 שלום' and body.data_type == "s"
    assert meeting[column["date"]].value == datetime(2015, 6, 3)
    assert meeting[column["date"]].number_format == "yyyy-mm-dd"
    assert meeting[column["end"]].value == datetime(2015, 6, 3, 19, 30)
    assert meeting[column["duration_minutes"]].value == 90
    director = next(row for row in rows if row[column["title"]].value == "Director")
    assert director[column["body"]].value == "+ she asked for anonymity"  # text, not a formula
    relation = load_workbook(tmp_path / "x" / "note_organizations.xlsx").active
    pairs = [[cell.value for cell in row] for row in relation.iter_rows()]
    assert pairs[0] == ["note_id", "organization"] and len(pairs) == 1 + 4  # one row per note and org
    howto = (tmp_path / "x" / "HOW-TO-IMPORT.txt").read_text()
    assert "notes.xlsx" in howto and "Windows" in howto and "Mac" in howto


def test_dates_are_one_documented_format_in_every_csv(study: FieldNotes, tmp_path: Path) -> None:
    import re

    study.export_nvivo(tmp_path / "x")
    rows = read_csv(tmp_path / "x" / "notes.csv")
    for row in rows:
        assert re.fullmatch(r"\d{4}-\d\d-\d\d", row["date"]) and re.fullmatch(r"\d\d:\d\d", row["time"])
        for name in ("created", "updated"):
            assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", row[name]), row[name]
        assert row["end"] == "" or re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", row["end"])
    howto = (tmp_path / "x" / "HOW-TO-IMPORT.txt").read_text()
    assert "YYYY-MM-DD HH:MM:SS" in howto and "YYYY-MM-DD HH:MM" in howto
