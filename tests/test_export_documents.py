"""`export documents`: one document per note for NVivo, the sheets keyed by their names, `--new-only`."""

from __future__ import annotations

import csv
import stat
from dataclasses import replace
from datetime import date
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from fieldnotes.cli.main import cli
from fieldnotes.errors import NothingToExportError, OutputExistsError
from fieldnotes.export.refi import source_text
from fieldnotes.index import NoteFilter
from fieldnotes.model import Organization
from fieldnotes.service import FieldNotes
from tests.conftest import make_note

FORBIDDEN = set('/\\:*?"<>|')


@pytest.fixture
def notes(service: FieldNotes) -> FieldNotes:
    service.registries.save_organization(
        Organization("Harbor Rights Collective", type="advocacy: sex-worker rights")
    )
    service.add(
        make_note(title="Coalition monthly", start="2015-06-03T18:00", body="First.\nSecond\tcolumn.")
    )
    service.add(
        make_note(
            title="Coalition monthly",
            start="2015-06-03T18:00",
            organizations=["Harbor Rights Collective"],
            body="Same title, same day.",
        )
    )
    service.add(
        make_note(kind="event", title='Night 🌙 / debrief: <part> & "1"', start="2015-07-01T22:00", body="")
    )
    service.add(
        make_note(
            kind="interview",
            title="Director",
            start="2015-07-10T10:00",
            informant="P-01",
            consent="written",
            body="Cafe\u0301 😀 שלום\r\nline two",
            private="not for export",
        )
    )
    return service


def sheet_rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle, delimiter="\t"))


@pytest.mark.parametrize("file_format", ["txt", "docx"])
def test_one_document_per_note_named_by_date_title_and_id_with_header_then_body(
    notes: FieldNotes, tmp_path: Path, file_format: str
) -> None:
    out = tmp_path / "out"
    report = notes.export_documents(out, format=file_format)
    files = sorted((out / "documents").iterdir())
    assert len(files) == 4 == report.notes
    names = [path.stem for path in files]
    assert len(set(n.casefold() for n in names)) == 4  # unique even on case-blind file systems
    assert all(not FORBIDDEN & set(name) for name in names)
    by_id = {note.id[:8]: note for note in notes.notes()}
    for path in files:
        note = by_id[path.stem[-9:-1]]
        assert path.stem.startswith(f"{note.start[:10]} ")
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        expected = source_text(note)[0]  # header, blank line, body; never the private text
        if file_format == "txt":
            raw = path.read_bytes()
            assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
            assert raw.decode("utf-8-sig") == expected.replace("\n", "\r\n")
        else:
            document = docx.Document(str(path))
            assert "\n".join(p.text for p in document.paragraphs) == expected
            assert document.paragraphs[0].style.name == "Title"
        assert "not for export" not in path.read_bytes().decode("utf-8", "replace")


def test_file_classification_sheet_is_keyed_by_the_document_names(notes: FieldNotes, tmp_path: Path) -> None:
    notes.export_documents(tmp_path / "out")
    names = {path.stem for path in (tmp_path / "out" / "documents").iterdir()}
    rows = sheet_rows(tmp_path / "out" / "file-classification.txt")
    assert rows[0] == ["Field note", "kind", "date", "organizations", "informant", "consent"]
    assert {row[0] for row in rows[1:]} == names
    interview = next(row for row in rows if row[1] == "interview")
    assert interview[2:] == ["2015-07-10", "", "P-01", "written"]
    workbook = load_workbook(tmp_path / "out" / "file-classification.xlsx")
    assert workbook.sheetnames == ["file-classification"]
    cells = [[cell.value for cell in row] for row in workbook.active.iter_rows()]
    assert cells[0][0] == "Field note"  # NVivo reads A1 as the classification's name
    assert {row[0] for row in cells[1:]} == names
    assert {row[2] for row in cells[1:]} >= {date(2015, 7, 10)} or any(
        getattr(row[2], "date", lambda: None)() == date(2015, 7, 10) for row in cells[1:]
    )
    orgs = sheet_rows(tmp_path / "out" / "organizations.txt")
    assert orgs[0][0] == "Organization" and orgs[1][:2] == [
        "Harbor Rights Collective",
        "advocacy: sex-worker rights",
    ]
    assert sheet_rows(tmp_path / "out" / "informants.txt")[1][0] == "P-01"
    assert (tmp_path / "out" / "organizations.xlsx").exists() and (
        tmp_path / "out" / "informants.xlsx"
    ).exists()
    howto = (tmp_path / "out" / "HOW-TO-IMPORT.txt").read_text()
    assert "Classification Sheets" in howto and "--new-only" in howto


def test_new_only_writes_only_notes_no_earlier_documents_export_carried(
    notes: FieldNotes, tmp_path: Path
) -> None:
    notes.export_documents(tmp_path / "first")
    notes.export_nvivo(tmp_path / "nvivo")  # other formats do not count
    fresh = notes.add(make_note(title="New fieldwork", start="2016-01-20T09:00"))
    old = notes.notes(NoteFilter(kind="interview"))[0]
    notes.upsert_many([replace(old, body="edited", updated="2099-01-01T00:00:00")], keep_stamps=True)
    report = notes.export_documents(tmp_path / "second", new_only=True)
    files = [path.stem for path in (tmp_path / "second" / "documents").iterdir()]
    assert files == [f"2016-01-20 New fieldwork ({fresh.id[:8]})"]
    assert len(sheet_rows(tmp_path / "second" / "file-classification.txt")) == 2
    assert any("changed since an earlier documents export" in w and old.id[:8] in w for w in report.warnings)
    with pytest.raises(NothingToExportError, match="no new notes"):
        notes.export_documents(tmp_path / "third", new_only=True)
    assert not (tmp_path / "third").exists()


def test_documents_refuse_to_overwrite_and_to_export_nothing(notes: FieldNotes, tmp_path: Path) -> None:
    notes.export_documents(tmp_path / "out")
    with pytest.raises(OutputExistsError, match="--force"):
        notes.export_documents(tmp_path / "out")
    notes.export_documents(tmp_path / "out", force=True)
    with pytest.raises(NothingToExportError):
        notes.export_documents(tmp_path / "none", NoteFilter(kind="meeting", org="Nobody"))
    assert not (tmp_path / "none").exists()


def test_cli_export_documents(notes: FieldNotes, tmp_path: Path) -> None:
    notes.close()
    runner = CliRunner()
    args = ["--db", str(notes.path), "export", "documents", str(tmp_path / "d"), "--format", "docx"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "4 documents (.docx)" in result.stdout
    again = runner.invoke(cli, [*args[:-2], "--new-only"])
    assert again.exit_code == 2 and "no new notes" in again.stderr
