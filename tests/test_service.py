from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from fieldnotes.errors import NotFoundError, ValidationError
from fieldnotes.index import NoteFilter
from fieldnotes.model import Code, Note
from fieldnotes.service import FieldNotes
from tests.conftest import ODD_TEXTS, Opener, make_note


@pytest.fixture
def service(open_db: Opener) -> Iterator[FieldNotes]:
    """Every service test runs on a plain and on an encrypted database."""
    svc = open_db()
    yield svc
    svc.close()


def test_tags_match_ignoring_case_and_spaces(service: FieldNotes) -> None:
    service.add(make_note(organizations=["Lakeside Outreach"]))
    note = service.add(make_note(organizations=["lakeside outreach ", "  LAKESIDE   outreach"]))
    assert note.organizations == ["Lakeside Outreach"]
    assert [o.name for o in service.registries.organizations()] == ["Lakeside Outreach"]


def test_unknown_tags_create_registry_entries(service: FieldNotes) -> None:
    service.registries.save_code(Code("legitimacy", description="claims to speak for", origin="deductive"))
    service.add(make_note(codes=["Legitimacy", "arrest and rescue"], organizations=["City Vice Unit"]))
    codes = {c.name: c for c in service.registries.codes()}
    assert set(codes) == {"legitimacy", "arrest and rescue"}
    assert codes["legitimacy"].origin == "deductive"
    assert codes["arrest and rescue"].origin == "inductive"
    assert [o.name for o in service.registries.organizations()] == ["City Vice Unit"]


def test_host_and_organizers_join_the_registry(service: FieldNotes) -> None:
    service.add(make_note(host="Harbor Health Clinic"))
    service.add(make_note(kind="event", organizers=["Northside Coalition"], title="Panel"))
    assert [o.name for o in service.registries.organizations()] == [
        "Harbor Health Clinic",
        "Northside Coalition",
    ]


def test_odd_text_round_trips_exactly(service: FieldNotes) -> None:
    for text in ODD_TEXTS:
        note = service.add(make_note(body=text, memo=text, title=f"t {text}" if text.strip() else "t"))
        assert service.get(note.id).body == text


def test_validation_rejects_and_saves_nothing(service: FieldNotes) -> None:
    bad = [
        make_note(kind="party"),
        make_note(title="  "),
        make_note(start="yesterday"),
        make_note(end="2016-01-17T08:00"),
        make_note(status="pending"),  # jotted or written up, nothing else
        make_note(kind="interview", consent="implied"),
    ]
    for note in bad:
        with pytest.raises(ValidationError):
            service.add(note)
    assert service.count() == 0
    assert service.registries.codes() == [] and service.registries.organizations() == []


def test_ids_resolve_by_unique_prefix(service: FieldNotes) -> None:
    a = service.add(make_note(id="abcd1111-0000-0000-0000-000000000000"))
    service.add(make_note(id="abcd2222-0000-0000-0000-000000000000"))
    assert service.resolve("abcd1") == a.id
    with pytest.raises(NotFoundError, match="2 notes"):
        service.resolve("abcd")
    with pytest.raises(NotFoundError, match="too short"):
        service.resolve("abc")
    with pytest.raises(NotFoundError, match="no note"):
        service.resolve("ffff")


def test_update_keeps_created_and_drops_fields_of_the_old_kind(service: FieldNotes) -> None:
    note = service.add(make_note(host="Harbor Health Clinic", created="2016-01-17T09:00:00"))
    note.kind = "interview"
    note.host = ""
    note.informant = "P-07"
    saved = service.update(note)
    [stored] = [doc for doc in service.store.all_notes() if doc["id"] == note.id]
    assert "host" not in stored and stored["informant"] == "P-07"
    assert saved.created == "2016-01-17T09:00:00"
    assert saved.updated >= saved.created


def test_delete(service: FieldNotes) -> None:
    note = service.add(make_note())
    service.delete(note.id[:6])
    assert service.count() == 0
    with pytest.raises(NotFoundError):
        service.get(note.id)


@pytest.fixture
def study(service: FieldNotes) -> FieldNotes:
    service.add(
        make_note(
            title="Rights collective monthly",
            start="2015-06-03T18:00",
            organizations=["Rights Collective", "Harbor Clinic"],
            codes=["legitimacy"],
        )
    )
    service.add(
        make_note(
            kind="event",
            title="Trafficking panel",
            start="2015-09-12T10:00",
            organizations=["Abolition Coalition", "City Vice Unit"],
            codes=["arrest and rescue"],
            body="The detective spoke about raids.",
        )
    )
    service.add(
        make_note(
            kind="interview",
            title="Director interview",
            start="2015-11-20T14:00",
            informant="P-01",
            people=["Marisol (pseudonym)"],
            memo="felt guarded",
        )
    )
    return service


def test_list_is_newest_first(study: FieldNotes) -> None:
    assert [n.title for n in study.notes()] == [
        "Director interview",
        "Trafficking panel",
        "Rights collective monthly",
    ]


@pytest.mark.parametrize(
    ("flt", "titles"),
    [
        (NoteFilter(kind="event"), ["Trafficking panel"]),
        (NoteFilter(org="city vice unit"), ["Trafficking panel"]),
        (NoteFilter(code="LEGITIMACY"), ["Rights collective monthly"]),
        (NoteFilter(text="RAIDS"), ["Trafficking panel"]),
        (NoteFilter(text="guarded"), ["Director interview"]),
        (NoteFilter(text="marisol"), ["Director interview"]),
        (NoteFilter(text="harbor"), ["Rights collective monthly"]),
        (NoteFilter(since=datetime(2015, 9, 12)), ["Director interview", "Trafficking panel"]),
        (NoteFilter(until=datetime(2015, 9, 12)), ["Trafficking panel", "Rights collective monthly"]),
        (NoteFilter(until=datetime(2015, 9, 12, 9, 0)), ["Rights collective monthly"]),
        (NoteFilter(kind="meeting", text="raids"), []),
    ],
)
def test_filters(study: FieldNotes, flt: NoteFilter, titles: list[str]) -> None:
    assert [n.title for n in study.notes(flt)] == titles


def test_notes_returns_copies(study: FieldNotes) -> None:
    note = study.notes()[0]
    note.title = "changed in memory only"
    assert study.notes()[0].title == "Director interview"


def test_from_dict_ignores_unknown_keys_and_fills_missing() -> None:
    note = Note.from_dict(
        {"kind": "meeting", "title": "x", "start": "2016-01-17T08:30", "surprise": 1, "organizations": "A; B"}
    )
    assert note.organizations == ["A", "B"]
