"""The storage never loses a note and never leaves a broken file."""

from __future__ import annotations

import json
import multiprocessing
import os
import stat
from pathlib import Path

import pytest

from fieldnotes import files as storage_files
from fieldnotes.errors import DamagedError, StorageError
from fieldnotes.service import FieldNotes
from fieldnotes.storage import Store, restore_backup
from tests.conftest import Opener, make_note


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_saved_notes_survive_reopen_and_plain_tinydb_reads_them(open_db: Opener) -> None:
    with open_db() as svc:
        for i in range(5):
            svc.add(make_note(title=f"note {i}"))
    with open_db() as svc:
        assert svc.count() == 5  # read every note: the journal is folded on close
    assert open_db.main_titles() == [f"note {i}" for i in range(5)]


def test_a_save_is_an_append_not_a_rewrite(open_db: Opener) -> None:
    svc = open_db()
    svc.add(make_note(title="first"))
    svc.store.flush()
    main_inode = open_db.path.stat().st_ino
    svc.add(make_note(title="second"))
    journal = open_db.path.with_name(open_db.path.name + ".journal")
    assert journal.exists()
    assert open_db.path.stat().st_ino == main_inode  # the main file was not rewritten
    # The main file is valid TinyDB at every moment, even before the fold.
    assert open_db.main_titles() == ["first"]
    assert svc.count() == 2  # a process that read the notes folds the journal when it closes
    svc.close()
    assert not journal.exists()
    assert open_db.main_titles() == ["first", "second"]


def test_journal_replayed_after_a_crash(open_db: Opener) -> None:
    svc = open_db()
    note = svc.add(make_note(title="kept"))
    # No close(): the process "dies" with the change only in the journal.
    with open_db() as again:
        assert again.get(note.id).title == "kept"
    assert open_db.main_titles() == ["kept"]


def test_replaying_a_journal_twice_is_harmless(open_db: Opener) -> None:
    svc = open_db()
    a = svc.add(make_note(title="a"))
    b = svc.add(make_note(title="b"))
    svc.delete(a.id)
    journal = open_db.path.with_name(open_db.path.name + ".journal")
    saved_journal = journal.read_bytes()
    svc.close()  # folds and removes the journal
    # A crash between the fold and the journal's removal leaves both behind.
    journal.write_bytes(saved_journal)
    with open_db() as again:
        assert [n.id for n in again.notes()] == [b.id]


def test_torn_last_journal_line_is_ignored_and_cut(open_db: Opener) -> None:
    svc = open_db()
    svc.add(make_note(title="whole"))
    journal = open_db.path.with_name(open_db.path.name + ".journal")
    with open(journal, "ab") as handle:
        handle.write(b'{"set": {"notes": {"99": {"title": "torn')  # crash mid-append
    other = open_db()
    assert [n.title for n in other.notes()] == ["whole"]
    other.add(make_note(title="after"))
    other.close()
    svc.store._engine.invalidate()
    with open_db() as again:
        assert sorted(n.title for n in again.notes()) == ["after", "whole"]


def test_damage_in_the_middle_of_the_journal_is_reported(open_db: Opener) -> None:
    svc = open_db()
    svc.add(make_note(title="one"))
    journal = open_db.path.with_name(open_db.path.name + ".journal")
    journal.write_bytes(b"garbage\n" + journal.read_bytes())
    with pytest.raises(DamagedError) as info:
        open_db.store()
    assert "journal" in str(info.value)


