from __future__ import annotations

import gc
import io
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest
from rich.console import Console
from textual.widgets import Static
from tinydb import TinyDB

from fieldnotes.model import Note
from fieldnotes.service import FieldNotes, encrypt_database
from fieldnotes.storage import Store
from fieldnotes.storage.crypto import Cipher, is_encrypted

PASSPHRASE = "correct horse battery staple"

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


@pytest.fixture(autouse=True)
def unfrozen_after() -> Iterator[None]:
    """fieldnotes freezes the objects alive after a bulk load or an index build (a process
    runs one session, so nothing is lost); a test process runs hundreds, whose apps'
    cyclic garbage would otherwise stay frozen, and grow the heap, to the end."""
    yield
    gc.unfreeze()


@pytest.fixture(autouse=True)
def own_preferences(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test has its own preferences file: never the developer's, never another test's."""
    path = tmp_path / "preferences" / "config.toml"
    monkeypatch.setenv("FIELDNOTES_CONFIG", str(path))
    return path


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "notes.json"


@pytest.fixture
def service(db_path: Path) -> Iterator[FieldNotes]:
    svc = FieldNotes.open(db_path)
    yield svc
    svc.close()


@dataclass
class Opener:
    """Opens one database, plain or encrypted, the way the app would; and reads its
    main file the way an outsider would (plain TinyDB, or the decrypted bytes)."""

    path: Path
    passphrase: str | None

    @property
    def encrypted(self) -> bool:
        return self.passphrase is not None

    def __call__(self) -> FieldNotes:
        return FieldNotes.open(self.path, passphrase=self.passphrase)

    def store(self, **options: Any) -> Store:
        return Store(self.path, passphrase=self.passphrase, **options)

    def main_tables(self, path: Path | None = None) -> dict[str, Any]:
        """The tables in the main file (or a backup) alone, without the journal."""
        raw = (path or self.path).read_bytes()
        if self.passphrase is None:
            assert not is_encrypted(raw)
            return orjson.loads(raw)  # type: ignore[no-any-return]
        assert is_encrypted(raw)
        return orjson.loads(Cipher(self.passphrase).open_file(raw))  # type: ignore[no-any-return]

    def main_titles(self) -> list[str]:
        """Note titles in the main file. A plain file is read with plain TinyDB, as any user would."""
        if self.passphrase is None:
            db = TinyDB(self.path)
            try:
                return sorted(doc["title"] for doc in db.table("notes").all())
            finally:
                db.close()
        return sorted(doc["title"] for doc in self.main_tables().get("notes", {}).values())


@pytest.fixture(params=["plain", "encrypted"])
def open_db(request: pytest.FixtureRequest, db_path: Path) -> Opener:
    """The storage and service tests run on a plain and on an encrypted database,
    as TinyDB's own suite runs on each of its storages."""
    if request.param == "plain":
        return Opener(db_path, None)
    FieldNotes.open(db_path).close()
    encrypt_database(db_path, PASSPHRASE)
    return Opener(db_path, PASSPHRASE)


def make_note(**fields: object) -> Note:
    values: dict[str, object] = {"kind": "meeting", "title": "Coalition monthly", "start": "2016-01-17T08:30"}
    values.update(fields)
    return Note(**values)  # type: ignore[arg-type]


def shown_text(widget: Static, width: int = 200) -> str:
    """What a Static shows, as plain text, whatever renderable it holds."""
    console = Console(width=width, file=io.StringIO(), record=True, color_system=None)
    console.print(widget.content)
    return console.export_text()


# ------------------------------------------------------------- whole processes
def fieldnotes_cmd(db: Path, *args: str) -> list[str]:
    """The command line of a real `fieldnotes` process on `db`."""
    return [sys.executable, "-m", "fieldnotes", "--db", str(db), *args]


def add_then_kill(cmd: list[str], env: dict[str, str], delay: float) -> str:
    """Start a `fieldnotes add`, SIGKILL it after `delay` seconds; the id it printed, if any."""
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, env=env
    )
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    out, _ = proc.communicate()
    return out.decode().strip()


def kill_adds(
    db: Path,
    *,
    attempts: int,
    seed: int,
    env: dict[str, str],
    body: str,
    max_delay: float,
    check: Callable[[set[str]], None],
) -> set[str]:
    """`fieldnotes add` SIGKILLed at `attempts` random moments; `check(acknowledged ids)` after each."""
    rng = random.Random(seed)
    acknowledged: set[str] = set()
    env = {**env, "PYTHONUNBUFFERED": "1"}
    for attempt in range(attempts):
        cmd = fieldnotes_cmd(db, "add", "--kind", "meeting", "--title", f"attempt {attempt}")
        cmd += ["--when", "17 Jan 2016 8:30", "--org", "Harbor Rights Collective", "--body", body]
        printed = add_then_kill(cmd, env, rng.uniform(0.05, max_delay))
        if printed:
            acknowledged.add(printed)
        check(acknowledged)
    return acknowledged


@pytest.fixture
def ctrl_c() -> Iterator[Callable[[float], None]]:
    """`ctrl_c(after)`: a real SIGINT to this (the main) thread `after` seconds from now,
    raised as KeyboardInterrupt wherever it blocks."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timers: list[threading.Timer] = []

    def send(after: float) -> None:
        main = threading.main_thread().ident
        assert main == threading.get_ident(), "the test must run on the main thread"
        timer = threading.Timer(after, signal.pthread_kill, (main, signal.SIGINT))
        timers.append(timer)
        timer.start()

    yield send
    for timer in timers:
        timer.join()
    signal.signal(signal.SIGINT, previous)
