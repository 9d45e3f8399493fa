"""`fieldnotes import`: every format we export reads back, and a file is checked whole first.

One test per class of bug the importer guards against (issue #11), and the
round trips of CSV, xlsx and qdpx (issue #14).
"""

from __future__ import annotations

import csv
import json
import shutil
import uuid
from dataclasses import replace
from pathlib import Path
from typing import get_type_hints

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldnotes.cli.main import cli
from fieldnotes.errors import ImportRefusedError
from fieldnotes.export.job import Protections
from fieldnotes.export.nvivo import NOTE_HEADER
from fieldnotes.export.profiles import PROFILES
from fieldnotes.index import NoteFilter
from fieldnotes.merge.revisions import BOOKKEEPING
from fieldnotes.model import NOTE_FIELDS, Code, Note
from fieldnotes.service import FieldNotes
from tests.conftest import ODD_TEXTS, make_note

EVERYTHING = Protections(include_private=True, include_unconsented=True)


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def write_csv(path: Path, rows: list[dict[str, str]], header: list[str] | None = None) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header or list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("\n".join(json.dumps(row) for row in rows), encoding="utf-8")
    return path


@pytest.fixture
def varied(service: FieldNotes) -> FieldNotes:
    service.registries.save_code(
        Code("legitimacy", description="Claims", origin="deductive", color="#1f77b4")
    )
    for number, text in enumerate(ODD_TEXTS):
        service.add(
            make_note(
                title=f"odd {number} 🌙 / : {text[:10]}".strip(),
                start=f"2015-06-{number + 1:02d}T0{number % 10}:30",
                end=f"2015-06-{number + 1:02d}T10:45",
                location=text.strip(),
                organizations=["Harbor Rights Collective", "Eastgate"][: number % 3],
                codes=["legitimacy", "trust"][: number % 3],
                people=["P-01"] if number % 2 else [],
                body=text,
                memo=text,
                followups=text,
                private=f"private {number}",
                host="Harbor Rights Collective" if number % 2 else "",
                agenda=text,
            )
        )
    service.add(
        make_note(
            kind="interview",
            title="İstanbul ı interview",
            start="2015-07-01T10:00",
            informant="P-03",
            informant_role="director",
            interview_format="semi-structured",
            consent="written",
            recording_ref="rec-03.m4a",
            body="Cafe\u0301 and 😀 before: coded text\r\nline",
        )
    )
    service.add(
        make_note(
            kind="event", title="Panel", start="2015-09-12T10:00", event_type="panel", organizers=["Org A"]
        )
    )
    return service


# ------------------------------------------------------------- round trips
def content(note: Note) -> Note:
    """The note without its revision bookkeeping: a text normalised on the way (CRLF to LF)
    is a new version, with a rev of its own."""
    return replace(note, **{name: type(getattr(note, name))() for name in BOOKKEEPING})


@pytest.mark.parametrize("target", sorted(PROFILES))
def test_qdpx_round_trips_notes_codes_codings_and_memos(
    varied: FieldNotes, tmp_path: Path, target: str
) -> None:
    path = tmp_path / "p.qdpx"
    varied.export_qdpx(path, protections=EVERYTHING, target=target)
    before = {note.id: note for note in varied.notes()}
    codebook = {code.name: code for code in varied.registries.codes()}
    with FieldNotes.open(tmp_path / "fresh.json") as fresh:
        report = fresh.import_notes(path)
        assert (report.added, report.updated) == (len(before), 0)
        after = {note.id: note for note in fresh.notes()}
        assert set(after) == set(before)
        for note_id, note in before.items():
            expected = replace(
                note,
                title=" ".join(note.title.split()),  # the header holds the title on one line
                body=note.body.replace("\r\n", "\n"),
                memo=note.memo.replace("\r\n", "\n"),
                private=note.private.replace("\r\n", "\n"),
            )
            assert content(after[note_id]) == content(expected), note.title
        imported = {code.name: code for code in fresh.registries.codes()}
        assert set(imported) == set(codebook)
        assert imported["legitimacy"].origin == "deductive"
        assert imported["legitimacy"].description == "Claims"
    # and into the database it came from: nothing to change
    again = varied.import_notes(path)
    assert (again.added, again.updated, again.unchanged) == (0, 0, len(before))


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_nvivo_csv_and_xlsx_round_trip_field_for_field(
    varied: FieldNotes, tmp_path: Path, file_format: str
) -> None:
    varied.export_nvivo(tmp_path / "x", protections=EVERYTHING, format=file_format)
    before = {note.id: note for note in varied.notes()}
    with FieldNotes.open(tmp_path / "fresh.json") as fresh:
        report = fresh.import_notes(tmp_path / "x" / f"notes.{file_format}")
        assert report.added == len(before)
        assert {note.id: content(note) for note in fresh.notes()} == {
            k: content(v) for k, v in before.items()
        }


