"""Folder exports are built beside their target and put in place in one step: a killed
export leaves nothing half-written in the output folder, and --force never leaves it
half-replaced."""

from __future__ import annotations

import hashlib
import signal
import subprocess
import time
import zipfile
from pathlib import Path

import pytest

from fieldnotes.export.job import Protections
from fieldnotes.service import FieldNotes
from tests.conftest import fieldnotes_cmd, make_note


def content_hash(path: Path) -> str:
    """A file's bytes; for a workbook, its sheets (not the time stamp it was written at)."""
    if path.suffix != ".xlsx":
        return hashlib.sha256(path.read_bytes()).hexdigest()
    with zipfile.ZipFile(path) as book:
        parts = [book.read(name) for name in sorted(book.namelist()) if name != "docProps/core.xml"]
    return hashlib.sha256(b"\0".join(parts)).hexdigest()


def snapshot(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): content_hash(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def study(tmp_path: Path) -> Path:
    db = tmp_path / "notes.json"
    with FieldNotes.open(db) as svc:
        svc.upsert_many([make_note(title=f"note {i}", body="words " * 400) for i in range(400)])
    return db


@pytest.mark.parametrize("command", [["nvivo"], ["nvivo", "--format", "xlsx"], ["documents"]])
def test_a_killed_export_leaves_the_output_folder_as_it_was(
    study: Path, tmp_path: Path, command: list[str]
) -> None:
    out = tmp_path / "exports" / "out"
    first = subprocess.run(
        fieldnotes_cmd(study, "export", *command, str(out)), capture_output=True, text=True
    )
    assert first.returncode == 0, first.stderr
    (out / "my own notes.txt").write_text("the researcher's file, not ours")
    before = snapshot(out)
    for delay in (0.05, 0.15, 0.3, 0.5, 0.8):
        proc = subprocess.Popen(
            fieldnotes_cmd(study, "export", *command, str(out), "--force"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        after = snapshot(out)
        assert not [name for name in after if name.endswith(".tmp")]  # no temp file in the folder
        # Never half-replaced: the old folder exactly, or (if the kill came late) a whole new
        # one, which holds the same content: the same notes, exported again.
        assert after == before, f"half-replaced after {delay} s"
    done = subprocess.run(fieldnotes_cmd(study, "export", *command, str(out), "--force"), capture_output=True)
    assert done.returncode == 0
    assert (out / "my own notes.txt").read_text() == "the researcher's file, not ours"  # carried over
    leftovers = [p.name for p in out.parent.iterdir() if p.name.startswith(".out.")]
    assert all(".staging-" in name or ".replaced-" in name for name in leftovers)


def test_replacing_an_export_never_changes_the_files_of_the_old_one_in_place(
    study: Path, tmp_path: Path
) -> None:
    out = tmp_path / "docs"
    with FieldNotes.open(study) as svc:
        svc.export_documents(out)
        old = next((out / "documents").iterdir())
        kept = tmp_path / "kept-link"
        kept.hardlink_to(old)  # another name for the old file's bytes
        original = kept.read_bytes()
        note = svc.notes()[0]
        note.body = "changed after the first export"
        svc.update(note)
        svc.export_documents(out, force=True, protections=Protections())
    assert kept.read_bytes() == original  # the old file was replaced, not rewritten in place
