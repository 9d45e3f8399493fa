"""The team commands as a researcher runs them: merge, conflicts, doctor, and sync tools' copies."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from fieldnotes.cli.main import cli
from fieldnotes.merge.copies import conflict_copies
from fieldnotes.model import Note
from fieldnotes.service import FieldNotes, encrypt_database
from tests.conftest import PASSPHRASE, make_note


def run(db: Path, *args: str, env: dict[str, str | None] | None = None, stdin: str | None = None) -> Result:
    base = {"FIELDNOTES_PASSPHRASE": None, "FIELDNOTES_OTHER_PASSPHRASE": None, "FIELDNOTES_AUTHOR": None}
    runner = CliRunner(env={**base, **(env or {})})
    return runner.invoke(cli, ["--db", str(db), *args], input=stdin)


@pytest.fixture
def two(tmp_path: Path) -> tuple[Path, Path, str]:
    """Two copies of one database, each edited apart: the same note's body on both."""
    laptop = tmp_path / "laptop" / "notes.json"
    with FieldNotes.open(laptop) as service:
        note = service.add(make_note(title="Shared", body="base"))
        service.store.flush()
    desktop = tmp_path / "desktop" / "notes.json"
    desktop.parent.mkdir()
    shutil.copyfile(laptop, desktop)
    for path, body, extra in (
        (laptop, "laptop body", "Laptop note"),
        (desktop, "desktop body", "Desktop note"),
    ):
        with FieldNotes.open(path) as service:
            service.update(Note.from_dict({**service.get(note.id).to_dict(), "body": body}))
            service.add(make_note(title=extra))
    return laptop, desktop, note.id


def test_merge_prints_the_counts_and_takes_a_backup(two: tuple[Path, Path, str]) -> None:
    laptop, desktop, _ = two
    result = run(laptop, "merge", str(desktop))
    assert result.exit_code == 0, result.output
    line = result.stdout.splitlines()[0]  # updated: 0 or 1, as the kept (newer) body is ours or theirs
    assert line.startswith("Notes: 1 added, ") and line.endswith(" 0 deleted, 1 conflicted.")
    assert "A backup was taken first" in result.stderr
    again = run(laptop, "merge", str(desktop), "--json")
    data = json.loads(again.stdout)
    assert (data["added"], data["updated"], data["deleted"], data["conflicted"]) == (0, 0, 0, 0)


def test_dry_run_changes_nothing(two: tuple[Path, Path, str]) -> None:
    laptop, desktop, _ = two
    files = {p: p.read_bytes() for p in laptop.parent.iterdir() if p.is_file()}
    result = run(laptop, "merge", str(desktop), "--dry-run")
    assert result.exit_code == 0 and "1 added" in result.stdout
    assert {p: p.read_bytes() for p in laptop.parent.iterdir() if p.is_file()} == files


def test_conflicts_lists_both_values_authors_and_times_and_resolve_by_pick(
    two: tuple[Path, Path, str],
) -> None:
    laptop, desktop, note_id = two
    run(laptop, "merge", str(desktop))
    listed = run(laptop, "conflicts", "--json")
    (conflict,) = json.loads(listed.stdout)
    assert conflict["record"] == note_id and conflict["field"] == "body" and conflict["title"] == "Shared"
    assert {v["value"] for v in conflict["values"]} == {"laptop body", "desktop body"}
    assert all(v["when"] for v in conflict["values"])
    text = run(laptop, "conflicts").stdout
    assert "⚠" in text and "laptop body" in text and "desktop body" in text
    refused = run(laptop, "conflicts", "resolve", conflict["id"][:8], "--pick", "3")
    assert refused.exit_code == 2
    refused = run(laptop, "conflicts", "resolve", conflict["id"][:8], "--keep")
    assert refused.exit_code == 2
    picked = conflict["values"].index(next(v for v in conflict["values"] if v["value"] == "desktop body")) + 1
    done = run(laptop, "conflicts", "resolve", conflict["id"][:8], "--pick", str(picked))
    assert done.exit_code == 0, done.output
    with FieldNotes.open(laptop) as service:
        assert service.get(note_id).body == "desktop body"
    assert json.loads(run(laptop, "conflicts", "--json").stdout) == []


def test_merging_the_database_into_itself_or_a_non_database_is_refused(two: tuple[Path, Path, str]) -> None:
    laptop, _, _ = two
    assert run(laptop, "merge", str(laptop)).exit_code == 2
    junk = laptop.parent / "junk.csv"
    junk.write_text("a,b\n1,2\n")
    before = laptop.read_bytes()
    result = run(laptop, "merge", str(junk))
    assert result.exit_code == 2 and "not a fieldnotes database" in result.stderr
    assert laptop.read_bytes() == before