def test_a_500000_character_transcript_exports_and_imports_back_exactly(
    service: FieldNotes, tmp_path: Path
) -> None:
    transcript = ('Q: and then? A: "we went", she said;\n' * 14_000)[:500_000]
    service.add(make_note(title="Long transcript", body=transcript))
    service.export_nvivo(tmp_path / "x")
    with FieldNotes.open(tmp_path / "fresh.json") as fresh:
        fresh.import_notes(tmp_path / "x" / "notes.csv")
        assert fresh.notes()[0].body == transcript
    with pytest.raises(Exception, match="32,767"):  # Excel cuts such a cell: refused, not truncated
        service.export_nvivo(tmp_path / "y", format="xlsx")
    assert not (tmp_path / "y" / "notes.xlsx").exists()


# ------------------------------------------------------- issue #11 classes
def files_of(service: FieldNotes) -> dict[str, bytes]:
    """Every file of the database (main file, journal, backups), but the lock."""
    folder = service.path.parent
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() and p.suffix != ".lock"
    }


def test_import_refuses_wrong_types_whole_file_and_leaves_the_database_untouched(
    service: FieldNotes, tmp_path: Path
) -> None:
    service.add(make_note(title="Already here"))
    good = make_note(title="fine").to_dict()
    rows: list[dict[str, object]] = [
        good,
        {**make_note(title="x").to_dict(), "title": 5},
        {**make_note(title="x").to_dict(), "organizations": "A; B"},
        {**make_note(title="x").to_dict(), "codes": ["ok", 3]},
        {**make_note(title="x").to_dict(), "body": {"nested": True}},
        {**make_note(title="x").to_dict(), "end": 12},
        {**make_note(title="x").to_dict(), "start": "17/01/2016"},
        {**make_note(title="x").to_dict(), "created": "yesterday"},
        {**make_note(title="x").to_dict(), "private": None},
        {**make_note(title="x").to_dict(), "colour": "red"},
    ]
    path = write_jsonl(tmp_path / "bad.jsonl", rows)
    before = files_of(service), len(service.backups())
    with pytest.raises(ImportRefusedError) as info:
        service.import_notes(path)
    message = str(info.value)
    for line in range(2, 11):
        assert f"line {line}:" in message
    assert "line 1:" not in message
    assert (files_of(service), len(service.backups())) == before
    assert [n.title for n in service.notes()] == ["Already here"]
    # and no wrong type can reach list, show, search or an export later
    report = service.import_notes(path, skip_bad=True)
    assert report.added == 1 and len(report.skipped) == 9
    assert all(isinstance(n.title, str) and isinstance(n.codes, list) for n in service.notes())
    service.notes(None)
    service.export_nvivo(tmp_path / "out")


def test_import_refuses_ids_that_are_not_lowercase_uuids(service: FieldNotes, tmp_path: Path) -> None:
    rows = [
        {**make_note(title="a").to_dict(), "id": "../../etc/passwd"},
        {**make_note(title="b").to_dict(), "id": "1A2B3C4D-0000-4000-8000-000000000000"},
        {**make_note(title="c").to_dict(), "id": 42},
        {**make_note(title="d").to_dict(), "id": "x" * 36},
    ]
    with pytest.raises(ImportRefusedError) as info:
        service.import_notes(write_jsonl(tmp_path / "ids.jsonl", rows))
    assert str(info.value).count("UUID") == 3 and "must be text" in str(info.value)
    assert service.count() == 0


def test_import_refuses_a_field_of_another_kind_rather_than_dropping_it(
    service: FieldNotes, tmp_path: Path
) -> None:
    rows = [{**make_note(title="a meeting").to_dict(), "informant": "P-01"}]
    with pytest.raises(ImportRefusedError, match="interviews only"):
        service.import_notes(write_jsonl(tmp_path / "k.jsonl", rows))


def test_duplicate_ids_inside_one_file_are_an_error_listing_them(varied: FieldNotes, tmp_path: Path) -> None:
    varied.export_nvivo(tmp_path / "x")
    rows = read_csv(tmp_path / "x" / "notes.csv")
    rows.append({**rows[0], "title": "the same id again"})
    path = write_csv(tmp_path / "dup.csv", rows)
    with pytest.raises(ImportRefusedError) as info:
        FieldNotes.open(tmp_path / "fresh.json").import_notes(path)
    message = str(info.value)
    assert message.count(rows[0]["note_id"]) == 2 and "line 2: the id" in message
    assert "2 bad row(s)" in message and "unique" in message


def test_reimport_keeps_private_text_and_fields_the_file_does_not_carry(
    service: FieldNotes, tmp_path: Path
) -> None:
    note = service.add(
        make_note(
            title="Kept", body="old body", private="never exported", followups="call back", agenda="budget"
        )
    )
    service.export_nvivo(tmp_path / "x")  # no private column
    rows = read_csv(tmp_path / "x" / "notes.csv")
    rows[0]["body"] = "edited in a spreadsheet"
    narrow = ["note_id", "kind", "title", "date", "time", "body"]  # fields the CSV has no column for
    path = write_csv(tmp_path / "narrow.csv", [{k: rows[0][k] for k in narrow}], narrow)
    report = service.import_notes(path)
    assert report.updated == 1
    after = service.get(note.id)
    assert after.body == "edited in a spreadsheet"
    assert (after.private, after.followups, after.agenda) == ("never exported", "call back", "budget")
    # and a qdpx without private text keeps it too
    service.export_qdpx(tmp_path / "p.qdpx")
    service.import_notes(tmp_path / "p.qdpx")
    assert service.get(note.id).private == "never exported"


