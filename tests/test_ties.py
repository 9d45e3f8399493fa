"""Collaboration ties: recorded on meetings and events, reported weighted, written as a network."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import orjson
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldnotes.cli.main import cli
from fieldnotes.errors import NothingToExportError, OutputExistsError, ValidationError
from fieldnotes.model import Note, Organization
from fieldnotes.reports import strongest_ties, weighted_ties
from fieldnotes.service import FieldNotes
from fieldnotes.ties import TIE_TYPES, Tie, canonical_ties, parse_tie
from tests.conftest import make_note

HRC, DROPIN, LEGAL = "Harbor Rights Collective", "Eastgate Drop-in Centre", "Lantern Legal Aid"
NAME = st.text(
    st.characters(exclude_categories=("Cs", "Cc", "Zl", "Zp"), exclude_characters="|;"),
    min_size=1,
    max_size=30,
).filter(lambda name: name.strip())


# ------------------------------------------------------------------- parsing
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"{HRC}|{DROPIN}|referral|4", Tie(HRC, DROPIN, "referral", 4)),
        (f"  {HRC} |  {DROPIN}  | Referral | 4 ", Tie(HRC, DROPIN, "referral", 4)),
        ("A|B|co hosted|1", Tie("A", "B", "co-hosted", 1)),
        ("A|B|CoHosted|5", Tie("A", "B", "co-hosted", 5)),
        ("A|B|shared clients|3", Tie("A", "B", "shared client", 3)),
        ("A|B|joint_advocacy|2", Tie("A", "B", "joint advocacy", 2)),
        ("שלום|مرحبا 🎉|conflict|3", Tie("שלום", "مرحبا 🎉", "conflict", 3)),
    ],
)
def test_a_tie_is_read_in_the_spellings_people_type(text: str, expected: Tie) -> None:
    assert parse_tie(text) == expected


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("A|B|referral", "3 part(s)"),
        ("A|B|referral|4|extra", "5 part(s)"),
        ("|B|referral|4", "organization is missing"),
        ("A|a |referral|4", "the same"),
        ("A|B|friends|4", "not one of"),
        ("A|B|referral|0", "1 to 5"),
        ("A|B|referral|6", "1 to 5"),
        ("A|B|referral|3.5", "1 to 5"),
        ("A|B|referral|٣", "1 to 5"),  # an Arabic-Indic digit is a digit, not an intensity
        ("A|B|referral|", "1 to 5"),
        ("A;C|B|referral|3", "';'"),
        ("", "1 part(s)"),
    ],
)
def test_a_malformed_tie_is_refused_saying_what_is_wrong(text: str, why: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_tie(text)
    assert why in str(caught.value) and caught.value.field == "ties"
    assert "ORG A|ORG B|TYPE|INTENSITY" in str(caught.value)


@settings(max_examples=200)
@given(NAME, NAME, st.sampled_from(TIE_TYPES), st.integers(1, 5))
def test_any_tie_survives_its_own_text(a: str, b: str, kind: str, level: int) -> None:
    tie = Tie(" ".join(a.split()), " ".join(b.split()), kind, level)
    if tie.a.casefold() == tie.b.casefold() or not tie.a or not tie.b:
        with pytest.raises(ValidationError):
            parse_tie(tie.text)
        return
    assert parse_tie(tie.text) == tie
    assert canonical_ties([tie.text, tie.text], {}) == [tie.text]  # idempotent, once


# ---------------------------------------------------------------- on notes
def test_ties_are_saved_canonical_and_their_organizations_tagged_and_registered(service: FieldNotes) -> None:
    service.registries.save_organization(Organization(HRC, aliases=["HRC"]))
    note = service.add(
        make_note(organizations=[DROPIN], ties=["hrc | eastgate drop-in centre | Referral | 4"])
    )
    assert note.ties == [f"{HRC}|{DROPIN}|referral|4"]
    assert note.organizations == [DROPIN, HRC]
    assert {org.name for org in service.registries.organizations()} == {HRC, DROPIN}


def test_a_bad_tie_saves_nothing(service: FieldNotes) -> None:
    with pytest.raises(ValidationError):
        service.add(make_note(ties=["A|B|friends|4"]))
    assert service.count() == 0 and service.registries.organizations() == []


def test_ties_follow_renames_and_merges_of_their_organizations(service: FieldNotes) -> None:
    note = service.add(make_note(ties=[f"{HRC}|{DROPIN}|referral|4", f"{DROPIN}|{LEGAL}|shared client|2"]))
    service.registries.rename_organization(DROPIN, "Eastgate Centre")
    assert service.get(note.id).ties == [
        f"{HRC}|Eastgate Centre|referral|4",
        f"Eastgate Centre|{LEGAL}|shared client|2",
    ]
    service.registries.merge_organizations(LEGAL, HRC)
    assert service.get(note.id).ties[1] == f"Eastgate Centre|{HRC}|shared client|2"


def test_a_database_from_before_ties_loads_unchanged(db_path: Path) -> None:
    """A note stored without the field (every database before ties) reads as no ties and saves back."""
    with FieldNotes.open(db_path) as service:
        service.registries.save_organization(Organization(HRC))
        service.store.flush()
    stored = orjson.loads(db_path.read_bytes())
    old = make_note(title="old").to_dict()
    del old["ties"]
    stored["notes"] = {"1": old}
    db_path.write_bytes(orjson.dumps(stored))
    with FieldNotes.open(db_path) as service:
        (note,) = service.notes()
        assert note.ties == [] and note.title == "old"
        service.update(note)
        assert service.get(note.id).ties == []


def test_ties_are_for_meetings_and_events_only_on_the_command_line(tmp_path: Path) -> None:
    runner = CliRunner()
    db = str(tmp_path / "db.json")
    result = runner.invoke(
        cli,
        ["--db", db, "add", "--kind", "interview", "--title", "t", "--tie", "A|B|referral|3", "--body", "x"],
    )
    assert result.exit_code == 2 and "--tie is for meetings and events" in result.output


def test_cli_records_ties_replaces_them_on_edit_and_refuses_bad_ones(tmp_path: Path) -> None:
    runner = CliRunner()
    db = ["--db", str(tmp_path / "db.json")]
    base = ["add", "--kind", "event", "--title", "Fair", "--when", "12 Sep 2015 10:00", "--body", ""]
    result = runner.invoke(
        cli, [*db, *base, "--tie", f"{HRC}|{DROPIN}|co-hosted|5", "--tie", "A, Inc.|B|funding|2"]
    )
    assert result.exit_code == 0, result.output
    note_id = result.output.strip()
    shown = json.loads(runner.invoke(cli, [*db, "show", note_id, "--json"]).output)
    assert shown["ties"] == [f"{HRC}|{DROPIN}|co-hosted|5", "A, Inc.|B|funding|2"]
    read = runner.invoke(cli, [*db, "show", note_id]).output  # for people: one a line, as the app shows them
    assert f"{HRC} ↔ {DROPIN} · co-hosted · 5/5" in read
    lines = read.splitlines()
    at = next(n for n, line in enumerate(lines) if "co-hosted" in line)
    assert lines[at + 1].strip() == "A, Inc. ↔ B · funding · 2/5" and lines[at + 1].startswith(" ")
    assert runner.invoke(cli, [*db, "edit", note_id[:8], "--tie", "A, Inc.|B|conflict|1"]).exit_code == 0
    assert json.loads(runner.invoke(cli, [*db, "show", note_id, "--json"]).output)["ties"] == [
        "A, Inc.|B|conflict|1"
    ]
    assert runner.invoke(cli, [*db, "edit", note_id[:8], "--tie", ""]).exit_code == 0
    assert json.loads(runner.invoke(cli, [*db, "show", note_id, "--json"]).output)["ties"] == []
    bad = runner.invoke(cli, [*db, "edit", note_id[:8], "--tie", "A|B|referral|9"])
    assert bad.exit_code == 2 and "Traceback" not in bad.output and "1 to 5" in bad.output


def test_ties_survive_export_and_import_through_csv_and_qdpx(service: FieldNotes, tmp_path: Path) -> None:
    ties = [f"{HRC}|Café “Quotes” & <Co>|referral|4", "=SUM(A1)|שלום|conflict|1"]
    note = service.add(make_note(ties=ties))
    service.export_nvivo(tmp_path / "csv")
    service.export_qdpx(tmp_path / "p.qdpx")
    for source in (tmp_path / "csv" / "notes.csv", tmp_path / "p.qdpx"):
        with FieldNotes.open(tmp_path / f"{source.suffix}.json") as other:
            other.import_notes(source)
            assert other.get(note.id).ties == note.ties


# ------------------------------------------------------------------ reports
def _tie_notes() -> list[Note]:
    return [
        make_note(
            start="2015-06-03T10:00", ties=[f"{HRC}|{DROPIN}|referral|4", f"{HRC}|{LEGAL}|shared client|2"]
        ),
        make_note(start="2015-07-03T10:00", ties=[f"{DROPIN}|{HRC}|referral|2"]),  # the same pair, reversed
        make_note(start="2015-09-01T10:00", ties=[f"HRC|{DROPIN}|referral|3"]),  # by an alias
        make_note(start="2015-09-02T10:00", ties=["not a tie at all"]),  # an import can carry anything
    ]


def test_weighted_ties_count_total_mean_and_dates_per_unordered_pair_and_type() -> None:
    orgs = [Organization(HRC, type="advocacy: sex-worker rights", aliases=["HRC"]), Organization(DROPIN)]
    rows = weighted_ties(_tie_notes(), orgs)
    first = rows[0]
    assert (first.organization_a, first.organization_b, first.tie_type) == (DROPIN, HRC, "referral")
    assert (first.count, first.total_intensity, first.mean_intensity) == (3, 9, 3.0)
    assert (first.first, first.last) == ("2015-06-03", "2015-09-01")
    assert [(r.organization_b, r.tie_type, r.count, r.total_intensity) for r in rows[1:]] == [
        (LEGAL, "shared client", 1, 2)
    ]


def test_strongest_ties_per_organization_and_period() -> None:
    rows = strongest_ties(_tie_notes(), [Organization(HRC, aliases=["HRC"])], by="month")
    by = {(row.organization, row.period): row for row in rows}
    assert by[(HRC, "2015-06")].strongest_with == DROPIN and by[(HRC, "2015-06")].total_intensity == 4
    assert by[(LEGAL, "2015-06")].strongest_with == HRC
    assert by[(HRC, "2015-09")].tie_types == "referral"


def test_report_ties_weighted_prints_table_csv_and_json(tmp_path: Path) -> None:
    db = tmp_path / "db.json"
    with FieldNotes.open(db) as service:
        service.registries.save_organization(Organization(HRC, aliases=["HRC"]))
        service.upsert_many(_tie_notes()[:3])
    runner = CliRunner()
    table = runner.invoke(cli, ["--db", str(db), "report", "ties", "--weighted"])
    assert table.exit_code == 0 and "total intensity" in table.output and "mean intensity" in table.output
    as_csv = runner.invoke(cli, ["--db", str(db), "report", "ties", "--weighted", "--csv"]).output
    assert as_csv.splitlines()[0] == (
        "organization_a,organization_b,tie_type,count,total_intensity,mean_intensity,first,last"
    )
    rows = json.loads(runner.invoke(cli, ["--db", str(db), "report", "ties", "--weighted", "--json"]).output)
    assert rows[0]["total_intensity"] == 9 and rows[0]["count"] == 3
    both = runner.invoke(cli, ["--db", str(db), "report", "ties", "--weighted", "--json", "--csv"])
    assert both.exit_code == 2


# ------------------------------------------------------------------ graphml
def test_graphml_opens_in_networkx_weighted_with_organization_types(
    service: FieldNotes, tmp_path: Path
) -> None:
    service.registries.save_organization(Organization(HRC, type="advocacy: sex-worker rights"))
    service.registries.save_organization(
        Organization("Café “Quotes” & <Co> 🎉", type="human-service nonprofit")
    )
    service.upsert_many(
        [
            make_note(ties=[f"{HRC}|Café “Quotes” & <Co> 🎉|referral|4"]),
            make_note(start="2016-02-01T10:00", ties=[f"Café “Quotes” & <Co> 🎉|{HRC}|funding|2"]),
            make_note(title="isolate", organizations=["Alone Org"]),
        ]
    )
    report = service.export_graphml(tmp_path / "ties.graphml")
    assert report.notes == 2 and "3 organizations, 1 weighted tie " in report.lines()[0]
    graph = nx.read_graphml(tmp_path / "ties.graphml")
    labels = {data["label"]: node for node, data in graph.nodes(data=True)}
    assert set(labels) == {HRC, "Café “Quotes” & <Co> 🎉", "Alone Org"}
    assert graph.nodes[labels[HRC]]["org_type"] == "advocacy: sex-worker rights"
    edge = graph.edges[labels[HRC], labels["Café “Quotes” & <Co> 🎉"]]
    assert (edge["weight"], edge["count"], edge["mean_intensity"]) == (6.0, 2, 3.0)
    assert (edge["weight_referral"], edge["weight_funding"], edge["types"]) == (4.0, 2.0, "referral; funding")
    assert (edge["first"], edge["last"]) == ("2016-01-17", "2016-02-01")
    with pytest.raises(OutputExistsError):
        service.export_graphml(tmp_path / "ties.graphml")
    assert service.exports()[0].format == "graphml"


def test_graphml_without_recorded_ties_writes_nothing(service: FieldNotes, tmp_path: Path) -> None:
    service.add(make_note(organizations=[HRC, DROPIN]))
    with pytest.raises(NothingToExportError):
        service.export_graphml(tmp_path / "none.graphml")
    assert not (tmp_path / "none.graphml").exists()


def test_report_ties_graphml_from_the_command_line(tmp_path: Path) -> None:
    db = tmp_path / "db.json"
    with FieldNotes.open(db) as service:
        service.registries.save_organization(Organization(HRC, aliases=["HRC"]))
        service.upsert_many(_tie_notes()[:3])
    result = CliRunner().invoke(
        cli, ["--db", str(db), "report", "ties", "--graphml", str(tmp_path / "n.graphml")]
    )
    assert result.exit_code == 0, result.output
    assert nx.read_graphml(tmp_path / "n.graphml").number_of_edges() == 2
