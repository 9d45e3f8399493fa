from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from fieldnotes.model import Note
from fieldnotes.service import FieldNotes

ODD_TEXTS = [
    'She said "no", then left, twice.',
    "line one\nline two\r\nline three\n\n",
    '=HYPERLINK("http://x")',
    "+1 -2 @mention",
    "emoji 🎉🧑🏽‍⚖️ and RTL: שלום עולם مرحبا",
    "tab\tseparated; semi;colon, comma",
    "",
    " leading and trailing spaces ",
]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "notes.json"


@pytest.fixture
def service(db_path: Path) -> Iterator[FieldNotes]:
    svc = FieldNotes.open(db_path)
    yield svc
    svc.close()


def make_note(**fields: object) -> Note:
    values: dict[str, object] = {"kind": "meeting", "title": "Coalition monthly", "start": "2016-01-17T08:30"}
    values.update(fields)
    return Note(**values)  # type: ignore[arg-type]


def add_then_kill(cmd: list[str], env: dict[str, str], delay: float) -> str:
    """Start a `fieldnotes add`, SIGKILL it after `delay` seconds; the id it printed, if any."""
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, env=env
    )
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    out, _ = proc.communicate()
    return out.decode().strip()
