"""Analytic memos: standalone, typed, linked to codes, organizations, informants and notes."""

from __future__ import annotations

import csv
import json
import zipfile
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import xmlschema
from click.testing import CliRunner
from textual.widgets import Static

from fieldnotes.cli.main import cli
from fieldnotes.errors import NotFoundError, ValidationError
from fieldnotes.export.job import Protections
from fieldnotes.index import NoteFilter
from fieldnotes.memos import Memo, memo_type
from fieldnotes.model import Code, Informant, Organization
from fieldnotes.service import FieldNotes
from fieldnotes.tui.app import FieldnotesApp
from fieldnotes.tui.screens.memos import MemoForm, MemosScreen
from fieldnotes.tui.screens.note_detail import NoteDetailScreen
from fieldnotes.tui.screens.registries.codebook import CodebookScreen
from tests.conftest import ODD_TEXTS, make_note, shown_text

SCHEMA = Path(__file__).parent / "data" / "refi-qda" / "Project.xsd"
QDA = {"q": "urn:QDA-XML:project:1.0"}


@pytest.fixture
def study(service: FieldNotes) -> FieldNotes:
    registries = service.registries
    registries.save_code(Code("legitimacy", origin="deductive"))
    registries.save_organization(Organization("Harbor Rights Collective", aliases=["HRC"]))
    registries.save_informant(Informant("P-03"))
    return service


def test_a_memo_links_to_the_registry_spelling_and_the_full_note_id(study: FieldNotes) -> None:
    note = study.add(make_note(organizations=["HRC"]))
    memo = study.memos.add(
        Memo(
            "  Two routes \n to legitimacy ",
            type="Theory",
            about=[
                "code:LEGITIMACY",
                "organization: hrc",
                "informant:p-03",
                f"note:{note.id[:6]}",
                "code:legitimacy",
            ],
        )
    )
    assert memo.title == "Two routes to legitimacy" and memo.type == "theoretical"
    assert memo.about == [
        "code:legitimacy",
        "org:Harbor Rights Collective",
        "informant:P-03",
        f"note:{note.id}",
    ]
    assert memo.author and memo.created == memo.updated
    for kind, target in (("code", "Legitimacy"), ("org", "HRC"), ("informant", "P-03"), ("note", note.id)):
        assert [m.guid for m in study.memos.about(kind, target)] == [memo.guid]


@pytest.mark.parametrize(
    ("about", "why"),
    [
        (["code:nonexistent"], "no code is called"),
        (["org:Nobody"], "no organization"),
        (["informant:P-99"], "no informant"),
        (["note:ffffffff"], "no note"),
        (["legitimacy"], "code:NAME"),
        (["colour:red"], "code:NAME"),
        (["code:"], "code:NAME"),
    ],
)
def test_a_link_to_nothing_is_refused_and_nothing_saved(
    study: FieldNotes, about: list[str], why: str
) -> None:
    with pytest.raises(ValidationError, match=why):
        study.memos.add(Memo("t", about=about))
    assert study.memos.all() == []


def test_a_memo_needs_a_title_and_a_known_type(study: FieldNotes) -> None:
    with pytest.raises(ValidationError, match="title"):
        study.memos.add(Memo("   "))
    with pytest.raises(ValidationError, match="memo type"):
        study.memos.add(Memo("t", type="diary"))
    assert memo_type("Code memo") == memo_type("code") == "code memo"


@pytest.mark.parametrize("text", [*ODD_TEXTS, "x" * 500_000, "e\u0301 İı 𝔘"])
def test_memo_text_round_trips_exactly(study: FieldNotes, text: str) -> None:
    memo = study.memos.add(Memo("odd", body=text))
    assert study.memos.get(memo.guid[:8]).body == text


def test_links_follow_renames_and_merges(study: FieldNotes) -> None:
    registries = study.registries
    registries.save_code(Code("trust"))
    registries.save_organization(Organization("Eastgate"))
    memo = study.memos.add(
        Memo(
            "m",
            about=[
                "code:legitimacy",
                "code:trust",
                "org:Harbor Rights Collective",
                "org:Eastgate",
                "informant:P-03",
            ],
        )
    )
    registries.rename_code("legitimacy", "legitimacy claims")
    registries.merge_codes("trust", "legitimacy claims")
    registries.rename_organization("Harbor Rights Collective", "Harbor Collective")
    registries.merge_organizations("Eastgate", "Harbor Collective")
    person = registries.informant("P-03")
    registries.save_informant(replace(person, pseudonym="P-30"), original="P-03")
    assert study.memos.get(memo.guid).about == [
        "code:legitimacy claims",
        "org:Harbor Collective",
        "informant:P-30",
    ]


