"""The export ledger (issue #12) and exports that match no note (issue #14)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldnotes.cli.main import cli
from fieldnotes.errors import NothingToExportError, OutputExistsError
from fieldnotes.export.job import Protections
from fieldnotes.index import NoteFilter
from fieldnotes.model import Informant
from fieldnotes.service import FieldNotes
from fieldnotes.storage import Store
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


# --------------------------------------------------------------- compact note ids
IDS = st.sampled_from([f"n{number}" for number in range(10)] + ["é-1", "id with space", ""])


@st.composite
def export_series(draw: st.DrawFn) -> list[list[str]]:
    """What a researcher's exports carry: the same notes again, some left out, new notes
    first or last, or other notes altogether (ids with spaces or twice included)."""
    series = [draw(st.lists(IDS, max_size=12))]
    for _ in range(draw(st.integers(0, 7))):
        last = series[-1]
        how = draw(st.sampled_from(["again", "drop", "first", "last", "other"]))
        if how == "again":
            series.append(list(last))
        elif how == "drop" and last:
            gone = draw(st.integers(0, len(last) - 1))
            series.append(last[:gone] + last[gone + 1 :])
        elif how in ("first", "last"):
            new = [f"m{len(series)}"]
            series.append(new + last if how == "first" else last + new)
        else:
            series.append(draw(st.lists(IDS, max_size=12)))
    return series


@given(exports=export_series(), base_gone=st.booleans())
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_export_reads_back_exactly_the_ids_it_carried(
    tmp_path_factory: pytest.TempPathFactory, exports: list[list[str]], base_gone: bool
) -> None:
    from fieldnotes.ledger import TABLE, ExportRecord, Ledger

    with Store(tmp_path_factory.mktemp("ledger") / "notes.json") as store:
        ledger = Ledger(store)
        for number, ids in enumerate(exports):
            when = f"2016-01-01T00:00:{number:02d}"
            ledger.append(ExportRecord(when=when, format="qdpx", path="", notes=len(ids), note_ids=list(ids)))
        assert [record.note_ids for record in ledger.records()] == exports
        stored = store.records(TABLE)
        for doc in stored:
            if isinstance(doc["note_ids"], dict):  # stored against a base that holds its ids whole
                base = next(other for other in stored if other["guid"] == doc["note_ids"]["like"])
                assert isinstance(base["note_ids"], str)
        if base_gone and any(isinstance(doc["note_ids"], dict) for doc in stored):
            # A base lost (a hand-edited file): its followers read with no ids, the rest whole.
            gone = next(doc["note_ids"]["like"] for doc in stored if isinstance(doc["note_ids"], dict))
            store.delete_records(TABLE, [gone])
            by_guid = {doc["guid"]: doc for doc in stored}
            for record in ledger.records():
                doc = by_guid[record.guid]
                if isinstance(doc["note_ids"], dict) and doc["note_ids"]["like"] == gone:
                    assert record.note_ids == []
                else:
                    assert record.note_ids == exports[int(record.when[-2:])]


def test_exporting_the_same_notes_again_stores_their_ids_once(service: FieldNotes, tmp_path: Path) -> None:
    from fieldnotes.ledger import TABLE

    days = [date(2016, 1, 1) + timedelta(days=number) for number in range(400)]
    service.upsert_many([make_note(title=f"note {day}", start=f"{day}T10:00") for day in days])
    for number in range(6):
        service.export_nvivo(tmp_path / f"n{number}", format="csv")
    added = service.add(make_note(title="the week after", start="2017-06-01T10:00"))  # fieldwork goes on
    service.export_qdpx(tmp_path / "p.qdpx")
    stored = service.store.records(TABLE)
    assert len(stored) == 7 and isinstance(stored[0]["note_ids"], str)
    deltas = [doc["note_ids"] for doc in stored[1:]]  # the others: its guid and what differs
    assert all(isinstance(delta, dict) and delta["like"] == stored[0]["guid"] for delta in deltas)
    assert [delta["before"] + delta["after"] + delta["minus"] for delta in deltas[:5]] == [""] * 5
    assert deltas[5]["before"] + deltas[5]["after"] == added.id and deltas[5]["minus"] == ""
    records = service.exports()
    assert len(records[0].note_ids) == 401 and all(len(record.note_ids) == 400 for record in records[1:])
    assert len(orjson.dumps(stored)) < 2 * len(stored[0]["note_ids"])


def test_a_base_whose_guid_another_record_shares_is_never_used(service: FieldNotes) -> None:
    from fieldnotes.ledger import TABLE, ExportRecord, Ledger

    ledger = Ledger(service.store)
    same = {"format": "qdpx", "path": "", "notes": 2, "guid": "twice"}
    service.store.put_records(TABLE, [{**same, "when": "2016-01-01T00:00:00", "note_ids": "a b"}])
    service.store.put_records(
        TABLE, [{**same, "guid": "x", "when": "2016-01-01T00:00:01", "note_ids": "c d"}]
    )
    service.store.put_records(
        TABLE, [{**same, "guid": "twice", "when": "2016-01-01T00:00:02", "note_ids": "e f"}]
    )
    # put_records replaced the first "twice" (same guid); a crafted file can hold two.
    ledger.append(
        ExportRecord(when="2016-01-01T00:00:03", format="qdpx", path="", notes=2, note_ids=["e", "f"])
    )
    assert ledger.records()[-1].note_ids == ["e", "f"]