@pytest.mark.parametrize("damage", ["garbage", "truncate", "empty", "not-tables"])
def test_corrupt_file_stops_cleanly_and_is_untouched(open_db: Opener, damage: str) -> None:
    with open_db() as svc:
        for i in range(3):
            svc.add(make_note(title=f"n{i}", body="x" * 500))
    good_backup = open_db.store().backup("manual")
    raw = open_db.path.read_bytes()
    broken = {
        "garbage": b"\x00\xffnot json at all",
        "truncate": raw[: len(raw) // 2],
        "empty": b"",
        "not-tables": b'{"notes": [1, 2, 3]}',
    }[damage]
    open_db.path.write_bytes(broken)
    with pytest.raises(DamagedError) as info:
        open_db()
    message = str(info.value)
    assert str(open_db.path) in message
    assert good_backup.name in message
    assert open_db.path.read_bytes() == broken


def test_restore_over_a_damaged_file_keeps_the_damaged_bytes(open_db: Opener) -> None:
    with open_db() as svc:
        svc.add(make_note(title="precious"))
    backup = open_db.store().backup("manual")
    open_db.path.write_bytes(b"{broken")
    restore_backup(open_db.path, backup.name, passphrase=open_db.passphrase)
    with open_db() as svc:
        assert [n.title for n in svc.notes()] == ["precious"]
        kept = [b for b in svc.backups() if b.reason == "before-restore-damaged"]
    assert len(kept) == 1 and kept[0].path.read_bytes() == b"{broken"


def test_restore_keeps_what_it_replaces(open_db: Opener) -> None:
    with open_db() as svc:
        svc.add(make_note(title="old"))
        backup = svc.backup()
        svc.add(make_note(title="new"))
        # Left unfolded on purpose: the restore must not replay this journal.
    restore_backup(open_db.path, backup.name, passphrase=open_db.passphrase)
    with open_db() as svc:
        assert [n.title for n in svc.notes()] == ["old"]
        before = [b for b in svc.backups() if b.reason == "before-restore"]
        assert before
        data = open_db.main_tables(before[0].path)
        assert sorted(d["title"] for d in data["notes"].values()) == ["new", "old"]


def _crash_at(monkeypatch: pytest.MonkeyPatch, step: str) -> None:
    class Crash(BaseException):
        pass

    real = {"write_all": storage_files.write_all, "fsync": os.fsync, "replace": os.replace}

    def boom(*args: object, **kwargs: object) -> None:
        raise Crash(step)

    if step == "write_all":

        def half_write(fd: int, data: bytes) -> None:
            real["write_all"](fd, data[: len(data) // 2])
            raise Crash(step)

        monkeypatch.setattr(storage_files, "write_all", half_write)
        monkeypatch.setattr("fieldnotes.storage.durable.write_all", half_write)
    elif step == "fsync":
        monkeypatch.setattr(os, "fsync", boom)
    elif step == "replace":
        monkeypatch.setattr(os, "replace", boom)
    elif step == "fsync_dir":
        monkeypatch.setattr(storage_files, "fsync_dir", boom)


@pytest.mark.parametrize("step", ["write_all", "fsync", "replace", "fsync_dir"])
def test_fold_interrupted_at_each_step_leaves_old_or_new_file(
    open_db: Opener, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    with open_db() as svc:
        svc.add(make_note(title="old"))
        svc.store.flush()
    svc = open_db()
    svc.add(make_note(title="new"))  # in the journal
    _crash_at(monkeypatch, step)
    with pytest.raises(BaseException):  # noqa: B017 - the simulated crash
        svc.store.flush()
    monkeypatch.undo()
    titles = open_db.main_titles()
    assert titles in (["old"], ["new", "old"])
    leftovers = [p for p in open_db.path.parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []
    with open_db() as again:
        assert sorted(n.title for n in again.notes()) == ["new", "old"]


@pytest.mark.parametrize("step", ["write_all", "fsync"])
def test_append_interrupted_keeps_every_acknowledged_note(
    open_db: Opener, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    svc = open_db()
    svc.add(make_note(title="acknowledged"))
    _crash_at(monkeypatch, step)
    with pytest.raises(BaseException):  # noqa: B017
        svc.add(make_note(title="in flight"))
    monkeypatch.undo()
    with open_db() as again:
        titles = sorted(n.title for n in again.notes())
    assert "acknowledged" in titles
    assert titles in (["acknowledged"], ["acknowledged", "in flight"])


def test_many_notes_in_one_transaction_are_all_or_nothing(
    open_db: Opener, monkeypatch: pytest.MonkeyPatch
) -> None:
    svc = open_db()
    notes = [make_note(title=f"n{i}", organizations=[f"Org {i}"]) for i in range(5)]
    _crash_at(monkeypatch, "write_all")
    with pytest.raises(BaseException):  # noqa: B017
        svc.upsert_many(notes)
    monkeypatch.undo()
    with open_db() as again:
        assert again.count() == 0 and again.registries.organizations() == []
    assert svc.count() == 0 and svc.registries.organizations() == []
    svc.upsert_many(notes)
    journal = open_db.path.with_name(open_db.path.name + ".journal")
    entries = [line for line in journal.read_bytes().splitlines() if b"fieldnotes-journal" not in line]
    assert len(entries) == 1  # one atomic entry for all of it (after the journal's header line)
    with open_db() as again:  # replayed from the journal
        assert again.count() == 5 and len(again.registries.organizations()) == 5


def test_failed_write_does_not_leave_phantom_notes_in_memory(
    open_db: Opener, monkeypatch: pytest.MonkeyPatch
) -> None:
    svc = open_db()
    svc.add(make_note(title="kept"))

    def disk_full(fd: int, data: bytes) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(storage_files, "write_all", disk_full)
    monkeypatch.setattr("fieldnotes.storage.durable.write_all", disk_full)
    with pytest.raises(StorageError, match="No space left"):
        svc.add(make_note(title="lost"))
    monkeypatch.undo()
    assert [d["title"] for d in svc.store.all_notes()] == ["kept"]


def _writer(path: str, passphrase: str | None, prefix: str, count: int) -> None:
    with FieldNotes.open(path, passphrase=passphrase) as svc:
        for i in range(count):
            svc.add(make_note(title=f"{prefix}-{i}"))


def test_two_processes_writing_at_once_lose_nothing(open_db: Opener) -> None:
    open_db().close()
    ctx = multiprocessing.get_context("spawn")
    args = (str(open_db.path), open_db.passphrase)
    procs = [ctx.Process(target=_writer, args=(*args, name, 200)) for name in ("a", "b")]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(120)
        assert proc.exitcode == 0
    open_db().store.flush()  # the writers only added: the journal still holds some of it
    titles = open_db.main_titles()
    assert len(titles) == 400
    assert len(set(titles)) == 400


def test_an_open_app_sees_and_keeps_another_process_writes(open_db: Opener) -> None:
    tui = open_db()  # stays open, like the TUI
    tui.add(make_note(title="from tui 1"))
    cli = open_db()
    cli.add(make_note(title="from cli"))
    cli.close()  # folds, replacing the main file underneath the TUI
    tui.add(make_note(title="from tui 2"))
    assert sorted(n.title for n in tui.notes()) == ["from cli", "from tui 1", "from tui 2"]
    tui.close()
    assert open_db.main_titles() == ["from cli", "from tui 1", "from tui 2"]


def test_files_and_folders_are_owner_only(open_db: Opener) -> None:
    with open_db() as svc:
        note = svc.add(make_note())
        svc.add(make_note(title="second"))
        journal = open_db.path.with_name(open_db.path.name + ".journal")
        assert mode(journal) == 0o600
        svc.delete(note.id)
    with open_db() as svc:
        backups = svc.backups()
    assert mode(open_db.path.parent) == 0o700
    assert mode(open_db.path) == 0o600
    assert backups
    assert mode(backups[0].path.parent) == 0o700
    assert all(mode(b.path) == 0o600 for b in backups)


def test_backups_are_independent_copies_daily_and_before_delete(open_db: Opener) -> None:
    with open_db() as svc:
        note = svc.add(make_note())
    with open_db() as svc:
        reasons = [b.reason for b in svc.backups()]
        assert reasons == ["daily"]  # one per day of use, not one per open
        svc.delete(note.id)
        infos = svc.backups()
    assert [b.reason for b in infos] == ["before-delete", "daily"]
    for info in infos:
        st = info.path.stat()
        assert st.st_nlink == 1
        assert st.st_ino != open_db.path.stat().st_ino
    deleted_copy = open_db.main_tables(infos[0].path)
    assert [d["id"] for d in deleted_copy["notes"].values()] == [note.id]


def test_backups_keep_the_last_n(open_db: Opener) -> None:
    store = open_db.store(keep_backups=3)
    for i in range(6):
        store.backup(f"manual {i}")
    assert [b.reason for b in store.list_backups()] == ["manual-5", "manual-4", "manual-3"]
    store.close()


def test_a_folder_in_place_of_the_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "db.json").mkdir()
    with pytest.raises(StorageError, match="is a folder"):
        Store(tmp_path / "db.json")


def test_registry_writes_through_tinydb_are_journaled_as_diffs(tmp_path: Path) -> None:
    store = Store(tmp_path / "raw.json")
    store.put_records("codes", [{"guid": "a", "name": "one"}, {"guid": "b", "name": "two"}])
    store.put_records("codes", [{"guid": "a", "name": "ten"}])
    store.delete_records("codes", ["b"])
    lines = (tmp_path / "raw.json.journal").read_bytes().splitlines()[1:]  # after the header
    entries = [json.loads(line) for line in lines]
    assert entries[1] == {"set": {"codes": {"1": {"guid": "a", "name": "ten"}}}}
    assert entries[2] == {"del": {"codes": ["2"]}, "gone": {"codes": ["b"]}}  # and the guid it had
    store.close()
    assert json.loads((tmp_path / "raw.json").read_bytes()) == {"codes": {"1": {"guid": "a", "name": "ten"}}}
