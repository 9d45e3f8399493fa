"""The service's exports fold the journal into the main file beside their writing
(`storage/folding.py`): every export's files wait for the fold before they are put in
place, so they are never there while the main file lacks a note they carry, and a fold
that fails leaves no export behind."""

from __future__ import annotations

import threading
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
