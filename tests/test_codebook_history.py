"""The codebook's audit trail: every change, when, by whom, why; in the CLI, the app and exports."""

from __future__ import annotations

import csv
import json
import zipfile
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from xml.etree import ElementTree as ET

import orjson
import pytest
from click.testing import CliRunner

from fieldnotes.authors import AUTHOR_ENV, current_author
from fieldnotes.cli.main import cli
from fieldnotes.errors import ValidationError
from fieldnotes.importing.codebook import read_qdc
from fieldnotes.model import Code, Project
from fieldnotes.service import FieldNotes
from fieldnotes.tui.app import FieldnotesApp
from fieldnotes.tui.screens.code_history import CodeHistoryDialog
from fieldnotes.tui.screens.registries.codebook import CodebookScreen
from tests.conftest import Opener, make_note


def actions(service: FieldNotes, name: str | None = None) -> list[tuple[str, str, str, str]]:
    history = service.registries.history
    entries = history.for_code(name) if name else history.entries()
    return [(e.action, e.code, e.before, e.after) for e in entries]


def test_every_kind_of_change_is_recorded_with_its_reason(service: FieldNotes) -> None:
    registries = service.registries
    registries.save_code(Code("framing", origin="deductive"), reason="from the literature")
    registries.save_code(Code("trust", origin="deductive"))
    code = registries.code("trust")
    registries.save_code(replace(code, description="Relying on another"), original="trust", reason="defined")
    registries.save_code(
        replace(registries.code("trust"), origin="inductive", color="#1f77b4"), original="trust"
    )
    registries.rename_code("trust", "trust in services", reason="narrower")
    registries.move_code("trust in services", "framing", reason="a frame")
    assert actions(service, "trust in services") == [
        ("create", "trust", "", "deductive"),
        ("description", "trust", "", "Relying on another"),
        ("origin", "trust", "deductive", "inductive"),
        ("colour", "trust", "", "#1f77b4"),
        ("rename", "trust in services", "trust", "trust in services"),
        ("move", "trust in services", "", "framing"),
    ]
    reasons = [e.reason for e in registries.history.for_code("trust in services")]
    assert reasons == ["", "defined", "", "", "narrower", "a frame"]
    assert actions(service, "trust") == actions(service, "trust in services")  # the old name finds it


def test_a_merge_is_recorded_on_the_target_with_the_source_history_and_moved_children(
    service: FieldNotes,
) -> None:
    registries = service.registries
    registries.save_code(Code("resources", origin="deductive"))
    registries.save_code(Code("data sharing"))
    registries.save_code(Code("release forms", parent="data sharing"))
    registries.merge_codes("data sharing", "resources", reason="too few notes")
    merged = actions(service, "resources")
    assert ("merge", "resources", "data sharing", "resources") in merged
    assert ("create", "data sharing", "", "inductive") in merged  # its history came along
    child = registries.history.for_code("release forms")
    assert child[-1].action == "move" and "was merged into" in child[-1].reason


def test_first_use_is_recorded_once_for_new_and_for_deductive_codes(service: FieldNotes) -> None:
    service.registries.save_code(Code("legitimacy", origin="deductive"))
    first = service.add(make_note(codes=["legitimacy", "arrest and rescue"], start="2015-06-01T10:00"))
    service.add(make_note(codes=["legitimacy", "arrest and rescue"]))
    uses = [(e.code, e.note_id) for e in service.registries.history.entries() if e.action == "first use"]
    assert sorted(uses) == [("arrest and rescue", first.id), ("legitimacy", first.id)]
    assert ("create", "arrest and rescue", "", "inductive") in actions(service)
    assert service.registries.code("legitimacy").first_note == first.id


def test_a_code_used_before_the_history_existed_gets_its_earliest_note_as_first_use(db_path: Path) -> None:
    with FieldNotes.open(db_path) as service:
        service.registries.save_code(Code("legitimacy", origin="deductive"))
        service.store.flush()
    stored = orjson.loads(db_path.read_bytes())  # as an older fieldnotes left it: used, no first note
    old = make_note(
        title="old", codes=["legitimacy"], start="2015-01-05T10:00", created="2015-01-05T12:00:00"
    )
    stored["notes"] = {"1": old.to_dict()}
    stored.pop("codebook_history", None)
    db_path.write_bytes(orjson.dumps(stored))
    with FieldNotes.open(db_path) as service:
        service.add(make_note(title="new", codes=["legitimacy"]))
        (use,) = [e for e in service.registries.history.entries() if e.action == "first use"]
        assert use.note_id == old.id and "found later" in use.reason and use.when == "2015-01-05T12:00:00"


def test_first_use_keeps_the_new_code_on_plain_and_encrypted_storage(open_db: Opener) -> None:
    """The first use of a code needs the notes read; read inside the save, they would drop its writes."""
    with open_db() as service:
        service.registries.save_code(Code("legitimacy", origin="deductive"))
    with open_db() as service:
        service.add(make_note(codes=["legitimacy", "arrest and rescue"]))
    with open_db() as service:
        assert {c.name for c in service.registries.codes()} == {"legitimacy", "arrest and rescue"}
        assert {e.action for e in service.registries.history.entries()} == {"create", "first use"}


def test_a_refused_change_records_nothing(service: FieldNotes) -> None:
    service.registries.save_code(Code("a"))
    service.registries.save_code(Code("b"))
    before = actions(service)
    with pytest.raises(ValidationError):
        service.registries.rename_code("a", "B")
    with pytest.raises(ValidationError):
        service.registries.move_code("a", "nonexistent")
    assert actions(service) == before


