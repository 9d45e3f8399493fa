"""The export ledger (issue #12) and exports that match no note (issue #14)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from fieldnotes.cli.main import cli
from fieldnotes.errors import NothingToExportError, OutputExistsError
from fieldnotes.export.job import Protections
from fieldnotes.index import NoteFilter
from fieldnotes.model import Informant
from fieldnotes.service import FieldNotes
from tests.conftest import make_note


@pytest.fixture
def two(service: FieldNotes) -> FieldNotes:
    service.add(make_note(title="A meeting", codes=["legitimacy"]))
    service.add(make_note(kind="event", title="An event"))
    return service


def test_every_export_is_recorded_with_what_an_audit_asks(two: FieldNotes, tmp_path: Path) -> None:
    ids = {note.id for note in two.notes()}
    two.export_nvivo(
        tmp_path / "n", NoteFilter(kind="event"), Protections(include_private=True), format="xlsx"
    )
    two.export_qdpx(tmp_path / "p.qdpx", target="qualcoder")
    two.export_documents(tmp_path / "d", format="docx")
    two.export_qdc(tmp_path / "c.qdc")
    records = two.exports()
    assert [r.format for r in records] == ["qdc", "documents-docx", "qdpx", "nvivo-xlsx"]  # newest first
    nvivo = records[-1]
    assert nvivo.notes == 1 and nvivo.filters == "kind: event" and nvivo.protections == ["include_private"]
    assert nvivo.path == str((tmp_path / "n").absolute())
    assert nvivo.note_ids == [n.id for n in two.notes(NoteFilter(kind="event"))]
    assert set(records[2].note_ids) == ids and records[2].options == {"target": "qualcoder"}
    assert all(record.when and not record.names_exposed for record in records)
    # it lives in the database: another process sees it
    with FieldNotes.open(two.path) as other:
        assert [r.guid for r in other.exports()] == [r.guid for r in records]


def test_a_failed_or_empty_export_is_not_recorded(two: FieldNotes, tmp_path: Path) -> None:
    two.export_nvivo(tmp_path / "n")
    with pytest.raises(OutputExistsError):
        two.export_nvivo(tmp_path / "n")
    with pytest.raises(NothingToExportError):
        two.export_qdpx(tmp_path / "none.qdpx", NoteFilter(org="Nobody"))
    (tmp_path / "blocked").write_text("a file where the folder should go")
    with pytest.raises(OSError):
        two.export_documents(tmp_path / "blocked" / "d")
    assert len(two.exports()) == 1


def test_an_export_without_pseudonymise_while_real_names_are_registered_is_marked(
    two: FieldNotes, tmp_path: Path
) -> None:
    two.registries.save_informant(Informant("P-01", real_names=["Dana Whitfield"]))
    report = two.export_nvivo(tmp_path / "plain")
    two.export_nvivo(tmp_path / "safe", protections=Protections(pseudonymise=True))
    safe, plain = two.exports()
    assert plain.names_exposed and not safe.names_exposed
    assert safe.protections == ["pseudonymise"]
    assert any("ledger marks it" in w for w in report.warnings)


@pytest.mark.parametrize(
    "export",
    [
        lambda s, p: s.export_nvivo(p / "n", NoteFilter(org="Nobody")),
        lambda s, p: s.export_nvivo(p / "n", NoteFilter(org="Nobody"), format="xlsx"),
        lambda s, p: s.export_qdpx(p / "x.qdpx", NoteFilter(org="Nobody")),
        lambda s, p: s.export_documents(p / "d", NoteFilter(org="Nobody")),
        lambda s, p: s.export_documents(p / "d", NoteFilter(org="Nobody"), format="docx"),
    ],
    ids=["nvivo-csv", "nvivo-xlsx", "qdpx", "documents-txt", "documents-docx"],
)
def test_an_export_matching_no_note_says_so_and_writes_nothing(
    two: FieldNotes, tmp_path: Path, export
) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "out"
    with pytest.raises(NothingToExportError, match="no notes match"):
        export(two, out)
    assert not out.exists()
    assert two.exports() == []


def test_cli_lists_the_ledger_and_its_json(two: FieldNotes, tmp_path: Path) -> None:
    two.registries.save_informant(Informant("P-01", real_names=["Dana"]))
    db = str(two.path)
    two.close()
    runner = CliRunner()
    assert runner.invoke(cli, ["--db", db, "exports"]).stdout.strip() == "no exports yet"
    result = runner.invoke(cli, ["--db", db, "export", "qdpx", str(tmp_path / "p.qdpx"), "--kind", "event"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["--db", db, "export", "nvivo", str(tmp_path / "n"), "--kind", "nothing"])
    assert result.exit_code == 2
    listing = runner.invoke(cli, ["--db", db, "exports"])
    assert listing.exit_code == 0
    lines = listing.stdout.splitlines()
    assert lines[0].startswith("! ") and "qdpx" in lines[0] and " 1 note " in lines[0]
    assert "kind: event" in lines[1] and "NOT pseudonymised" in lines[1] and "target: nvivo" in lines[1]
    as_json = runner.invoke(cli, ["--db", db, "exports", "--json"])
    records = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert len(records) == 1 and records[0]["format"] == "qdpx" and len(records[0]["note_ids"]) == 1


@pytest.mark.parametrize(
    ("fmt", "name", "recorded"),
    [
        ("nvivo", "n", "nvivo-csv"),
        ("xlsx", "x", "nvivo-xlsx"),
        ("documents", "d", "documents-txt"),
        ("docx", "w", "documents-docx"),
        ("qdpx", "p.qdpx", "qdpx"),
        ("qdc", "c.qdc", "qdc"),
    ],
)
async def test_an_export_from_the_app_is_recorded_in_the_ledger_and_shown(
    two: FieldNotes, tmp_path: Path, fmt: str, name: str, recorded: str
) -> None:
    from textual.widgets import DataTable, Input, RadioButton, Select, Static

    from fieldnotes.tui.app import FieldnotesApp
    from fieldnotes.tui.dialogs.export import ExportDialog
    from fieldnotes.tui.screens.exports import ExportsScreen

    two.registries.save_informant(Informant("P-01", real_names=["Dana Whitfield"]))
    app = FieldnotesApp(two)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("x")
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        dialog.query_one(f"#fmt-{fmt}", RadioButton).value = True
        await pilot.pause()
        if fmt == "qdpx":
            dialog.query_one("#x-target", Select).value = "maxqda"
        dialog.query_one("#x-path", Input).value = str(tmp_path / name)
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        summary = str(dialog.query_one("#x-summary", Static).render())
        assert "Done" in summary, summary
        if fmt != "qdc":
            assert "ledger marks it" in summary  # real names registered, not pseudonymised
        await pilot.press("ctrl+l")
        assert isinstance(app.screen, ExportsScreen)
        table = app.screen.query_one("#ex-table", DataTable)
        assert table.row_count == 1
        details = str(app.screen.query_one("#ex-details", Static).render())
        assert recorded in details and str(tmp_path / name) in details
        assert ("NOT pseudonymised" in details) == (fmt != "qdc")
        await pilot.press("escape")
        assert app.screen is dialog
    (record,) = two.exports()
    assert record.format == recorded and record.path == str(tmp_path / name)
    assert record.notes == (0 if fmt == "qdc" else 2)
    if fmt == "qdpx":
        assert record.options["target"] == "maxqda"


async def test_the_ledger_screen_says_when_nothing_was_exported(two: FieldNotes) -> None:
    from textual.widgets import Static

    from fieldnotes.tui.app import FieldnotesApp
    from fieldnotes.tui.screens.exports import ExportsScreen

    app = FieldnotesApp(two)
    async with app.run_test(size=(80, 24)) as pilot:
        app.action_exports()
        await pilot.pause()
        assert isinstance(app.screen, ExportsScreen)
        assert "No exports yet" in str(app.screen.query_one("#ex-summary", Static).render())


def test_the_ledger_stores_note_ids_as_one_string_and_reads_either_form(
    two: FieldNotes, tmp_path: Path
) -> None:
    from fieldnotes.ledger import TABLE, ExportRecord, Ledger

    two.export_qdpx(tmp_path / "p.qdpx")
    ids = sorted(note.id for note in two.notes())
    stored = two.store.records(TABLE)
    assert len(stored) == 1 and isinstance(stored[0]["note_ids"], str)  # every command that writes reads it
    assert sorted(two.exports()[0].note_ids) == ids
    # A record from before (a list), and ids no joined string can carry, read back whole.
    ledger = Ledger(two.store)
    two.store.put_records(
        TABLE, [{**stored[0], "guid": "old", "when": "2015-01-01T00:00:00", "note_ids": ids}]
    )
    ledger.append(
        ExportRecord(when="2015-01-02T00:00:00", format="qdc", path="", notes=2, note_ids=["a b", ""])
    )
    records = ledger.records()
    assert records[0].note_ids == ids and records[1].note_ids == ["a b", ""]
