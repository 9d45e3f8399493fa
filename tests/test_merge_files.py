"""Merging real database files through the service: registries, tombstones, conflicts and
their resolution, authors, backups, and other copies that are read but never touched."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from fieldnotes.errors import InputError, NotFoundError, ValidationError, WrongPassphraseError
from fieldnotes.merge.conflicts import DELETE, KEEP, conflicted_keys, find_conflict, list_conflicts, resolve
from fieldnotes.merge.files import Outcome, merge_into, read_copy
from fieldnotes.merge.revisions import TOMBSTONES
from fieldnotes.model import Code, Informant, Note, Organization, Project
from fieldnotes.service import FieldNotes
from tests.conftest import PASSPHRASE, Opener, make_note


def fork(opener: Opener, tmp_path: Path) -> Opener:
    """A second device: a copy of the database file as it is now (journal folded)."""
    with opener() as service:
        service.store.flush()
    other = tmp_path / "other" / "notes.json"
    other.parent.mkdir()
    shutil.copyfile(opener.path, other)
    return Opener(other, opener.passphrase)


def merge(into: Opener, source: Opener, **options: Any) -> Outcome:
    copy = read_copy(source.path, passphrase=source.passphrase)
    return merge_into(into.path, copy, passphrase=into.passphrase, **options)


def test_two_devices_merge_notes_registries_and_deletes(open_db: Opener, tmp_path: Path) -> None:
    with open_db() as service:
        kept = service.add(make_note(title="Kept", organizations=["Harbor Rights Collective"], body="base"))
        gone = service.add(make_note(title="Gone"))
        service.registries.save_code(Code("trust", description="base"))
    laptop, desktop = open_db, fork(open_db, tmp_path)
    with laptop() as service:
        note = service.get(kept.id)
        service.update(Note.from_dict({**note.to_dict(), "title": "Kept (laptop)", "codes": ["trust"]}))
        service.delete(gone.id)
        service.add(make_note(title="Laptop only 🎉", body="line one\nשלום"))
    with desktop() as service:
        note = service.get(kept.id)
        service.update(Note.from_dict({**note.to_dict(), "body": "desktop body", "codes": ["care"]}))
        service.registries.save_organization(
            Organization("Harbor Rights Collective", type="advocacy: sex-worker rights"),
            original="Harbor Rights Collective",
        )
        service.add(make_note(title="Desktop only", kind="event", start="2016-02-01T10:00"))
    outcome = merge(laptop, desktop)
    assert outcome.report.notes.added == 1 and outcome.report.notes.updated == 1
    assert outcome.backup is not None and outcome.backup.exists()
    with laptop() as service:
        titles = sorted(n.title for n in service.notes())
        assert titles == ["Desktop only", "Kept (laptop)", "Laptop only 🎉"]
        merged = service.get(kept.id)
        assert merged.body == "desktop body" and set(merged.codes) == {"trust", "care"}
        assert (
            service.registries.organization("Harbor Rights Collective").type == "advocacy: sex-worker rights"
        )
        assert {c.name for c in service.registries.codes()} >= {"trust", "care"}
        assert list_conflicts(service) == []
        assert len(merged.history) >= 2 and merged.rev not in merged.history
    # and back: the desktop gets everything, and then the two hold the same notes
    merge(desktop, laptop)
    with laptop() as one, desktop() as two:
        assert {n.id: n.to_dict() for n in one.notes()} == {n.id: n.to_dict() for n in two.notes()}


def test_a_conflict_keeps_both_values_and_resolving_records_a_new_rev(
    open_db: Opener, tmp_path: Path
) -> None:
    with open_db() as service:
        note = service.add(make_note(title="Interview", body="base"))
    laptop, desktop = open_db, fork(open_db, tmp_path)
    for opener, body in ((laptop, 'laptop: she said "no"\n'), (desktop, "desktop: =1+1 🧑🏽‍⚖️")):
        with opener() as service:
            service.update(Note.from_dict({**service.get(note.id).to_dict(), "body": body}))
    outcome = merge(laptop, desktop)
    assert outcome.report.notes.conflicted == 1
    with laptop() as service:
        (conflict,) = list_conflicts(service)
        assert conflict.title == "Interview" and conflict.field == "body"
        assert {v["value"] for v in conflict.values} == {'laptop: she said "no"\n', "desktop: =1+1 🧑🏽‍⚖️"}
        assert conflicted_keys(service) == {note.id}
        before = service.get(note.id).rev
        resolve(service, find_conflict(service, conflict.guid[:6]), "both, combined")
        after = service.get(note.id)
        assert after.body == "both, combined" and after.rev != before and before in after.history
        assert list_conflicts(service) == []
    merge(laptop, desktop)  # the desktop still has its value: the resolution stands
    with laptop() as service:
        assert service.get(note.id).body == "both, combined" and list_conflicts(service) == []
    merge(desktop, laptop)
    with desktop() as service:
        assert service.get(note.id).body == "both, combined" and list_conflicts(service) == []


def test_an_edit_against_a_delete_is_kept_flagged_and_resolved_either_way(
    open_db: Opener, tmp_path: Path
) -> None:
    with open_db() as service:
        one = service.add(make_note(title="One"))
        two = service.add(make_note(title="Two"))
    laptop, desktop = open_db, fork(open_db, tmp_path)
    with laptop() as service:
        service.delete(one.id)
        service.delete(two.id)
    with desktop() as service:
        for note_id in (one.id, two.id):
            service.update(Note.from_dict({**service.get(note_id).to_dict(), "memo": "edited"}))
    merge(laptop, desktop)
    with laptop() as service:
        assert {n.id for n in service.notes()} == {one.id, two.id}
        conflicts = {c.key: c for c in list_conflicts(service)}
        assert {c.kind for c in conflicts.values()} == {"deleted"}
        with pytest.raises(ValidationError):
            resolve(service, conflicts[one.id], "something else")
        resolve(service, conflicts[one.id], KEEP)
        resolve(service, conflicts[two.id], DELETE)
        assert [n.id for n in service.notes()] == [one.id]
    merge(laptop, desktop)  # the kept note now supersedes the delete; the deleted stays deleted
    with laptop() as service:
        assert [n.id for n in service.notes()] == [one.id] and list_conflicts(service) == []


def test_a_note_saved_again_after_its_delete_comes_back_everywhere(db_path: Path, tmp_path: Path) -> None:
    opener = Opener(db_path, None)
    with opener() as service:
        note = service.add(make_note(title="Back again"))
    laptop, desktop = opener, fork(opener, tmp_path)
    with laptop() as service:
        service.delete(note.id)
        assert any(t["key"] == note.id for t in service.store.records(TOMBSTONES))
        service.upsert_many([note])  # imported again
        assert not any(t["key"] == note.id for t in service.store.records(TOMBSTONES))
    merge(desktop, laptop)
    with desktop() as service:
        assert [n.title for n in service.notes()] == ["Back again"] and list_conflicts(service) == []


def test_registries_merge_by_name_alias_and_renames_reach_the_other_devices_notes(
    db_path: Path, tmp_path: Path
) -> None:
    opener = Opener(db_path, None)
    with opener() as service:
        service.registries.save_organization(Organization("Lakeside Outreach", aliases=["LO"]))
        service.registries.save_code(Code("trust"))
        service.registries.save_informant(Informant("P-01"))
    laptop, desktop = opener, fork(opener, tmp_path)
    with laptop() as service:
        service.registries.rename_organization("Lakeside Outreach", "Lakeshore Outreach")
        service.registries.rename_code("trust", "faith")
        service.registries.save_informant(Informant("P-1"), original="P-01")
    with desktop() as service:
        service.add(
            make_note(
                kind="interview",
                title="New here",
                organizations=["Lakeside Outreach"],
                codes=["trust"],
                informant="P-01",
            )
        )
        service.registries.save_organization(Organization("Harbor", description="desktop's"))
    with laptop() as service:
        service.registries.save_organization(Organization("harbor", description="laptop's"))
    outcome = merge(laptop, desktop)
    with laptop() as service:
        note = next(n for n in service.notes() if n.title == "New here")
        assert note.organizations == ["Lakeshore Outreach"] and note.codes == ["faith"]
        assert note.informant == "P-1"
        org = service.registries.organization("Lakeside Outreach")  # the old name is an alias
        assert org.name == "Lakeshore Outreach" and "LO" in org.aliases
        assert [c.name for c in service.registries.codes()] == ["faith"]
        harbor = [o for o in service.registries.organizations() if o.name.lower() == "harbor"]
        assert len(harbor) == 1  # one record, its two descriptions in a conflict
        conflicts = list_conflicts(service)
        assert {(c.table, c.field) for c in conflicts} >= {("organizations", "description")}
        assert outcome.report.table("organizations").conflicted >= 1


def test_codes_moved_under_each_other_on_two_devices_make_no_cycle(db_path: Path, tmp_path: Path) -> None:
    opener = Opener(db_path, None)
    with opener() as service:
        service.registries.save_code(Code("a"))
        service.registries.save_code(Code("b"))
    laptop, desktop = opener, fork(opener, tmp_path)
    with laptop() as service:
        service.registries.move_code("a", "b")
    with desktop() as service:
        service.registries.move_code("b", "a")
    merge(laptop, desktop)
    with laptop() as service:
        parents = {c.name: c.parent for c in service.registries.codes()}
        assert "" in parents.values()  # the cycle is broken
        assert [c.field for c in list_conflicts(service)] == ["parent"]


def test_a_code_made_on_two_devices_keeps_its_earliest_first_note(db_path: Path, tmp_path: Path) -> None:
    laptop = Opener(db_path, None)
    desktop = fork(laptop, tmp_path)
    with laptop() as service:
        late = service.add(make_note(title="late", start="2016-03-01T10:00", codes=["emergent"]))
    with desktop() as service:
        early = service.add(make_note(title="early", start="2016-01-01T10:00", codes=["emergent"]))
    merge(laptop, desktop)
    with laptop() as service:
        code = service.registries.code("emergent")
        assert (code.first_note, code.first_date) == (early.id, "2016-01-01")
        assert list_conflicts(service) == []
    assert late.id != early.id


def test_author_comes_from_the_environment_or_the_project(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FIELDNOTES_AUTHOR", raising=False)
    with FieldNotes.open(db_path) as service:
        service.registries.save_project(Project(researcher="Dana Reyes"))
        assert service.add(make_note()).author == "Dana Reyes"
        monkeypatch.setenv("FIELDNOTES_AUTHOR", "  Sam   Okafor ")
        note = service.add(make_note(title="second"))
        assert note.author == "Sam Okafor"
        service.registries.save_code(Code("care"))
        assert service.registries.code("care").author == "Sam Okafor"
        service.delete(note.id)
        (tomb,) = [t for t in service.store.records(TOMBSTONES) if t["key"] == note.id]
        assert tomb["author"] == "Sam Okafor" and tomb["when"] and "title" not in tomb


def test_saving_the_same_content_again_is_not_a_new_version(db_path: Path) -> None:
    with FieldNotes.open(db_path) as service:
        note = service.add(make_note(body="same"))
        again = service.update(service.get(note.id))
        assert again.rev == note.rev and again.history == note.history
        changed = service.update(Note.from_dict({**note.to_dict(), "body": "different"}))
        assert changed.rev != note.rev and changed.history[0] == note.rev
        assert changed.field_revs["body"] == changed.rev and "title" not in changed.field_revs


def test_dry_run_and_a_second_merge_change_nothing(open_db: Opener, tmp_path: Path) -> None:
    with open_db() as service:
        service.add(make_note(title="base"))
    laptop, desktop = open_db, fork(open_db, tmp_path)
    with desktop() as service:
        service.add(make_note(title="new on the desktop"))
    with laptop() as service:
        service.store.flush()
    before = laptop.path.read_bytes()
    dry = merge(laptop, desktop, dry_run=True)
    assert dry.report.notes.added == 1 and dry.backup is None
    assert laptop.path.read_bytes() == before
    merge(laptop, desktop)
    after = laptop.path.read_bytes()
    second = merge(laptop, desktop)
    assert not second.report.changed and second.backup is None
    assert laptop.path.read_bytes() == after


def test_the_other_copy_is_read_and_never_touched(open_db: Opener, tmp_path: Path) -> None:
    with open_db() as service:
        service.add(make_note())
    desktop = fork(open_db, tmp_path)
    with desktop() as service:
        service.add(make_note(title="unfolded: only in the journal"))
    folder = desktop.path.parent
    listing = {p.name: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    copy = read_copy(desktop.path, passphrase=desktop.passphrase)
    titles = {doc["title"] for doc in copy.tables["notes"].values()}
    assert "unfolded: only in the journal" in titles  # the journal was replayed
    assert {p.name: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == listing
    assert copy.encrypted == open_db.encrypted


@pytest.mark.parametrize(
    "content", [b"", b"garbage \x00\xff", b'{"kind": "meeting"}\n', b'{"notes": {"1": {}}}']
)
def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path, content: bytes) -> None:
    other = tmp_path / "other.json"
    other.write_bytes(content)
    with pytest.raises(InputError):
        read_copy(other)
    with pytest.raises(InputError):
        read_copy(tmp_path / "missing.json")
    with pytest.raises(InputError):
        read_copy(tmp_path)


def test_an_encrypted_copy_needs_its_own_passphrase(db_path: Path, tmp_path: Path) -> None:
    from fieldnotes.service import encrypt_database

    with FieldNotes.open(db_path) as service:
        service.add(make_note())
    encrypt_database(db_path, PASSPHRASE)
    with pytest.raises(WrongPassphraseError):
        read_copy(db_path, passphrase="not it")
    assert read_copy(db_path, passphrase=PASSPHRASE).encrypted


def test_resolving_an_unknown_conflict_is_a_refusal(db_path: Path) -> None:
    with FieldNotes.open(db_path) as service, pytest.raises(NotFoundError):
        find_conflict(service, "ffff")


def test_organizations_merged_on_one_device_stay_merged_on_the_other(db_path: Path, tmp_path: Path) -> None:
    opener = Opener(db_path, None)
    with opener() as service:
        service.registries.save_organization(Organization("Eastgate Dropin"))
        service.registries.save_organization(
            Organization("Eastgate Drop-in Centre", type="human-service nonprofit")
        )
        note = service.add(make_note(organizations=["Eastgate Dropin"]))
    laptop, desktop = opener, fork(opener, tmp_path)
    with laptop() as service:
        service.registries.merge_organizations("Eastgate Dropin", "Eastgate Drop-in Centre")
    with desktop() as service:
        later = service.add(make_note(title="tagged with the old name", organizations=["Eastgate Dropin"]))
    merge(desktop, laptop)
    merge(laptop, desktop)
    for opened in (laptop, desktop):
        with opened() as service:
            names = [o.name for o in service.registries.organizations()]
            assert names == ["Eastgate Drop-in Centre"], names
            assert "Eastgate Dropin" in service.registries.organization("Eastgate Drop-in Centre").aliases
            assert service.get(note.id).organizations == ["Eastgate Drop-in Centre"]
            assert service.get(later.id).organizations == ["Eastgate Drop-in Centre"]
            assert list_conflicts(service) == []
