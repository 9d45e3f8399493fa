"""Find everything: search in every field (no case, no accents), aliases, child codes,
informants and statuses, from the service and the command line."""

from __future__ import annotations

import json
import unicodedata
from datetime import datetime
from pathlib import Path

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldnotes.cli.main import cli
from fieldnotes.index import SEARCHED_FIELDS, NoteFilter
from fieldnotes.model import FIELD, JOTTED, Code, Organization
from fieldnotes.service import FieldNotes
from fieldnotes.text import fold
from tests.conftest import make_note

KIND_OF = {name: next(iter(FIELD[name].kinds)) for name in SEARCHED_FIELDS}


# `author` is searched too, but set by the service on every save, not typed.
FREE_FIELDS = [name for name in SEARCHED_FIELDS if not FIELD[name].choices and name != "author"]


def test_search_finds_a_word_in_every_text_field(service: FieldNotes) -> None:
    for name in FREE_FIELDS:
        value: object = ["Zanzibarword"] if FIELD[name].is_list else "a Zanzibarword here"
        if name == "ties":  # a tie names two organizations: the word is one of them
            value = ["Zanzibarword Trust|Harbor Clinic|referral|3"]
        service.add(
            make_note(title=f"in {name}", kind=KIND_OF[name], **{name: value} if name != "title" else {})
        )
        if name == "title":
            service.add(make_note(title="Zanzibarword in the title"))
    found = {note.title for note in service.notes(NoteFilter(text="zanzibarword"))}
    expected = {f"in {name}" for name in FREE_FIELDS if name != "title"} | {"Zanzibarword in the title"}
    assert {"informant", "informant_role", "host", "agenda", "followups", "organizers"} <= set(FREE_FIELDS)
    service.add(make_note(kind="interview", title="chat", interview_format="informal", consent="verbal"))
    assert [n.title for n in service.notes(NoteFilter(text="INFORMAL"))] == ["chat"]  # the lists' values too
    assert found == expected


def test_search_ignores_case_and_accents_both_ways(service: FieldNotes) -> None:
    service.add(make_note(title="Réunion à Montréal", body="Zoë spoke; İstanbul office"))
    service.add(make_note(title="Plain"))
    for needle in ("reunion", "MONTREAL", "zoe", "Zoë", "zoe\u0308", "istanbul", "RÉUNION"):
        assert [n.title for n in service.notes(NoteFilter(text=needle))] == ["Réunion à Montréal"], needle


@settings(max_examples=150, deadline=None)
@given(st.text(min_size=1, max_size=30))
def test_folding_makes_composed_and_decomposed_text_the_same(text: str) -> None:
    composed = unicodedata.normalize("NFC", text)
    decomposed = unicodedata.normalize("NFD", text)
    assert fold(composed) == fold(decomposed)
    assert fold(text) == fold(fold(text))  # folding twice changes nothing


def test_the_informants_notes_are_their_interviews_and_the_notes_naming_them(service: FieldNotes) -> None:
    service.add(make_note(kind="interview", title="Talk with P-02", informant="P-02", consent="verbal"))
    service.add(make_note(title="Meeting with P-02 present", people=["p-02", "Dana"]))
    service.add(make_note(kind="interview", title="Talk with P-03", informant="P-03", consent="verbal"))
    found = [n.title for n in service.notes(NoteFilter(informant="P-02"))]
    assert sorted(found) == ["Meeting with P-02 present", "Talk with P-02"]
    assert [n.title for n in service.notes(NoteFilter(text="p-03"))] == ["Talk with P-03"]


def test_an_organization_filter_takes_any_alias(service: FieldNotes) -> None:
    service.registries.save_organization(Organization("Harbor Rights Collective", aliases=["HRC"]))
    service.add(make_note(title="Tagged", organizations=["Harbor Rights Collective"]))
    service.add(make_note(title="Other", organizations=["Eastgate"]))
    for name in ("HRC", "hrc", "harbor rights collective"):
        assert [n.title for n in service.notes(NoteFilter(org=name))] == ["Tagged"], name
    assert service.notes(NoteFilter(org="Nobody")) == []


def test_a_code_filter_includes_the_codes_under_it_unless_asked(service: FieldNotes) -> None:
    service.registries.save_code(Code("framing", origin="deductive"))
    service.registries.save_code(Code("framing: worker", parent="framing"))
    service.registries.save_code(Code("framing: victim", parent="framing"))
    service.registries.save_code(Code("victim: deep", parent="framing: victim"))
    service.add(make_note(title="top", codes=["framing"]))
    service.add(make_note(title="child", codes=["framing: worker"]))
    service.add(make_note(title="grandchild", codes=["victim: deep"]))
    service.add(make_note(title="unrelated", codes=["trust"]))
    found = sorted(n.title for n in service.notes(NoteFilter(code="framing")))
    assert found == ["child", "grandchild", "top"]
    assert [n.title for n in service.notes(NoteFilter(code="framing", subcodes=False))] == ["top"]
    assert sorted(service.code_family("framing")) == [
        "framing",
        "framing: victim",
        "framing: worker",
        "victim: deep",
    ]