def test_a_note_changed_since_the_export_is_not_overwritten_unless_asked(
    service: FieldNotes, tmp_path: Path
) -> None:
    note = service.add(
        make_note(title="Original", created="2015-01-01T00:00:00", updated="2015-01-01T00:00:00")
    )
    service.export_nvivo(tmp_path / "x")
    rows = read_csv(tmp_path / "x" / "notes.csv")
    rows[0]["title"] = "From the old file"
    path = write_csv(tmp_path / "old.csv", rows)
    service.update(replace(service.get(note.id), title="Changed here later"))
    report = service.import_notes(path)
    assert service.get(note.id).title == "Changed here later"
    assert [n.id for n in report.newer] == [note.id]
    assert any("--overwrite-newer" in line for line in report.lines())
    report = service.import_notes(path, overwrite_newer=True)
    assert report.updated == 1 and service.get(note.id).title == "From the old file"


def test_import_takes_a_backup_first_only_when_it_changes_something(
    varied: FieldNotes, tmp_path: Path
) -> None:
    varied.export_nvivo(tmp_path / "x")
    count = len(varied.backups())
    report = varied.import_notes(tmp_path / "x" / "notes.csv")
    assert report.updated == 0 and len(varied.backups()) == count and report.backup is None
    rows = read_csv(tmp_path / "x" / "notes.csv")
    rows[0]["title"] = "Renamed"
    report = varied.import_notes(write_csv(tmp_path / "e.csv", rows, NOTE_HEADER))
    assert report.updated == 1 and report.backup is not None and "before-import" in report.backup.name
    assert len(varied.backups()) == count + 1


def test_cli_import_exit_codes_and_overwrite_newer(varied: FieldNotes, tmp_path: Path) -> None:
    varied.export_qdpx(tmp_path / "p.qdpx")
    db = str(varied.path)
    varied.close()
    runner = CliRunner()
    result = runner.invoke(cli, ["--db", str(tmp_path / "new.json"), "import", str(tmp_path / "p.qdpx")])
    assert result.exit_code == 0, result.output
    assert "added" in result.stdout and "code(s) to the codebook" in result.stdout
    (tmp_path / "bad.jsonl").write_text('{"kind": 3}\n', encoding="utf-8")
    result = runner.invoke(cli, ["--db", db, "import", str(tmp_path / "bad.jsonl")])
    assert (
        result.exit_code == 2 and "nothing was imported" in result.stderr and "Traceback" not in result.output
    )
    result = runner.invoke(cli, ["--db", db, "import", "--overwrite-newer", str(tmp_path / "p.qdpx")])
    assert result.exit_code == 0, result.output


def test_the_committed_sample_qdpx_imports_whole(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parent.parent / "sample_data"
    with FieldNotes.open(tmp_path / "fresh.json") as fresh:
        fresh.import_notes(root / "fieldnotes-sample.qdpx")
        imported = {note.id: note for note in fresh.notes()}
        codebook = {(c.name, c.parent, c.description, c.origin) for c in fresh.registries.codes()}
    shutil.copyfile(root / "fieldnotes-sample.json", tmp_path / "original.json")
    with FieldNotes.open(tmp_path / "original.json") as original:
        exported = {n.id: n for n in original.notes() if not n.unconsented}  # the export's default
        assert set(imported) == set(exported)
        for note_id, note in exported.items():
            assert content(imported[note_id]) == content(replace(note, private="")), note.title  # no private
        assert codebook == {(c.name, c.parent, c.description, c.origin) for c in original.registries.codes()}


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=2),
    max_leaves=6,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.dictionaries(
        st.sampled_from([f.name for f in NOTE_FIELDS if f.name != "id"] + ["colour"]), JSON_VALUES, max_size=6
    )
)
def test_any_json_row_is_refused_or_imported_with_the_right_types(tmp_path: Path, changes: dict) -> None:  # type: ignore[type-arg]
    row = {**make_note(title="base").to_dict(), **changes}
    path = tmp_path / "row.jsonl"
    path.write_text(json.dumps(row), encoding="utf-8")
    with FieldNotes.open(tmp_path / f"db-{uuid.uuid4()}.json") as service:
        try:
            service.import_notes(path)
        except ImportRefusedError:
            assert service.count() == 0
            return
        (note,) = service.notes()
        hints = get_type_hints(Note)
        for spec in NOTE_FIELDS:
            value, expected = getattr(note, spec.name), hints[spec.name]
            if expected == list[str]:
                assert isinstance(value, list) and all(isinstance(item, str) for item in value)
            elif expected == dict[str, str]:
                assert isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
            elif spec.name != "end":
                assert isinstance(value, str), spec.name
        service.report_codes()
        service.notes(NoteFilter(text="a"))
        service.export_nvivo(tmp_path / f"out-{note.id}", protections=EVERYTHING)
