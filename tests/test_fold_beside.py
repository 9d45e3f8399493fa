"""The service's exports fold the journal into the main file beside their writing
(`storage/folding.py`): every export's files wait for the fold before they are put in
place, so they are never there while the main file lacks a note they carry, and a fold
that fails leaves no export behind."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from tinydb import TinyDB

from fieldnotes.errors import StorageError
from fieldnotes.service import FieldNotes
from fieldnotes.storage import Store
from fieldnotes.storage.folding import FoldBeside
from tests.conftest import make_note

# Each export of the service, writing to `out` (a file or a folder), and what it puts there.
EXPORTS: dict[str, tuple[Callable[[FieldNotes, Path], Any], str]] = {
    "nvivo": (lambda svc, out: svc.export_nvivo(out), "notes.csv"),
    "xlsx": (lambda svc, out: svc.export_nvivo(out, format="xlsx"), "notes.xlsx"),
    "qdpx": (lambda svc, out: svc.export_qdpx(out), ""),
    "qdc": (lambda svc, out: svc.export_qdc(out), ""),
    "documents": (lambda svc, out: svc.export_documents(out), "documents"),
    "graphml": (lambda svc, out: svc.export_graphml(out), ""),
}


def a_study(db: Path) -> str:
    """Notes folded into the main file, then one more saved (in the journal only): its id."""
    with FieldNotes.open(db) as svc:
        svc.add(make_note(title="folded", codes=["legitimacy"], organizations=["Harbor Rights Collective"]))
        svc.store.flush()
    with FieldNotes.open(db) as svc:  # a fresh process: the sidecar lists the main file
        note = svc.add(
            make_note(
                title="only in the journal",
                codes=["trust"],
                organizations=["Harbor Rights Collective", "Lantern Legal Aid"],
                ties=["Harbor Rights Collective|Lantern Legal Aid|joint advocacy|3"],
            )
        )
        assert svc.store.journal_bytes > 0
        return note.id


def main_file_ids(db: Path) -> set[str]:
    with TinyDB(db) as tiny:
        return {doc["id"] for doc in tiny.table("notes").all()}


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_an_export_is_put_in_place_only_once_the_main_file_holds_its_notes(name: str, tmp_path: Path) -> None:
    db = tmp_path / "notes.json"
    new_id = a_study(db)
    export, inside = EXPORTS[name]
    out = tmp_path / f"out-{name}"
    writer_waits = threading.Event()
    seen: list[tuple[bool, set[str]]] = []
    real_flush, real_wait = Store.flush, FoldBeside.wait

    def slow_fold(store: Store) -> None:
        # The fold ends only once the export's files wait for it (or after 20 s, when a writer
        # never waits: then they are in place already, and the test fails).
        writer_waits.wait(timeout=20)
        seen.append((out.exists(), main_file_ids(db)))
        real_flush(store)

    def wait(fold: FoldBeside) -> None:
        writer_waits.set()
        real_wait(fold)

    with (
        mock.patch.object(Store, "flush", slow_fold),
        mock.patch.object(FoldBeside, "wait", wait),
        FieldNotes.open(db) as svc,
    ):
        report = export(svc, out)
        assert report.files
    assert seen, "the export folded beside its writing"
    out_there, ids_then = seen[0]
    assert not out_there, "the export was in place before the main file held its notes"
    assert new_id not in ids_then
    assert new_id in main_file_ids(db)  # the main file alone: plain TinyDB
    assert (out / inside).exists() if inside else out.is_file()


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_a_fold_that_fails_leaves_no_export_and_loses_no_note(name: str, tmp_path: Path) -> None:
    db = tmp_path / "notes.json"
    new_id = a_study(db)
    export, _ = EXPORTS[name]
    out = tmp_path / "exports" / f"out-{name}"
    out.parent.mkdir()

    def full_disk(store: Store) -> None:
        raise StorageError("No space left on device")

    with mock.patch.object(Store, "flush", full_disk), FieldNotes.open(db) as svc:
        before = len(svc.exports())
        with pytest.raises(StorageError, match="No space left"):
            export(svc, out)
        assert len(svc.exports()) == before  # nothing recorded: nothing left the laptop
    assert list(out.parent.iterdir()) == []  # no export, no temp file, no staging folder
    with FieldNotes.open(db) as svc:
        assert svc.get(new_id).title == "only in the journal"


def test_a_writer_that_fails_is_the_error_told_and_the_fold_still_ends(tmp_path: Path) -> None:
    db = tmp_path / "notes.json"
    new_id = a_study(db)
    (tmp_path / "taken.qdpx").write_text("someone else's file")
    with FieldNotes.open(db) as svc:
        with pytest.raises(Exception, match="exists"):
            svc.export_qdpx(tmp_path / "taken.qdpx")
        assert svc.store.journal_bytes == 0  # the fold ended before the error went on
    assert new_id in main_file_ids(db)
    assert (tmp_path / "taken.qdpx").read_text() == "someone else's file"


def test_a_fold_beside_hands_its_error_to_each_wait() -> None:
    def failing() -> None:
        raise StorageError("the disk is full")

    fold = FoldBeside(failing)
    for _ in range(2):
        with pytest.raises(StorageError, match="disk is full"):
            fold.wait()
    assert fold.done
    calls: list[int] = []
    done = FoldBeside(lambda: calls.append(1))
    done.wait()
    assert calls == [1] and done.done


def test_when_the_writer_and_the_fold_both_fail_both_are_told(tmp_path: Path) -> None:
    db = tmp_path / "notes.json"
    new_id = a_study(db)
    (tmp_path / "taken.qdpx").write_text("someone else's file")

    def full_disk(store: Store) -> None:
        raise StorageError("No space left on device")

    with (
        mock.patch.object(Store, "flush", full_disk),
        FieldNotes.open(db) as svc,
        pytest.raises(Exception, match="exists") as raised,
    ):
        svc.export_qdpx(tmp_path / "taken.qdpx")
    told = "\n".join(getattr(raised.value, "__notes__", []))
    assert "could not be folded" in told and "No space left on device" in told
    assert "safe in the journal" in told
    with FieldNotes.open(db) as svc:
        assert svc.get(new_id).title == "only in the journal"


def test_the_command_line_shows_what_else_went_wrong(tmp_path: Path) -> None:
    """An error's notes (the fold's, beside a writer's) reach the command's message."""
    from click.testing import CliRunner

    from fieldnotes.cli.main import cli

    db = tmp_path / "notes.json"
    a_study(db)
    (tmp_path / "taken.qdpx").write_text("someone else's file")

    def full_disk(store: Store) -> None:
        raise StorageError("No space left on device")

    with mock.patch.object(Store, "flush", full_disk):
        result = CliRunner().invoke(cli, ["--db", str(db), "export", "qdpx", str(tmp_path / "taken.qdpx")])
    assert result.exit_code != 0
    assert "exists" in result.output and "No space left on device" in result.output


def test_the_collector_is_off_while_any_thread_bulk_loads_and_back_after_the_last() -> None:
    import gc

    from fieldnotes.storage.durable import bulk_load

    assert gc.isenabled()
    for order in ((0, 1), (1, 0)):  # which of the two overlapping blocks ends first
        blocks = [bulk_load(), bulk_load()]
        for block in blocks:
            block.__enter__()
        blocks[order[0]].__exit__(None, None, None)
        assert not gc.isenabled()  # the other one is still building
        blocks[order[1]].__exit__(None, None, None)
        assert gc.isenabled()
    gc.disable()
    try:
        with bulk_load():
            pass
        assert not gc.isenabled()  # left as it was found
    finally:
        gc.enable()


def test_a_ctrl_c_while_writing_waits_for_the_fold_and_leaves_nothing(tmp_path: Path) -> None:
    db = tmp_path / "notes.json"
    new_id = a_study(db)
    out = tmp_path / "exports" / "interrupted.qdpx"
    out.parent.mkdir()
    real_flush = Store.flush
    folded_at: list[float] = []

    def slow_fold(store: Store) -> None:
        time.sleep(0.5)
        real_flush(store)
        folded_at.append(time.monotonic())

    def interrupted(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with mock.patch.object(Store, "flush", slow_fold), FieldNotes.open(db) as svc:
        with pytest.raises(KeyboardInterrupt):
            svc.export_qdpx(out, progress=interrupted)
        returned_at = time.monotonic()
        assert folded_at and folded_at[0] <= returned_at  # the store is the caller's again
        assert svc.store.journal_bytes == 0
        assert svc.exports() == []
    assert list(out.parent.iterdir()) == []
    assert new_id in main_file_ids(db)


def test_an_encrypted_database_folds_beside_its_exports(tmp_path: Path) -> None:
    from fieldnotes.service import encrypt_database

    db = tmp_path / "notes.json"
    a_study(db)
    encrypt_database(db, "a long enough passphrase")
    with FieldNotes.open(db, passphrase="a long enough passphrase") as svc:
        svc.add(make_note(title="sealed, in the journal"))
    alone = tmp_path / "main-file-alone"
    for name, export in (
        ("qdpx", lambda svc: svc.export_qdpx(tmp_path / "a.qdpx")),
        ("nvivo", lambda svc: svc.export_nvivo(tmp_path / "nvivo")),
    ):
        with FieldNotes.open(db, passphrase="a long enough passphrase") as svc:
            assert svc.store.journal_bytes > 0
            export(svc)
            # The main file, copied without its journal, holds every note exported.
            alone.mkdir()
            shutil.copy(db, alone / db.name)
            exported = sorted(note.title for note in svc.note_views())
        with FieldNotes.open(alone / db.name, passphrase="a long enough passphrase") as copy:
            assert sorted(note.title for note in copy.note_views()) == exported, name
        shutil.rmtree(alone)
        with FieldNotes.open(db, passphrase="a long enough passphrase") as svc:
            svc.add(make_note(title=f"after {name}"))
