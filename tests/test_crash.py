"""Crash proof: `fieldnotes add` killed with SIGKILL at random moments, and two writers at once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tinydb import TinyDB

from benchmarks.datagen import make_notes
from fieldnotes.service import FieldNotes
from tests.conftest import fieldnotes_cmd, kill_adds

KILLS = 50


def ids_in_plain_tinydb(db: Path) -> set[str]:
    tiny = TinyDB(db)  # raises if the file is not valid JSON
    try:
        return {doc["id"] for doc in tiny.table("notes").all()}
    finally:
        tiny.close()


def test_add_killed_at_random_moments_never_breaks_or_loses(tmp_path: Path) -> None:
    db = tmp_path / "notes.json"
    with FieldNotes.open(db) as svc:  # a few hundred notes, so a save takes a little while
        svc.upsert_many(make_notes(300))

    def check(acknowledged: set[str]) -> None:
        stored = ids_in_plain_tinydb(db)  # the main file is always a valid TinyDB file
        with FieldNotes.open(db) as svc:  # and with the journal replayed, nothing is missing
            everything = {note.id for note in svc.note_views()}
        assert acknowledged <= everything and stored <= everything
        # The main file may lag the journal (an `add` never rewrites it), but a process that
        # read every note folds the journal when it closes: then the main file alone has them all.
        assert acknowledged <= ids_in_plain_tinydb(db)

    acknowledged = kill_adds(
        db, attempts=KILLS, seed=20151117, env=dict(os.environ), body="x" * 2000, max_delay=0.6, check=check
    )
    assert 0 < len(acknowledged) < KILLS  # some kills landed before the end, some after


def test_two_cli_writers_at_once_lose_nothing(tmp_path: Path) -> None:
    db = tmp_path / "notes.json"
    FieldNotes.open(db).close()
    script = (
        "import subprocess, sys\n"
        "for i in range(12):\n"
        "    subprocess.run(sys.argv[2:] + [f'{sys.argv[1]}-{i}'], check=True, stdout=subprocess.DEVNULL)\n"
    )
    base = fieldnotes_cmd(db, "add", "--kind", "event", "--title")
    writers = [subprocess.Popen([sys.executable, "-c", script, name, *base]) for name in ("a", "b")]
    for writer in writers:
        assert writer.wait(240) == 0
    with FieldNotes.open(db) as svc:
        titles = sorted(note.title for note in svc.notes())
    assert titles == sorted(f"{name}-{i}" for name in ("a", "b") for i in range(12))