def test_ids_by_prefix_edit_and_delete(study: FieldNotes) -> None:
    memo = study.memos.add(Memo("first"))
    with pytest.raises(NotFoundError, match="too short"):
        study.memos.get(memo.guid[:3])
    edited = study.memos.update(replace(memo, title="second", about=["code:legitimacy"]))
    assert edited.created == memo.created and edited.title == "second"
    study.memos.delete(memo.guid[:6])
    assert study.memos.all() == [] and any("memo" in b.path.name for b in study.backups())


def test_cli_memos_add_list_show_edit_and_json(tmp_path: Path) -> None:
    runner = CliRunner()
    db = ["--db", str(tmp_path / "db.json")]
    runner.invoke(cli, [*db, "codes", "add", "legitimacy"])
    note_id = runner.invoke(
        cli, [*db, "add", "--kind", "meeting", "--title", "m", "--body", ""]
    ).output.strip()
    added = runner.invoke(
        cli,
        [
            *db,
            *("memos", "add", "--title", "Legit", "--type", "theoretical", "--about", "code:legitimacy"),
            *("--about", f"note:{note_id[:8]}", "--body", "Both claim to speak for…"),
        ],
    )
    assert added.exit_code == 0, added.output
    memo_id = added.output.strip()
    listed = json.loads(runner.invoke(cli, [*db, "memos", "--json"]).output)
    assert listed[0]["about"] == ["code:legitimacy", f"note:{note_id}"]
    shown = runner.invoke(cli, [*db, "memos", "show", memo_id[:6]]).output
    assert "Both claim to speak for…" in shown and "note: " + note_id[:8] + " m" in shown
    assert (
        runner.invoke(cli, [*db, "memos", "edit", memo_id[:6], "--about", "", "--type", "other"]).exit_code
        == 0
    )
    edited = json.loads(runner.invoke(cli, [*db, "memos", "show", memo_id, "--json"]).output)
    assert edited["about"] == [] and edited["type"] == "other"
    about = runner.invoke(cli, [*db, "memos", "list", "--about", "code:legitimacy"])
    assert "No memos match" in about.output
    piped = runner.invoke(
        cli, [*db, "memos", "add", "--title", "From stdin", "--body", "-"], input="piped ¶ text\n"
    )
    assert json.loads(runner.invoke(cli, [*db, "memos", "show", piped.output.strip(), "--json"]).output)[
        "body"
    ] == ("piped ¶ text\n")
    for bad in (
        ["memos", "add", "--body", "no title"],
        ["memos", "add", "--title", "t", "--about", "code:nothing"],
        ["memos", "add", "--title", "t", "--type", "diary"],
        ["memos", "show", "zz"],
    ):
        result = runner.invoke(cli, [*db, *bad])
        assert result.exit_code == 2 and "Traceback" not in result.output, bad


# ------------------------------------------------------------------ exports
def _memo_study(study: FieldNotes) -> tuple[str, str, str]:
    kept = study.add(make_note(organizations=["Harbor Rights Collective"], codes=["legitimacy"]))
    interview = study.add(
        make_note(kind="interview", title="i", informant="P-03", consent="written", start="2016-01-18T10:00")
    )
    unconsented = study.add(
        make_note(
            kind="interview", title="u", informant="P-03", consent="none recorded", start="2016-01-19T10:00"
        )
    )
    study.memos.add(
        Memo(
            "Legitimacy memo",
            type="theoretical",
            body="b",
            about=["code:legitimacy", "org:Harbor Rights Collective", "informant:P-03", f"note:{kept.id}"],
        )
    )
    study.memos.add(Memo("About the unconsented", about=[f"note:{unconsented.id}"], body="secret"))
    return kept.id, interview.id, unconsented.id