def test_history_is_in_order_after_reopening(db_path: Path) -> None:
    with FieldNotes.open(db_path) as service:
        for index in range(12):  # more than nine entries in one second: order is not alphabetical
            service.registries.save_code(Code(f"code {index}"))
        written = [e.code for e in service.registries.history.entries()]
    with FieldNotes.open(db_path) as service:
        assert (
            [e.code for e in service.registries.history.entries()]
            == written
            == [f"code {i}" for i in range(12)]
        )


def test_the_author_is_the_researcher_else_the_environment_else_the_login(
    service: FieldNotes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(AUTHOR_ENV, "  Env Author ")
    assert current_author(service.registries) == "Env Author"
    service.registries.save_project(Project(researcher="Dr. R. Searcher"))
    assert current_author(service.registries) == "Dr. R. Searcher"
    assert service.registries.save_code(Code("x")) and service.registries.history.entries()[-1].author == (
        "Dr. R. Searcher"
    )
    monkeypatch.delenv(AUTHOR_ENV)
    service.registries.save_project(Project())
    assert current_author(service.registries) and current_author(None) == current_author(service.registries)


def test_cli_codes_history_with_reasons_and_json(tmp_path: Path) -> None:
    runner = CliRunner()
    db = ["--db", str(tmp_path / "db.json")]
    assert (
        runner.invoke(cli, [*db, "codes", "add", "trust", "--reason", "from the literature"]).exit_code == 0
    )
    runner.invoke(cli, [*db, "codes", "add", "care"])
    assert (
        runner.invoke(cli, [*db, "codes", "rename", "trust", "faith", "--reason", "their word"]).exit_code
        == 0
    )
    runner.invoke(cli, [*db, "codes", "merge", "care", "faith", "--yes", "--reason", "same thing"])
    runner.invoke(
        cli, [*db, "codes", "edit", "faith", "--description", '=SUM(A1) "quoted"', "--reason", "defined"]
    )
    runner.invoke(cli, [*db, "codes", "add", "framing"])
    runner.invoke(cli, [*db, "codes", "move", "faith", "--under", "framing", "--reason", "a frame"])
    text = runner.invoke(cli, [*db, "codes", "history", "trust"]).output
    assert "renamed 'trust' to 'faith'" in text and "— their word" in text and "'care' merged into it" in text
    entries = json.loads(runner.invoke(cli, [*db, "codes", "history", "--json"]).output)
    assert [e["action"] for e in entries] == [
        "create",
        "create",
        "rename",
        "merge",
        "description",
        "create",
        "move",
    ]
    assert entries[-1]["reason"] == "a frame"
    missing = runner.invoke(cli, [*db, "codes", "history", "never was"])
    assert missing.exit_code == 2 and "no code is or was called" in missing.output


# ------------------------------------------------------------------ exports
def test_codebook_history_csv_qdc_descriptions_and_qdpx_notes(service: FieldNotes, tmp_path: Path) -> None:
    registries = service.registries
    registries.save_code(Code("trust", description='Relying, on "others"', origin="deductive"), reason="lit")
    service.add(make_note(codes=["trust"]))
    registries.rename_code("trust", "trust in services", reason="narrower, as P-03 said")
    service.export_nvivo(tmp_path / "nvivo")
    with open(tmp_path / "nvivo" / "codebook-history.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["action"] for row in rows] == ["create", "first use", "rename"]
    assert rows[-1]["reason"] == "narrower, as P-03 said" and rows[-1]["before"] == "trust"
    assert "codebook-history" in (tmp_path / "nvivo" / "HOW-TO-IMPORT.txt").read_text()

    service.export_qdc(tmp_path / "c.qdc")
    (code,) = read_qdc(tmp_path / "c.qdc")  # read back: the history never becomes the description
    assert (code.description, code.origin) == ('Relying, on "others"', "deductive")
    root = ET.parse(tmp_path / "c.qdc").getroot()
    description = next(el.text for el in root.iter() if el.tag.endswith("Description"))
    assert description is not None and "renamed 'trust' to 'trust in services'" in description

    service.export_qdpx(tmp_path / "p.qdpx")
    qde = ET.fromstring(zipfile.ZipFile(tmp_path / "p.qdpx").read("project.qde"))
    ns = {"q": "urn:QDA-XML:project:1.0"}
    code_el = next(qde.iterfind(".//q:Code", ns))
    (ref,) = code_el.iterfind("q:NoteRef", ns)
    note = next(n for n in qde.iterfind(".//q:Note", ns) if n.get("guid") == ref.get("targetGUID"))
    assert note.get("name") == "Codebook history: trust in services"
    assert "narrower, as P-03 said" in (note.findtext("q:PlainTextContent", namespaces=ns) or "")


# ---------------------------------------------------------------------- the app
async def test_the_codebook_screen_shows_a_codes_history(service: FieldNotes) -> None:
    service.registries.save_code(Code("trust"))
    service.registries.rename_code("trust", "faith", reason="their word")
    app = FieldnotesApp(service, now=lambda: datetime(2016, 1, 17, 8, 30))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, CodebookScreen)
        app.screen.show_notes("faith")
        assert "2 changes (h)" in str(app.screen.query_one("#reg-notes-title").render())
        await pilot.press("h")
        await pilot.pause()
        assert isinstance(app.screen, CodeHistoryDialog)
        table = app.screen.query_one("#history-table")
        assert table.row_count == 2 and table.get_row_at(0)[4] == "their word"  # newest first
