"""Encryption at rest: round trips, wrong passphrases, and no plaintext on disk, ever."""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from textual.widgets import Input, Static, TextArea

from fieldnotes.cli.main import cli
from fieldnotes.errors import DamagedError, PassphraseNeededError, WrongPassphraseError
from fieldnotes.service import FieldNotes, decrypt_database, encrypt_database, restore
from fieldnotes.storage.crypto import MAGIC
from fieldnotes.tui.app import FieldnotesApp
from fieldnotes.tui.screens import note_form
from fieldnotes.tui.screens.main import MainScreen
from fieldnotes.tui.screens.unlock import UnlockScreen
from tests.conftest import fieldnotes_cmd, kill_adds, make_note

PASS = "correct horse battery staple"
SENTENCE = "Rosalind described the night of the raid on Ninth Street"


def files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


def assert_no_plaintext(folder: Path, *needles: str) -> None:
    for path in files_under(folder):
        raw = path.read_bytes()
        for needle in needles:
            for form in (needle.encode(), json.dumps(needle)[1:-1].encode()):
                assert form not in raw, f"plaintext {needle!r} found in {path}"


def test_round_trip_plain_encrypted_plain(db_path: Path) -> None:
    with FieldNotes.open(db_path) as svc:
        first = svc.add(make_note(title="before", body=SENTENCE))
        svc.backup("manual")
    converted = encrypt_database(db_path, PASS)
    assert db_path in converted and len(converted) >= 2  # the database and its backups
    assert db_path.read_bytes().startswith(MAGIC)
    assert_no_plaintext(db_path.parent, SENTENCE)
    with FieldNotes.open(db_path, passphrase=PASS) as svc:
        assert svc.get(first.id).body == SENTENCE
        second = svc.add(make_note(title="while encrypted", body="more " + SENTENCE))
        journal = db_path.with_name(db_path.name + ".journal")
        assert journal.exists()
        assert_no_plaintext(db_path.parent, SENTENCE)  # the journal line is sealed too
    with FieldNotes.open(db_path, passphrase=PASS) as svc:
        assert {n.id for n in svc.notes()} == {first.id, second.id}
    decrypt_database(db_path, PASS)
    data = json.loads(db_path.read_bytes())  # plain TinyDB JSON again
    assert sorted(d["title"] for d in data["notes"].values()) == ["before", "while encrypted"]
    with FieldNotes.open(db_path) as svc:
        assert svc.count() == 2


def test_wrong_or_missing_passphrase_is_clear_and_touches_nothing(db_path: Path) -> None:
    with FieldNotes.open(db_path) as svc:
        svc.add(make_note(title="x"))
    encrypt_database(db_path, PASS)
    before = {p: p.read_bytes() for p in files_under(db_path.parent)}
    with pytest.raises(WrongPassphraseError, match="passphrase does not open"):
        FieldNotes.open(db_path, passphrase="wrong")
    with pytest.raises(PassphraseNeededError, match="encrypted"):
        FieldNotes.open(db_path)
    assert {p: p.read_bytes() for p in files_under(db_path.parent)} == before


def test_a_damaged_encrypted_file_names_its_good_backup(db_path: Path) -> None:
    with FieldNotes.open(db_path) as svc:
        svc.add(make_note(title="x"))
    encrypt_database(db_path, PASS)
    with FieldNotes.open(db_path, passphrase=PASS) as svc:
        backup = svc.backup("manual")
    raw = bytearray(db_path.read_bytes())
    raw[-5] ^= 0xFF
    db_path.write_bytes(bytes(raw))
    with pytest.raises(DamagedError) as info:
        FieldNotes.open(db_path, passphrase=PASS)
    assert backup.name in str(info.value)
    restore(db_path, backup.name, passphrase=PASS)
    assert db_path.read_bytes().startswith(MAGIC)  # restored, and still encrypted
    with FieldNotes.open(db_path, passphrase=PASS) as svc:
        assert [n.title for n in svc.notes()] == ["x"]