def test_a_code_cycle_in_stored_data_does_not_hang_the_family(service: FieldNotes) -> None:
    from fieldnotes.storage.store import CODES

    service.store.put_records(
        CODES,
        [Code("a", parent="b").to_dict(), Code("b", parent="a").to_dict()],
    )
    assert sorted(service.code_family("a")) == ["a", "b"]


def test_jot_appends_timed_lines_to_todays_open_jotting(service: FieldNotes) -> None:
    first = service.jot("Director arrives late", now=datetime(2016, 1, 17, 14, 5))
    second = service.jot("mood tense;\nshe leaves", now=datetime(2016, 1, 17, 14, 20))
    assert first.id == second.id and second.status == JOTTED and second.kind == "meeting"
    assert second.body == "14:05 Director arrives late\n14:20 mood tense; she leaves"
    other_day = service.jot("next day", now=datetime(2016, 1, 18, 9, 0))
    assert other_day.id != first.id
    event = service.jot("a vigil starts", kind="event", now=datetime(2016, 1, 18, 19, 0))
    assert event.id != other_day.id and event.kind == "event"
    written = service.get(first.id)
    written.status = "written up"
    service.update(written)
    assert service.jot("later that day", now=datetime(2016, 1, 17, 18, 0)).id != first.id


def test_an_empty_jot_is_refused_and_saves_nothing(service: FieldNotes) -> None:
    import pytest

    from fieldnotes.errors import ValidationError

    with pytest.raises(ValidationError):
        service.jot("  \n ")
    assert service.count() == 0


def test_an_event_type_takes_a_free_value(service: FieldNotes) -> None:
    saved = service.add(make_note(kind="event", event_type="vigil"))
    assert service.get(saved.id).event_type == "vigil"


# ---------------------------------------------------------------- the CLI
def run(db: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--db", str(db), *args])
    return result.exit_code, result.stdout, result.stderr


def test_cli_list_filters_by_alias_informant_status_and_subcodes(tmp_path: Path) -> None:
    db = tmp_path / "db.json"
    with FieldNotes.open(db) as service:
        service.registries.save_organization(Organization("Harbor Rights Collective", aliases=["HRC"]))
        service.registries.save_code(Code("framing"))
        service.registries.save_code(Code("framing: worker", parent="framing"))
        service.add(make_note(title="HRC meeting", organizations=["Harbor Rights Collective"]))
        service.add(make_note(title="Coded child", codes=["framing: worker"]))
        service.add(make_note(kind="interview", title="Talk", informant="P-01", consent="written"))
        service.jot("a line", now=datetime(2016, 1, 17, 9, 0))
    code, out, _ = run(db, "list", "--org", "HRC", "--json")
    assert code == 0 and [n["title"] for n in json.loads(out)] == ["HRC meeting"]
    code, out, _ = run(db, "list", "--informant", "p-01", "--json")
    assert [n["title"] for n in json.loads(out)] == ["Talk"]
    code, out, _ = run(db, "list", "--code", "framing", "--json")
    assert [n["title"] for n in json.loads(out)] == ["Coded child"]
    code, out, _ = run(db, "list", "--code", "framing", "--without-subcodes", "--json")
    assert code == 0 and json.loads(out) == []
    code, out, _ = run(db, "list", "--status", "jotted")
    assert code == 0 and "Jottings" in out and "not written up" in out and "since it started" in out
    code, _, err = run(db, "list", "--status", "pending")
    assert code == 2 and "Traceback" not in err


def test_cli_jot_then_write_up(tmp_path: Path) -> None:
    db = tmp_path / "db.json"
    code, out, err = run(db, "jot", "Director", "arrives", "late")
    assert code == 0, err
    assert "1 line jotted" in out
    code, out, _ = run(db, "jot", "--kind", "meeting", "mood tense")
    assert "2 lines jotted" in out
    with FieldNotes.open(db) as service:
        [note] = service.notes()
        assert note.jotted and note.body.count("\n") == 1
        assert note.body.split("\n")[1].endswith(" mood tense")
    code, _, err = run(db, "jot", "   ")
    assert code == 2 and "needs some text" in err


def test_cli_new_opens_the_app_on_a_prefilled_form(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    seen: dict[str, object] = {}

    def fake_run_tui(db: Path, **options: object) -> None:
        seen.update(options)

    monkeypatch.setattr("fieldnotes.cli.tui_launch.run_tui", fake_run_tui)
    db = tmp_path / "db.json"
    code, _, err = run(
        db, "new", "meeting", "Coalition", "monthly", "--when", "17 Jan 2016 3pm", "--org", "HRC"
    )
    assert code == 0, err
    assert seen["prefill"] == {
        "kind": "meeting",
        "fields": {"title": "Coalition monthly", "when": "2016-01-17 15:00", "organizations": ["HRC"]},
    }
    code, _, err = run(db, "new", "meeting", "--when", "the meeting")
    assert code == 2 and "--when" in err
    code, _, err = run(db, "new", "party")
    assert code == 2


def test_cli_takes_a_free_event_type_and_still_the_usual_ones(tmp_path: Path) -> None:
    db = tmp_path / "db.json"
    for event_type in ("vigil", "community event"):
        code, _, err = run(db, "add", "--kind", "event", "--title", "x", "--event-type", event_type)
        assert code == 0, err
    with FieldNotes.open(db) as service:
        assert sorted(n.event_type for n in service.notes()) == ["community event", "vigil"]
