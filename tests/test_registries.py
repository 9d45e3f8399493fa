"""Registries keep every note's tags consistent; reports match hand counts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from fieldnotes.cli.main import cli
from fieldnotes.errors import NotFoundError, ValidationError
from fieldnotes.model import Code, Informant, Organization
from fieldnotes.reports import contact_series, periods_between
from fieldnotes.service import FieldNotes
from tests.conftest import make_note

RIGHTS = "Harbor Rights Collective"
ABOLITION = "Northside Abolition Coalition"
CLINIC = "Mercy Street Health Clinic"
DROPIN = "Eastgate Drop-in Centre"
VICE = "City Police Vice Unit"


@pytest.fixture
def city(service: FieldNotes) -> FieldNotes:
    """A small study, counted by hand in the tests below."""
    service.registries.save_organization(
        Organization(RIGHTS, type="advocacy: sex-worker rights", aliases=["HRC"])
    )
    service.registries.save_organization(Organization(ABOLITION, type="advocacy: abolitionist"))
    service.registries.save_organization(Organization(CLINIC, type="human-service nonprofit"))
    service.registries.save_organization(Organization(DROPIN, type="human-service nonprofit"))
    service.registries.save_organization(Organization(VICE, type="law enforcement"))
    service.registries.save_code(Code("collaboration frequency", origin="deductive"))
    service.registries.save_code(Code("framing", origin="deductive"))
    service.registries.save_code(Code("framing: worker", parent="framing", origin="deductive"))
    notes = [
        # (kind, start, minutes, orgs, codes)
        ("meeting", "2015-06-03T18:00", 90, ["HRC", CLINIC], ["collaboration frequency"]),
        ("meeting", "2015-06-17T18:00", 60, [RIGHTS, DROPIN], ["framing: worker"]),
        ("meeting", "2015-07-01T18:00", 120, [RIGHTS, CLINIC, DROPIN], ["collaboration frequency"]),
        ("event", "2015-06-20T10:00", 240, [ABOLITION, VICE], ["arrest and rescue"]),
        ("interview", "2015-07-10T10:00", 45, [CLINIC], ["framing: worker", "trust"]),
    ]
    for kind, start, minutes, orgs, codes in notes:
        hour, minute = divmod(int(start[11:13]) * 60 + minutes, 60)
        service.add(
            make_note(
                kind=kind,
                title=f"{kind} {start}",
                start=start,
                end=f"{start[:11]}{hour:02d}:{minute:02d}",
                organizations=orgs,
                codes=codes,
                informant="P-01" if kind == "interview" else "",
            )
        )
    return service


def tags_everywhere(svc: FieldNotes) -> set[str]:
    return {org for note in svc.notes() for org in [*note.organizations, *note.organizers, note.host] if org}


def test_aliases_tag_the_registry_name(city: FieldNotes) -> None:
    note = city.add(make_note(organizations=["hrc "]))
    assert note.organizations == [RIGHTS]


def test_rename_updates_every_note(city: FieldNotes) -> None:
    city.add(make_note(kind="event", title="panel", organizers=[RIGHTS]))
    city.add(make_note(title="hosted", host="HRC"))
    changed = city.registries.rename_organization(RIGHTS, "Harbour Rights Collective")
    assert changed == 5
    assert RIGHTS not in tags_everywhere(city)
    assert "Harbour Rights Collective" in tags_everywhere(city)
    assert city.registries.organization("HRC").name == "Harbour Rights Collective"  # the alias still works
    assert any(b.reason == "before-rename" for b in city.backups())


def test_merge_folds_tags_and_aliases_and_never_loses_a_tag(city: FieldNotes) -> None:
    city.add(make_note(title="typed twice", organizations=["Eastgate Dropin", DROPIN, CLINIC]))
    city.add(make_note(title="typed the other way", organizations=["Eastgate Dropin"], codes=["x"]))
    before = {n.id: set(n.organizations) for n in city.notes()}
    changed = city.registries.merge_organizations("Eastgate Dropin", DROPIN)
    assert changed == 2
    after = {n.id: n for n in city.notes()}
    for note_id, orgs in before.items():
        expected = {DROPIN if o == "Eastgate Dropin" else o for o in orgs}
        assert set(after[note_id].organizations) == expected  # nothing lost, no duplicates
        assert len(after[note_id].organizations) == len(expected)
    dropin = city.registries.organization(DROPIN)
    assert "Eastgate Dropin" in dropin.aliases
    assert [o.name for o in city.registries.organizations()].count(DROPIN) == 1
    assert city.add(make_note(organizations=["eastgate dropin"])).organizations == [DROPIN]
    assert any(b.reason == "before-merge" for b in city.backups())


def test_organization_names_stay_unique(city: FieldNotes) -> None:
    with pytest.raises(ValidationError):
        city.registries.save_organization(Organization(" harbor rights collective"))
    with pytest.raises(ValidationError):
        city.registries.save_organization(Organization("Another", aliases=["hrc"]))
    with pytest.raises(NotFoundError):
        city.registries.organization("Nobody")


def test_default_and_custom_org_types(city: FieldNotes) -> None:
    city.registries.save_organization(Organization("Faith Shelter", type="faith-based"))
    types = city.registries.organization_types()
    assert types[:3] == ["human-service nonprofit", "advocacy: abolitionist", "advocacy: sex-worker rights"]
    assert "faith-based" in types


def test_codes_created_by_tagging_are_inductive_and_remember_their_note(city: FieldNotes) -> None:
    trust = city.registries.code("trust")
    assert trust.origin == "inductive"
    interview = next(n for n in city.notes() if n.kind == "interview")
    assert (trust.first_note, trust.first_date) == (interview.id, "2015-07-10")
    assert city.registries.code("framing").origin == "deductive"


def test_rename_merge_and_move_codes(city: FieldNotes) -> None:
    assert city.registries.rename_code("framing", "framings") == 0
    assert city.registries.code("framing: worker").parent == "framings"  # children follow
    city.registries.merge_codes("trust", "collaboration frequency")
    codes = [set(n.codes) for n in city.notes()]
    assert all("trust" not in c for c in codes)
    assert sum("collaboration frequency" in c for c in codes) == 3
    city.registries.move_code("collaboration frequency", "framings")
    assert city.registries.code("collaboration frequency").parent == "framings"
    with pytest.raises(ValidationError, match="ancestor"):
        city.registries.move_code("framings", "framing: worker")
    city.registries.move_code("collaboration frequency", "")
    assert city.registries.code("collaboration frequency").parent == ""
    assert {b.reason for b in city.backups()} >= {"before-rename", "before-merge", "before-move"}


def test_import_codebook_csv_and_qdc(service: FieldNotes, tmp_path: Path) -> None:
    (tmp_path / "book.csv").write_text(
        "name,parent,description\n"
        "framing: victim,framing,Trafficking as victimhood\n"
        "framing,,How problems are cast\n"
        "légitimité,,Accented names survive\n",
        encoding="utf-8",
    )
    assert service.registries.import_codebook(tmp_path / "book.csv") == (3, 0)
    assert service.registries.code("framing: victim").parent == "framing"
    assert all(code.origin == "deductive" for code in service.registries.codes())
    service.add(make_note(codes=["emergent"]))
    service.export_qdc(tmp_path / "book.qdc")
    other = FieldNotes.open(tmp_path / "other.json")
    assert other.registries.import_codebook(tmp_path / "book.qdc") == (4, 0)
    assert {c.name: c.origin for c in other.registries.codes()} == {
        "framing": "deductive",
        "framing: victim": "deductive",
        "légitimité": "deductive",
        "emergent": "inductive",
    }
    assert other.registries.code("framing: victim").parent == "framing"
    assert other.registries.import_codebook(tmp_path / "book.qdc") == (0, 4)
    other.close()


def test_informants_registry(city: FieldNotes) -> None:
    person = city.registries.informant("P-01")  # created by the interview
    assert person.organization == CLINIC
    city.registries.save_informant(
        Informant(
            "P-02", role="outreach worker", organization="hrc", consent="verbal", consent_date="2015-08-01"
        )
    )
    assert city.registries.informant("p-02").organization == RIGHTS
    city.registries.save_informant(Informant("P-01b", role="director"), original="P-01")
    assert all(n.informant != "P-01" for n in city.notes())
    assert city.registries.interview_counts()["p-01b"] == 1
    with pytest.raises(ValidationError):
        city.registries.save_informant(Informant("P-02"))
    with pytest.raises(ValidationError):
        city.registries.save_informant(Informant("P-09", consent_date="last june"))


# ------------------------------------------------------------------ reports
def test_contacts_report_matches_hand_counts(city: FieldNotes) -> None:
    rows = {(r.organization, r.period): r for r in city.report_contacts(by="month")}
    june = rows[(RIGHTS, "2015-06")]
    assert (june.meetings, june.events, june.interviews, june.notes, june.minutes) == (2, 0, 0, 2, 150)
    july = rows[(CLINIC, "2015-07")]
    assert (july.meetings, july.interviews, july.minutes) == (1, 1, 165)
    assert rows[(VICE, "2015-06")].events == 1
    meetings_only = city.report_contacts(by="month", kind="meeting")
    assert all(r.events == 0 and r.interviews == 0 for r in meetings_only)
    weekly = {(r.organization, r.period) for r in city.report_contacts(by="week")}
    assert (RIGHTS, "2015-W23") in weekly and (RIGHTS, "2015-W25") in weekly


def test_ties_report_matches_hand_counts(city: FieldNotes) -> None:
    ties = {(t.organization_a, t.organization_b): t for t in city.report_ties()}
    tie = ties[(RIGHTS, CLINIC)] if (RIGHTS, CLINIC) in ties else ties[(CLINIC, RIGHTS)]
    assert (tie.notes, tie.first, tie.last) == (2, "2015-06-03", "2015-07-01")
    vice = ties[(VICE, ABOLITION)] if (VICE, ABOLITION) in ties else ties[(ABOLITION, VICE)]
    assert vice.notes == 1 and {vice.type_a, vice.type_b} == {"law enforcement", "advocacy: abolitionist"}
    assert len(ties) == 4


def test_codes_report_by_group(city: FieldNotes) -> None:
    by_type = {(r.code, r.group): r.notes for r in city.report_codes(by="org-type")}
    assert by_type[("collaboration frequency", "human-service nonprofit")] == 2  # once per note, not per org
    assert by_type[("framing: worker", "advocacy: sex-worker rights")] == 1
    by_kind = {(r.code, r.group): r.notes for r in city.report_codes(by="kind")}
    assert by_kind[("framing: worker", "meeting")] == 1 and by_kind[("framing: worker", "interview")] == 1
    by_org = {(r.code, r.group): r.notes for r in city.report_codes(by="org")}
    assert by_org[("arrest and rescue", VICE)] == 1


def test_series_for_sparklines() -> None:
    assert periods_between("2015-06-03", "2015-09-01", "month") == [
        "2015-06",
        "2015-07",
        "2015-08",
        "2015-09",
    ]
    assert len(periods_between("2015-06-01", "2015-06-30", "week")) == 5


def test_series_counts(city: FieldNotes) -> None:
    rows = city.report_contacts(by="month")
    series = contact_series(rows, ["2015-06", "2015-07"])
    assert series[RIGHTS] == [2, 1] and series[VICE] == [1, 0]


def test_cli_registries_and_reports(city: FieldNotes, tmp_path: Path) -> None:
    city.close()
    db = str(city.path)
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str, str]:
        result = runner.invoke(cli, ["--db", db, *args])
        return result.exit_code, result.stdout, result.stderr

    code, out, _ = run("orgs", "list", "--json")
    assert code == 0 and {o["name"]: o["notes"] for o in json.loads(out)}[RIGHTS] == 3
    assert run("orgs", "rename", "HRC", "Harbour Rights")[0] == 0
    code, _, err = run("orgs", "merge", "Harbour Rights", CLINIC)
    assert code == 2 and "--yes" in err
    assert run("orgs", "edit", CLINIC, "--type", "health clinic")[0] == 0
    code, out, _ = run("codes")
    assert "framing: worker  [D]" in out and "trust  [I]" in out
    assert run("codes", "move", "trust", "--under", "framing")[0] == 0
    assert run("codes", "merge", "trust", "framing", "--yes")[0] == 0
    assert run("people", "add", "P-05", "--role", "case manager", "--consent", "written")[0] == 0
    code, out, _ = run("people", "--json")
    assert [p["pseudonym"] for p in json.loads(out)] == ["P-01", "P-05"]
    code, out, _ = run("report", "contacts", "--by", "month", "--csv")
    assert code == 0 and out.startswith("organization,type,period,meetings,events,interviews,notes,minutes")
    code, out, _ = run("report", "ties")
    assert code == 0 and "organization a" in out
    code, out, _ = run("report", "codes", "--by", "kind", "--csv")
    assert code == 0 and "framing,interview,1" in out  # trust was merged into framing
    code, _, err = run("codes", "move", "nothing", "--top")
    assert code == 2 and "nothing" in err


def test_a_renamed_codes_old_name_gets_a_new_guid(service: FieldNotes) -> None:
    service.add(make_note(codes=["trust"]))
    first = service.registries.code("trust").guid
    service.registries.rename_code("trust", "mutual trust")
    service.add(make_note(codes=["trust"]))
    guids = [code.guid for code in service.registries.codes()]
    assert len(set(guids)) == 2 and service.registries.code("mutual trust").guid == first