async def test_no_plaintext_touches_the_disk_in_a_whole_session(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "study" / "notes.json"
    FieldNotes.open(db).close()
    encrypt_database(db, PASS)
    env = {**os.environ, "FIELDNOTES_PASSPHRASE": PASS}
    fields = ["--title", "Interview", "--informant", "P-04", "--consent", "written"]
    added = subprocess.run(
        fieldnotes_cmd(db, "add", "--kind", "interview", *fields, "--body", SENTENCE, "--memo", SENTENCE),
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    assert added.returncode == 0, added.stderr
    monkeypatch.setattr(note_form, "DRAFT_QUIET_S", 0.05)
    monkeypatch.setattr(note_form, "DRAFT_CHECK_S", 0.05)
    service = FieldNotes.open(db, passphrase=PASS)
    app = FieldnotesApp(service)
    drafts = db.with_name(db.name + ".drafts")
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("m")
        await pilot.pause()
        app.screen.query_one("#title", Input).value = "Draft"
        app.screen.query_one("#body", TextArea).insert(SENTENCE)
        for _ in range(200):
            if drafts.exists() and any(drafts.iterdir()):
                break
            await pilot.pause(0.02)
        [draft] = drafts.iterdir()  # this form's own draft
        assert draft.read_bytes().startswith(MAGIC)
        assert_no_plaintext(db.parent, SENTENCE)
        await pilot.press("ctrl+s")
        await pilot.pause()
    service.delete(added.stdout.strip())  # a backup first
    service.close()
    restore(db, "1", passphrase=PASS)
    assert len(files_under(db.parent / "backups")) >= 2
    assert_no_plaintext(db.parent, SENTENCE, "Interview", "P-04")


def _encrypted_writer(path: str, prefix: str, count: int) -> None:
    with FieldNotes.open(path, passphrase=PASS) as svc:
        for i in range(count):
            svc.add(make_note(title=f"{prefix}-{i}"))


def test_two_processes_in_encrypted_mode_lose_nothing(db_path: Path) -> None:
    FieldNotes.open(db_path).close()
    encrypt_database(db_path, PASS)
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_encrypted_writer, args=(str(db_path), name, 100)) for name in ("a", "b")]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(120)
        assert proc.exitcode == 0
    with FieldNotes.open(db_path, passphrase=PASS) as svc:
        assert len({n.title for n in svc.notes()}) == 200


def test_kill_9_in_encrypted_mode(tmp_path: Path) -> None:
    db = tmp_path / "notes.json"
    with FieldNotes.open(db) as svc:
        svc.upsert_many([make_note(title=f"n{i}", body="x" * 2000) for i in range(200)])
    encrypt_database(db, PASS)

    def check(acknowledged: set[str]) -> None:
        assert db.read_bytes().startswith(MAGIC)
        with FieldNotes.open(db, passphrase=PASS) as svc:
            assert acknowledged <= {n.id for n in svc.note_views()}

    env = {**os.environ, "FIELDNOTES_PASSPHRASE": PASS}
    kill_adds(db, attempts=20, seed=7, env=env, body=SENTENCE, max_delay=0.7, check=check)
    assert_no_plaintext(db.parent, SENTENCE)


def test_cli_encrypt_decrypt_and_errors(db_path: Path) -> None:
    runner = CliRunner()
    db = str(db_path)
    runner.invoke(cli, ["--db", db, "add", "--kind", "meeting", "--title", "t", "--body", SENTENCE])
    result = runner.invoke(cli, ["--db", db, "encrypt"], env={"FIELDNOTES_PASSPHRASE": PASS})
    assert result.exit_code == 0, result.output
    no_pass = runner.invoke(cli, ["--db", db, "list"], env={"FIELDNOTES_PASSPHRASE": ""})
    assert no_pass.exit_code == 2 and "encrypted" in no_pass.stderr
    wrong = runner.invoke(cli, ["--db", db, "list"], env={"FIELDNOTES_PASSPHRASE": "nope"})
    assert wrong.exit_code == 2 and "passphrase" in wrong.stderr and "Traceback" not in wrong.stderr
    ok = runner.invoke(cli, ["--db", db, "list", "--json"], env={"FIELDNOTES_PASSPHRASE": PASS})
    assert ok.exit_code == 0 and json.loads(ok.stdout)[0]["body"] == SENTENCE
    again = runner.invoke(cli, ["--db", db, "encrypt"], env={"FIELDNOTES_PASSPHRASE": PASS})
    assert again.exit_code == 1 and "already encrypted" in again.stderr
    back = runner.invoke(cli, ["--db", db, "decrypt"], env={"FIELDNOTES_PASSPHRASE": PASS})
    assert back.exit_code == 0
    assert SENTENCE in db_path.read_text()


async def test_tui_asks_for_the_passphrase(db_path: Path) -> None:
    with FieldNotes.open(db_path) as svc:
        svc.add(make_note(title="locked away"))
    encrypt_database(db_path, PASS)
    app = FieldnotesApp(None, db_path=db_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, UnlockScreen)
        app.screen.query_one("#passphrase", Input).value = "wrong"
        await pilot.press("enter")
        await pilot.pause()
        assert "passphrase does not open" in str(app.screen.query_one("#unlock-error", Static).render())
        app.screen.query_one("#passphrase", Input).value = PASS
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert [n.title for n in app.screen.table.notes] == ["locked away"]
    app.service.close()