def test_qdpx_memos_are_notes_referenced_by_codes_and_sources_and_linked_to_cases(
    study: FieldNotes, tmp_path: Path
) -> None:
    kept, _, _ = _memo_study(study)
    report = study.export_qdpx(tmp_path / "p.qdpx")
    assert any(
        "memo(s) linked to an interview without recorded consent were left out" in w for w in report.warnings
    )
    qde = zipfile.ZipFile(tmp_path / "p.qdpx").read("project.qde")
    xmlschema.XMLSchema(str(SCHEMA)).validate(qde.decode())
    root = ET.fromstring(qde)
    memo = next(n for n in root.iterfind(".//q:Notes/q:Note", QDA) if n.get("name") == "Legitimacy memo")
    guid = memo.get("guid")
    assert memo.findtext("q:PlainTextContent", namespaces=QDA) == "b"
    assert all(n.get("name") != "About the unconsented" for n in root.iterfind(".//q:Note", QDA))
    code = next(c for c in root.iterfind(".//q:Code", QDA) if c.get("name") == "legitimacy")
    assert guid in {ref.get("targetGUID") for ref in code.iterfind("q:NoteRef", QDA)}
    source = next(s for s in root.iterfind(".//q:TextSource", QDA) if s.get("guid") == kept)
    assert guid in {ref.get("targetGUID") for ref in source.iterfind("q:NoteRef", QDA)}
    cases = {case.get("guid"): case.get("name") for case in root.iterfind(".//q:Case", QDA)}
    linked = {
        cases[link.get("targetGUID")]
        for link in root.iterfind(".//q:Link", QDA)
        if link.get("originGUID") == guid
    }
    assert linked == {"Harbor Rights Collective", "P-03"}
    with FieldNotes.open(tmp_path / "back.json") as back:  # the memo is no note's memo on the way back
        back.import_notes(tmp_path / "p.qdpx")
        assert back.get(kept).memo == ""


def test_nvivo_memos_sheet_and_what_filters_and_consent_leave_out(study: FieldNotes, tmp_path: Path) -> None:
    _memo_study(study)
    study.export_nvivo(tmp_path / "all", protections=Protections(include_unconsented=True))
    with open(tmp_path / "all" / "memos.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["title"] for row in rows} == {"Legitimacy memo", "About the unconsented"}
    assert next(r for r in rows if r["title"] == "Legitimacy memo")["about"].startswith(
        "code:legitimacy; org:"
    )
    study.export_nvivo(tmp_path / "default")
    assert "About the unconsented" not in (tmp_path / "default" / "memos.csv").read_text("utf-8-sig")
    job = study.prepare_export(NoteFilter(kind="meeting"))  # filtered: memos about what is exported
    assert [memo.title for memo in job.memos] == ["Legitimacy memo"]
    job = study.prepare_export(NoteFilter(org="Nobody at all"))
    assert job.memos == []


# ---------------------------------------------------------------------- the app
CLOCK = datetime(2016, 1, 17, 8, 30)


async def test_memos_screen_writes_a_memo_with_completed_links(study: FieldNotes) -> None:
    app = FieldnotesApp(study, now=lambda: CLOCK)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("M")
        assert isinstance(app.screen, MemosScreen)
        await pilot.press("a")
        assert isinstance(app.screen, MemoForm)
        await pilot.press(*"Legitimacy, again", "tab", "tab")
        await pilot.press(*"code:leg", "right")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, MemosScreen) and app.screen.table.row_count == 1
    (memo,) = study.memos.all()
    assert memo.title == "Legitimacy, again" and memo.about == ["code:legitimacy"]


async def test_memo_form_shows_a_bad_link_and_keeps_the_text(study: FieldNotes) -> None:
    app = FieldnotesApp(study, now=lambda: CLOCK)
    async with app.run_test(size=(120, 40)) as pilot:
        app.action_new_memo()
        await pilot.pause()
        await pilot.press(*"kept", "tab", "tab", *"code:nope")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, MemoForm)
        assert "no code is called" in str(app.screen.query_one("#memo-error").render())
    assert study.memos.all() == []


async def test_code_organization_and_note_screens_show_their_memos(study: FieldNotes) -> None:
    note = study.add(make_note(organizations=["Harbor Rights Collective"], codes=["legitimacy"]))
    study.memos.add(Memo("On legitimacy", about=["code:legitimacy", f"note:{note.id}"]))
    study.memos.add(Memo("On the Collective", about=["org:Harbor Rights Collective"]))
    app = FieldnotesApp(study, now=lambda: CLOCK)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, CodebookScreen)
        app.screen.show_notes("legitimacy")
        assert "1 memo (M)" in str(app.screen.query_one("#reg-notes-title").render())
        await pilot.press("M")
        await pilot.pause()
        assert isinstance(app.screen, MemosScreen) and [m.title for m in app.screen.memos] == [
            "On legitimacy"
        ]
        await pilot.press("escape", "escape", "o")
        await pilot.pause()
        app.screen.show_notes("Harbor Rights Collective")
        await pilot.press("M")
        await pilot.pause()
        assert [m.title for m in app.screen.memos] == ["On the Collective"]
        await pilot.press("escape", "escape")
        app.open_note(note.id)
        await pilot.pause()
        assert isinstance(app.screen, NoteDetailScreen)
        assert "On legitimacy" in shown_text(app.screen.query_one("#detail-body", Static))
