"""The data's life cycle under an ethics approval: no plaintext left beside an encrypted
database through a whole working session, and destruction when the destroy-by date passes."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from click.testing import CliRunner

from fieldnotes.cli.main import cli
from fieldnotes.merge.conflicts import list_conflicts
from fieldnotes.model import Informant, Project
from fieldnotes.service import FieldNotes, encrypt_database, restore
from tests.conftest import PASSPHRASE, fieldnotes_cmd, kill_adds, make_note

SECRET = "Rosalind Okafor described the raid on Ninth Street"
NAME = "Rosalind Okafor"


def plaintext_hits(folder: Path, *needles: str) -> list[str]:
    """Every file under `folder` that holds a needle as text, JSON-escaped or UTF-16."""
    hits = []
    for path in folder.rglob("*"):
        if not path.is_file():
            continue
        raw = path.read_bytes()
        for needle in needles:
            forms = {needle.encode(), json.dumps(needle)[1:-1].encode(), needle.encode("utf-16-le")}
            if any(form in raw for form in forms):
                hits.append(f"{path}: {needle}")
    return hits


def test_no_plaintext_beside_the_database_through_a_whole_encrypted_session(tmp_path: Path) -> None:
    study = tmp_path / "study"
    db = study / "notes.json"
    with FieldNotes.open(db) as svc:
        svc.registries.save_informant(Informant("P-07", real_names=[NAME]))
        svc.add(make_note(title="before", body=SECRET))
    encrypt_database(db, PASSPHRASE)
    env = {**os.environ, "FIELDNOTES_PASSPHRASE": PASSPHRASE}
    # add (a real process), edit, delete, a draft, a backup and a restore
    added = subprocess.run(
        fieldnotes_cmd(db, "add", "--kind", "meeting", "--title", "Debrief", "--body", SECRET),
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    assert added.returncode == 0, added.stderr
    with FieldNotes.open(db, passphrase=PASSPHRASE) as svc:
        note = svc.get(added.stdout.strip())
        note.memo = f"{NAME} again"
        svc.update(note)
        svc.keep_draft("new-1", {"kind": "meeting", "fields": {"body": SECRET}})
        svc.backup("manual")
        svc.delete(svc.add(make_note(title="gone", body=SECRET)).id)
        svc.export_nvivo(tmp_path / "exports" / "nvivo")  # exports go elsewhere, plaintext by nature
    restore(db, "1", passphrase=PASSPHRASE)
    # a merge with a second encrypted copy (the field laptop), with a conflict to keep
    laptop = tmp_path / "laptop" / "notes.json"
    laptop.parent.mkdir()
    laptop.write_bytes(db.read_bytes())
    with FieldNotes.open(laptop, passphrase=PASSPHRASE) as svc:
        svc.add(make_note(title="from the laptop", body=f"{SECRET}, seen from the van"))
        edited = svc.get(note.id)
        edited.memo = f"{NAME}, laptop version"
        svc.update(edited)
    with FieldNotes.open(db, passphrase=PASSPHRASE) as svc:
        edited = svc.get(note.id)
        edited.memo = f"{NAME}, desk version"
        svc.update(edited)
    merged = CliRunner().invoke(cli, ["--db", str(db), "merge", str(laptop)], env=env)
    assert merged.exit_code == 0, merged.output
    with FieldNotes.open(db, passphrase=PASSPHRASE) as svc:
        assert any(n.title == "from the laptop" for n in svc.notes())
        assert list_conflicts(svc)  # kept, sealed, in the database
    # writes killed at random moments
    kill_adds(db, attempts=6, seed=3, env=env, body=SECRET, max_delay=0.5, check=lambda acknowledged: None)
    # a passphrase change
    changed = CliRunner().invoke(
        cli,
        ["--db", str(db), "passphrase"],
        env={"FIELDNOTES_PASSPHRASE": PASSPHRASE, "FIELDNOTES_NEW_PASSPHRASE": "another long passphrase"},
    )
    assert changed.exit_code == 0, changed.output
    with FieldNotes.open(db, passphrase="another long passphrase") as svc:
        assert any(n.body == SECRET for n in svc.notes())
    assert plaintext_hits(study, SECRET, NAME) == []
    assert plaintext_hits(laptop.parent, SECRET, NAME) == []


def _study_past_its_date(tmp_path: Path) -> tuple[Path, Path]:
    db = tmp_path / "study" / "notes.json"
    with FieldNotes.open(db) as svc:
        svc.add(make_note(title="to go", body=SECRET))
        svc.registries.save_project(Project(protocol="IRB-2015-0412", destroy_by="2016-06-30"))
        export = tmp_path / "shared-drive" / "study.qdpx"
        svc.export_qdpx(export)
        svc.backup("manual")
        svc.keep_draft("new-9", {"kind": "event", "fields": {}})
    return db, export


def test_destroy_refuses_before_the_destroy_by_date_and_without_the_name(tmp_path: Path) -> None:
    db, _ = _study_past_its_date(tmp_path)
    with FieldNotes.open(db) as svc:
        svc.registries.save_project(Project(destroy_by="2999-01-01"))
    runner = CliRunner()
    early = runner.invoke(cli, ["--db", str(db), "destroy", "--confirm", "notes.json"])
    assert early.exit_code == 2 and "has not passed" in early.stderr
    with FieldNotes.open(db) as svc:
        svc.registries.save_project(Project(destroy_by="2016-06-30"))
    wrong = runner.invoke(cli, ["--db", str(db), "destroy", "--confirm", "notes"])
    assert wrong.exit_code == 2 and "nothing was removed" in wrong.stderr
    no_terminal = runner.invoke(cli, ["--db", str(db), "destroy"])
    assert no_terminal.exit_code == 2
    assert db.exists() and (db.parent / "backups").is_dir()


def test_destroy_removes_every_file_of_the_study_and_lists_the_exports_left(tmp_path: Path) -> None:
    db, export = _study_past_its_date(tmp_path)
    unrelated = db.parent / "consent-form-template.docx"
    unrelated.write_bytes(b"the researcher's own file")
    result = CliRunner().invoke(cli, ["--db", str(db), "destroy", "--confirm", "notes.json"])
    assert result.exit_code == 0, result.output
    assert str(export) in result.stderr and export.exists()  # listed, not removed
    left = sorted(p.name for p in db.parent.iterdir())
    assert left == ["consent-form-template.docx"]
    assert plaintext_hits(db.parent, SECRET) == []
