"""The edges of the storage: links, read-only files, clocks, damage, tampering, temp files,
drafts per form, and add without reading the notes. Each test is named for the class it guards."""

from __future__ import annotations

import base64
import hashlib
import os
import stat
from datetime import datetime, timedelta
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from fieldnotes.cli.main import cli
from fieldnotes.errors import (
    JournalDamagedError,
    PassphraseNeededError,
    StorageError,
    WrongPassphraseError,
)
from fieldnotes.service import FieldNotes, encrypt_database, restore
from fieldnotes.storage import Store, recover
from fieldnotes.storage import backups as backups_module
from fieldnotes.storage.crypto import MAGIC
from tests.conftest import PASSPHRASE, Opener, make_note


def digest_of_folder(folder: Path) -> dict[str, str]:
    """Every file under `folder` and a hash of its bytes (the lock file is content-free)."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.name.endswith(".lock")
    }


def damage(line: bytes, encrypted: bool) -> bytes:
    """A complete line that no longer reads back: a flipped bit (sealed lines are
    authenticated), or a broken brace (plain lines are only parsed)."""
    if encrypted:
        return line[:10] + bytes([line[10] ^ 1]) + line[11:]
    return b"#" + line[1:]


def with_journal(open_db: Opener, titles: list[str]) -> list[bytes]:
    """A folded database, then one `add` per title, each in its own process-like open."""
    with open_db() as svc:
        svc.add(make_note(title="folded"))
        svc.store.flush()
    for title in titles:
        with open_db() as svc:
            svc.add(make_note(title=title))
    return journal_lines(open_db.path)


def journal_lines(db: Path) -> list[bytes]:
    """The journal's entry lines (its first line is a header naming the main file)."""
    return db.with_name(db.name + ".journal").read_bytes().split(b"\n")[1:-1]


def write_journal(db: Path, lines: list[bytes]) -> None:
    journal = db.with_name(db.name + ".journal")
    header = journal.read_bytes().split(b"\n")[0]
    journal.write_bytes(b"".join(line + b"\n" for line in [header, *lines]))


# ------------------------------------------------------------------- links
def test_symlinked_database_is_written_through_the_link(tmp_path: Path) -> None:
    real = tmp_path / "encrypted-volume" / "notes.json"
    with FieldNotes.open(real) as svc:
        svc.add(make_note(title="first"))
    link = tmp_path / "desktop" / "notes.json"
    link.parent.mkdir()
    link.symlink_to(real)
    with FieldNotes.open(link) as svc:
        svc.add(make_note(title="through the link"))
        svc.delete(next(n.id for n in svc.notes() if n.title == "first"))  # a backup, beside the real file
        assert svc.path == real
    assert link.is_symlink() and link.resolve() == real
    assert sorted(p.name for p in link.parent.iterdir()) == ["notes.json"]  # nothing beside the link
    assert (real.parent / "backups").is_dir()
    with FieldNotes.open(real) as svc:
        assert [n.title for n in svc.notes()] == ["through the link"]


# --------------------------------------------------------------- read-only
@pytest.mark.parametrize("what", ["file", "folder"])
def test_read_only_database_refuses_to_write_naming_the_file(tmp_path: Path, what: str) -> None:
    db = tmp_path / "study" / "notes.json"
    with FieldNotes.open(db) as svc:
        svc.add(make_note(title="archived"))
        svc.store.flush()
    target = db if what == "file" else db.parent
    before = digest_of_folder(db.parent)
    modes = {path: stat.S_IMODE(path.stat().st_mode) for path in db.parent.rglob("*")}
    target.chmod(0o444 if what == "file" else 0o555)
    try:
        with FieldNotes.open(db) as svc:
            assert [n.title for n in svc.notes()] == ["archived"]  # reading still works
            with pytest.raises(StorageError, match=str(target)) as info:
                svc.add(make_note(title="refused"))
            assert "not writable" in str(info.value)
        result = CliRunner().invoke(cli, ["--db", str(db), "add", "--kind", "meeting", "--title", "x"])
        assert result.exit_code == 1 and str(target) in result.stderr and "Traceback" not in result.output
    finally:
        target.chmod(0o600 if what == "file" else 0o700)
    assert digest_of_folder(db.parent) == before
    # Never a silent chmod of the user's files.
    assert {p: stat.S_IMODE(p.stat().st_mode) for p in db.parent.rglob("*")} == modes