def test_an_encrypted_other_opens_with_its_own_passphrase(two: tuple[Path, Path, str]) -> None:
    laptop, desktop, _ = two
    encrypt_database(desktop, "desktop's own passphrase")
    refused = run(laptop, "merge", str(desktop))  # no terminal to ask in
    assert refused.exit_code == 2 and "FIELDNOTES_OTHER_PASSPHRASE" in refused.stderr
    wrong = run(laptop, "merge", str(desktop), env={"FIELDNOTES_OTHER_PASSPHRASE": "nope"})
    assert wrong.exit_code == 2
    done = run(laptop, "merge", str(desktop), env={"FIELDNOTES_OTHER_PASSPHRASE": "desktop's own passphrase"})
    assert done.exit_code == 0 and "1 added" in done.stdout


def test_an_encrypted_database_merges_a_copy_with_the_same_passphrase(two: tuple[Path, Path, str]) -> None:
    laptop, desktop, _ = two
    encrypt_database(laptop, PASSPHRASE)
    encrypt_database(desktop, PASSPHRASE)
    done = run(laptop, "merge", str(desktop), env={"FIELDNOTES_PASSPHRASE": PASSPHRASE})
    assert done.exit_code == 0 and "1 added" in done.stdout, done.output
    assert laptop.read_bytes().startswith(b"FIELDNOTES-ENCRYPTED v1\n")  # stays encrypted


COPY_NAMES = [
    "notes (Dana's conflicted copy 2016-01-17).json",
    "notes (conflicted copy 2016-01-17 083012).json",
    "notes.sync-conflict-20160117-083012-ABCDEF1.json",
    "notes_conflict-20160117-083012.json",
    "notes (SFConflict dana@example.org 2016-01-17-08-30-12).json",
    "notes.Conflict.json",
    "notes (1).json",
]


@pytest.mark.parametrize("name", COPY_NAMES)
def test_sync_tools_conflicted_copies_are_found(tmp_path: Path, name: str) -> None:
    db = tmp_path / "notes.json"
    db.write_text("{}")
    (tmp_path / name).write_text('{"notes": {}}')
    (tmp_path / "notes-export.csv").write_text("x")  # not a copy
    for own in ("other notes.json", "notes 2.json", "notes-BACKUP.json", "notes (draft).csv"):
        (tmp_path / own).write_text("{}")  # the researcher's own files, not copies
    (tmp_path / "notes.json.journal").write_text("")
    assert [p.name for p in conflict_copies(db)] == [name]


def test_doctor_offers_and_merges_conflicted_copies(two: tuple[Path, Path, str]) -> None:
    laptop, desktop, _ = two
    copy = laptop.with_name("notes (Dana's conflicted copy 2016-01-17).json")
    shutil.copyfile(desktop, copy)
    found = run(laptop, "doctor")
    assert found.exit_code == 0 and copy.name in found.stdout
    assert "--merge-copies" in found.stderr and copy.exists()
    merged = run(laptop, "doctor", "--merge-copies")
    assert merged.exit_code == 0, merged.output
    assert not copy.exists() and (laptop.parent / "backups" / "merged-copies" / copy.name).exists()
    assert "Conflicts to resolve: 1" in merged.stdout
    with FieldNotes.open(laptop) as service:
        assert "Desktop note" in {n.title for n in service.notes()}
    assert "conflicted copy" not in run(laptop, "doctor").stdout


def test_base_lets_a_removed_code_stay_removed(tmp_path: Path) -> None:
    laptop = tmp_path / "laptop" / "notes.json"
    with FieldNotes.open(laptop) as service:
        note = service.add(make_note(codes=["trust", "care"]))
        service.store.flush()
    base, desktop = tmp_path / "base.json", tmp_path / "desktop" / "notes.json"
    desktop.parent.mkdir()
    shutil.copyfile(laptop, base)
    shutil.copyfile(laptop, desktop)
    with FieldNotes.open(laptop) as service:  # the laptop drops "care" and adds "legitimacy"
        service.update(Note.from_dict({**service.get(note.id).to_dict(), "codes": ["trust", "legitimacy"]}))
    with FieldNotes.open(desktop) as service:  # the desktop adds "harm reduction"
        codes = ["trust", "care", "harm reduction"]
        service.update(Note.from_dict({**service.get(note.id).to_dict(), "codes": codes}))
    without = run(laptop, "merge", str(desktop), "--dry-run", "--json")
    assert json.loads(without.stdout)["updated"] == 1
    result = run(laptop, "merge", str(desktop), "--base", str(base))
    assert result.exit_code == 0, result.output
    with FieldNotes.open(laptop) as service:
        assert sorted(service.get(note.id).codes) == ["harm reduction", "legitimacy", "trust"]