# ----------------------------------------------------------------- backups
def test_backup_order_and_pruning_survive_a_clock_set_back(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(db_path, keep_backups=3)
    clock = [datetime(2016, 6, 1, 12, 0)]

    class Clock(datetime):
        @classmethod
        def now(cls, tz: object = None) -> datetime:  # type: ignore[override]
            return clock[0]

    monkeypatch.setattr(backups_module, "datetime", Clock)
    taken = []
    for i in range(5):
        taken.append(store.backup(f"step {i}"))
        clock[0] -= timedelta(hours=7)  # a flight west, or a wrong BIOS clock
    names = [info.path for info in store.list_backups()]
    assert names == [taken[4], taken[3], taken[2]]  # newest by sequence, never by the clock
    assert taken[4].exists()  # the copy just taken is never the one pruned
    store.close()


def test_restore_number_means_the_list_entry_not_a_file_in_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "notes.json"
    with FieldNotes.open(db) as svc:
        svc.add(make_note(title="kept"))
        svc.backup("manual")
        svc.add(make_note(title="later"))
    decoy = tmp_path / "cwd"
    decoy.mkdir()
    (decoy / "1").write_text('{"notes": {"1": {"title": "decoy"}}}')
    monkeypatch.chdir(decoy)
    restore(db, "1")
    with FieldNotes.open(db) as svc:
        assert [n.title for n in svc.notes()] == ["kept"]
    restore(db, "./1")  # a path, because it says so
    with FieldNotes.open(db) as svc:
        assert [doc["title"] for doc in svc.store.all_notes()] == ["decoy"]


# ------------------------------------------------------------------ damage
def test_damaged_journal_entry_is_reported_and_recovery_keeps_every_intact_entry(open_db: Opener) -> None:
    lines = with_journal(open_db, ["one", "two", "three"])
    assert len(lines) == 3
    lines[1] = damage(lines[1], open_db.encrypted)  # mid-journal
    write_journal(open_db.path, lines)
    damaged = open_db.path.with_name(open_db.path.name + ".journal").read_bytes()
    with pytest.raises(JournalDamagedError) as info:
        open_db()
    message = str(info.value)
    assert "journal" in message and "recover" in message and "entry 2" in message
    report = recover(open_db.path, passphrase=open_db.passphrase)
    assert (report.entries_kept, report.entries_set_aside) == (1, 2)
    with open_db() as svc:
        assert sorted(n.title for n in svc.notes()) == ["folded", "one"]
        aside = [b for b in svc.backups() if b.reason == "damaged-journal"]
    assert len(aside) == 1 and aside[0].path.read_bytes() == damaged  # set aside, byte for byte


def test_flipped_byte_in_the_last_journal_line_is_damage_not_a_torn_write(open_db: Opener) -> None:
    lines = with_journal(open_db, ["acknowledged"])
    lines[-1] = damage(lines[-1], open_db.encrypted)
    write_journal(open_db.path, lines)
    before = digest_of_folder(open_db.path.parent)
    with pytest.raises(JournalDamagedError):
        open_db()
    result = CliRunner().invoke(
        cli, ["--db", str(open_db.path), "add", "--kind", "meeting", "--title", "next"], env=_env(open_db)
    )
    assert result.exit_code == 1 and ".journal" in result.stderr
    assert digest_of_folder(open_db.path.parent) == before  # the next write did not cut it off


def test_torn_last_line_without_newline_is_still_a_torn_write(open_db: Opener) -> None:
    with_journal(open_db, ["whole"])
    journal = open_db.path.with_name(open_db.path.name + ".journal")
    with open(journal, "ab") as handle:
        handle.write(b"dGhpcyBpcyB0b3Ju")  # an append cut short: no newline
    with open_db() as svc:
        assert sorted(n.title for n in svc.notes()) == ["folded", "whole"]


def _env(opener: Opener) -> dict[str, str]:
    return {"FIELDNOTES_PASSPHRASE": opener.passphrase or ""}


def _encrypted_with_journal(db: Path, titles: list[str]) -> list[bytes]:
    FieldNotes.open(db).close()
    encrypt_database(db, PASSPHRASE)
    for title in titles:
        with FieldNotes.open(db, passphrase=PASSPHRASE) as svc:
            svc.add(make_note(title=title))
    return journal_lines(db)


@pytest.mark.parametrize("tamper", ["drop", "reorder", "replay", "splice"])
def test_encrypted_journal_lines_are_bound_to_their_place(tmp_path: Path, tamper: str) -> None:
    db = tmp_path / "a" / "notes.json"
    lines = _encrypted_with_journal(db, ["one", "two", "three"])
    if tamper == "drop":
        changed = [lines[0], lines[2]]
    elif tamper == "reorder":
        changed = [lines[1], lines[0], lines[2]]
    elif tamper == "replay":
        changed = [*lines, lines[2]]
    else:  # a line from another database with the same passphrase
        other = _encrypted_with_journal(tmp_path / "b" / "notes.json", ["stranger"])
        changed = [*lines, other[0]]
    write_journal(db, changed)
    with pytest.raises(JournalDamagedError):
        FieldNotes.open(db, passphrase=PASSPHRASE)


def test_a_fold_killed_before_removing_the_journal_is_not_damage(tmp_path: Path) -> None:
    db = tmp_path / "notes.json"
    _encrypted_with_journal(db, ["one", "two"])
    journal = db.with_name(db.name + ".journal")
    raw = journal.read_bytes()
    FieldNotes.open(db, passphrase=PASSPHRASE).store.flush()  # a new generation
    journal.write_bytes(raw)  # as if the fold was killed between the rename and the unlink
    with FieldNotes.open(db, passphrase=PASSPHRASE) as svc:
        assert sorted(n.title for n in svc.notes()) == ["one", "two"]
        svc.add(make_note(title="three"))
    with FieldNotes.open(db, passphrase=PASSPHRASE) as svc:
        assert sorted(n.title for n in svc.notes()) == ["one", "three", "two"]


def test_damaged_main_file_recovers_from_a_backup_plus_the_journal(open_db: Opener) -> None:
    with open_db() as svc:
        svc.add(make_note(title="in the backup"))
        svc.store.flush()
        svc.backup("manual")
    with open_db() as svc:
        svc.add(make_note(title="only in the journal"))
    raw = open_db.path.read_bytes()
    open_db.path.write_bytes(raw[: len(raw) // 2])
    report = recover(open_db.path, passphrase=open_db.passphrase)
    assert report.entries_kept == 1 and "backup" in report.base
    with open_db() as svc:
        assert sorted(n.title for n in svc.notes()) == ["in the backup", "only in the journal"]
        damaged = [b for b in svc.backups() if b.reason == "damaged"]
    assert damaged and damaged[0].path.read_bytes() == raw[: len(raw) // 2]


# ------------------------------------------------------------- passphrases
def test_wrong_passphrase_never_writes_anything(tmp_path: Path) -> None:
    db = tmp_path / "study" / "notes.json"
    with FieldNotes.open(db) as svc:
        svc.add(make_note(title="before encryption"))
        svc.backup("manual")  # a plaintext backup from before `encrypt`
    encrypt_database(db, PASSPHRASE)
    before = digest_of_folder(db.parent)
    for attempt in (
        lambda: restore(db, "1", passphrase="correct horse battery stapel"),
        lambda: FieldNotes.open(db, passphrase="typo"),
        lambda: recover(db, passphrase="typo"),
    ):
        with pytest.raises(WrongPassphraseError):
            attempt()
        assert digest_of_folder(db.parent) == before
    result = CliRunner().invoke(cli, ["--db", str(db), "restore", "1"], env={"FIELDNOTES_PASSPHRASE": "typo"})
    assert result.exit_code == 2 and digest_of_folder(db.parent) == before


def test_a_process_that_had_it_open_notices_encryption_and_never_writes_plaintext(tmp_path: Path) -> None:
    db = tmp_path / "notes.json"
    secret = "Rosalind said the van comes on Tuesdays"
    with FieldNotes.open(db) as svc:
        svc.add(make_note(title="plain"))
    app_side = FieldNotes.open(db)  # like the app, left open
    app_side.note_views()
    encrypt_database(db, PASSPHRASE)
    with pytest.raises(PassphraseNeededError):
        app_side.add(make_note(title="typed after", body=secret))
    with pytest.raises(PassphraseNeededError):
        app_side.keep_draft("new-1", {"kind": "meeting", "fields": {"body": secret}})
    app_side.close()
    for path in db.parent.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path


def test_passphrase_change_reseals_every_file(tmp_path: Path) -> None:
    db = tmp_path / "notes.json"
    with FieldNotes.open(db) as svc:
        svc.add(make_note(title="kept", body="the words"))
        svc.backup("manual")
        svc.keep_draft("new-abc", {"kind": "meeting", "fields": {"title": "draft"}})
    encrypt_database(db, PASSPHRASE)
    with FieldNotes.open(db, passphrase=PASSPHRASE) as svc:
        svc.add(make_note(title="journal only"))
    runner = CliRunner()
    result = runner.invoke(
        cli,
        ["--db", str(db), "passphrase"],
        env={"FIELDNOTES_PASSPHRASE": PASSPHRASE, "FIELDNOTES_NEW_PASSPHRASE": "a new one"},
    )
    assert result.exit_code == 0, result.output
    sealed = [p for p in tmp_path.rglob("*") if p.is_file() and not p.name.endswith(".lock")]
    assert all(p.read_bytes().startswith(MAGIC) or p.name.endswith(".index") for p in sealed), sealed
    with pytest.raises(WrongPassphraseError):
        FieldNotes.open(db, passphrase=PASSPHRASE)
    with FieldNotes.open(db, passphrase="a new one") as svc:
        assert sorted(n.title for n in svc.notes()) == ["journal only", "kept"]
        assert [draft_id for draft_id, _ in svc.drafts()] == ["new-abc"]
        assert [b.reason for b in svc.backups()][-1] in ("manual", "daily")
    restore(db, str(len(Store(db, passphrase="a new one").list_backups())), passphrase="a new one")


# ------------------------------------------------------------ temp files
def test_encrypt_leaves_no_plaintext_temp_files_behind(tmp_path: Path) -> None:
    db = tmp_path / "notes.json"
    secret = b"the name of the informant"
    with FieldNotes.open(db) as svc:
        svc.add(make_note(title="x"))
        svc.backup("manual")
    stale = [
        tmp_path / ".notes.json.k2j4h5g6.tmp",  # a killed fold
        tmp_path / "backups" / ".notes-000009-x.json.abcdefgh.tmp",  # a killed backup
        tmp_path / ".export.qdpx.q1w2e3r4.tmp",  # a killed export written beside the database
    ]
    for path in stale:
        path.write_bytes(secret)
        os.utime(path, (0, 0))
    encrypt_database(db, PASSPHRASE)
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert secret not in path.read_bytes(), path
    assert not any(path.exists() for path in stale)


def test_stale_temp_files_are_removed_on_open(db_path: Path) -> None:
    FieldNotes.open(db_path).close()
    ours = db_path.with_name(f".{db_path.name}.a1b2c3d4.tmp")
    ours.write_bytes(b"half a fold")
    someone_elses_recent = db_path.with_name(".report.csv.a1b2c3d4.tmp")
    someone_elses_recent.write_bytes(b"being written right now")
    FieldNotes.open(db_path).close()
    assert not ours.exists()
    assert someone_elses_recent.exists()  # young and not ours: left alone


# ------------------------------------------------------------------ drafts
def test_drafts_are_kept_one_per_form_never_overwritten(open_db: Opener) -> None:
    with open_db() as svc:
        svc.keep_draft("new-1", {"kind": "meeting", "saved_at": "2016-01-17 09:00", "fields": {"title": "A"}})
        svc.keep_draft("new-2", {"kind": "event", "saved_at": "2016-01-17 09:05", "fields": {"title": "B"}})
        svc.keep_draft("note-abc", {"kind": "interview", "saved_at": "2016-01-17 09:10", "fields": {}})
        svc.discard_draft("new-2")
    with open_db() as svc:
        kept = svc.drafts()
    assert [draft_id for draft_id, _ in kept] == ["new-1", "note-abc"]
    assert kept[0][1]["fields"] == {"title": "A"}
    if open_db.encrypted:
        for path in open_db.path.with_name(open_db.path.name + ".drafts").iterdir():
            assert path.read_bytes().startswith(MAGIC)
    result = CliRunner().invoke(cli, ["--db", str(open_db.path), "drafts", "--json"], env=_env(open_db))
    assert result.exit_code == 0 and [row["id"] for row in orjson.loads(result.stdout)] == [
        "new-1",
        "note-abc",
    ]


def test_a_draft_id_can_never_become_a_path(db_path: Path) -> None:
    with FieldNotes.open(db_path) as svc:
        for bad in ("../escape", "a/b", "", "UPPER", ".hidden", "x" * 200):
            with pytest.raises(ValueError):
                svc.keep_draft(bad, {})


# --------------------------------------------------------- add at any size
def test_add_never_reads_the_notes(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with FieldNotes.open(db_path) as svc:
        svc.upsert_many([make_note(title=f"n{i}") for i in range(50)])
        svc.store.flush()

    def no_full_load(*args: object, **kwargs: object) -> None:
        raise AssertionError("the main file was parsed")

    monkeypatch.setattr("fieldnotes.storage.durable.DurableStorage._load_full", no_full_load)
    result = CliRunner().invoke(
        cli, ["--db", str(db_path), "add", "--kind", "event", "--title", "quick", "--org", "New Org"]
    )
    assert result.exit_code == 0, result.output
    monkeypatch.undo()
    with FieldNotes.open(db_path) as svc:
        assert svc.count() == 51
        assert [o.name for o in svc.registries.organizations()] == ["New Org"]


def test_a_stale_or_damaged_sidecar_is_rebuilt_and_never_loses_a_note(open_db: Opener) -> None:
    with open_db() as svc:
        svc.upsert_many([make_note(title=f"n{i}") for i in range(5)])
        svc.store.flush()
    index = open_db.path.with_name(open_db.path.name + ".index")
    for damage in (b"", b"FIELDNOTES-INDEX 1 2 3\n{}", index.read_bytes()[:-20], base64.b64encode(b"x")):
        index.write_bytes(damage)
        with open_db() as svc:
            svc.add(make_note(title="another"))
        with open_db() as svc:
            assert svc.count() == 6
            svc.delete(next(n.id for n in svc.notes() if n.title == "another"))


def test_an_export_folds_the_journal_first(open_db: Opener, tmp_path: Path) -> None:
    with open_db() as svc:
        svc.add(make_note(title="folded"))
        svc.store.flush()
    with open_db() as svc:
        svc.add(make_note(title="only in the journal"))
    assert open_db.main_titles() == ["folded"]
    with open_db() as svc:
        svc.export_qdpx(tmp_path / "out.qdpx")
        assert open_db.main_titles() == ["folded", "only in the journal"]


# ------------------------------------------------- a file replaced underneath
def test_a_database_file_replaced_under_its_journal_never_loses_or_overwrites_a_note(
    open_db: Opener, tmp_path: Path
) -> None:
    """A git pull, a sync tool or a copy replaces the main file while this device's journal
    still holds changes: they are applied by note id, not by document number."""
    with open_db() as svc:
        shared = [svc.add(make_note(title=f"shared {i}")) for i in range(3)]
        svc.store.flush()
    other = tmp_path / "other" / "notes.json"  # the other device: same notes, one more
    other.parent.mkdir()
    for suffix in ("", ".index"):
        source = open_db.path.with_name(open_db.path.name + suffix)
        if source.exists():
            (other.parent / f"notes.json{suffix}").write_bytes(source.read_bytes())
    with FieldNotes.open(other, passphrase=open_db.passphrase) as svc:
        theirs = svc.add(make_note(title="theirs"))  # takes the next document number
        svc.store.flush()
    app = open_db()  # this device, meanwhile, with the app open: an add and a delete, in the journal
    mine = app.add(make_note(title="mine"))  # the same document number as theirs
    app.delete(shared[0].id)
    open_db.path.write_bytes(other.read_bytes())  # the pull replaces the file underneath
    assert sorted(n.title for n in app.notes()) == ["mine", "shared 1", "shared 2", "theirs"]
    app.close()
    with open_db() as svc:  # and as any later process finds it
        assert {n.id for n in svc.notes()} == {mine.id, theirs.id, shared[1].id, shared[2].id}
        assert len([b for b in svc.backups() if b.reason == "journal-rebased"]) == 1
    assert not open_db.path.with_name(open_db.path.name + ".journal").exists()  # folded in


def test_reading_the_notes_for_the_first_time_inside_a_change_keeps_the_change(open_db: Opener) -> None:
    with open_db() as svc:
        svc.add(make_note(title="folded"))
        svc.store.flush()
    svc = open_db()  # a light load: the notes are not read yet
    with svc.store.transaction():
        svc.store.put_records("codes", [{"guid": "g1", "name": "new code"}])
        svc.store.put_note(make_note(title="in the same change").to_dict())
        assert len(svc.store.all_notes()) == 2  # the first read of the notes, mid-change
        assert [doc["name"] for doc in svc.store.records("codes")] == ["new code"]
    svc.close()  # a process that read every note folds on close: nothing of the change is lost
    with open_db() as again:
        assert sorted(n.title for n in again.notes()) == ["folded", "in the same change"]
        assert [c.name for c in again.registries.codes()] == ["new code"]


def test_an_import_sized_change_is_written_as_the_main_file_not_a_journal_line(
    open_db: Opener, tmp_path: Path
) -> None:
    """A batch of a thousand notes or more (with every note loaded) replaces the main file at
    once, atomically, instead of a journal line the size of the database plus a fold later."""
    source = tmp_path / "notes.jsonl"
    notes = [make_note(title=f"imported {n}", start=f"2015-07-{1 + n % 28:02d}T10:00") for n in range(1000)]
    source.write_bytes(b"".join(orjson.dumps(note.to_dict()) + b"\n" for note in notes))
    with open_db() as service:
        service.add(make_note(title="typed before"))
        service.count()  # every note loaded, as the import itself does
        service.import_notes(source)
        journal = open_db.path.with_name(open_db.path.name + ".journal")
        assert not journal.exists() and service.store.journal_bytes == 0
        titles = open_db.main_titles()  # the main file alone, read as an outsider would
        assert len(titles) == 1001 and "typed before" in titles
        service.add(make_note(title="typed after"))  # small changes go to the journal again
        assert journal.exists()
    with open_db() as again:
        assert again.count() == 1002
