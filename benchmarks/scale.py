"""Whole processes, timed cold, each against a baseline measured in the same run.

Every function returns milliseconds (or MB) and asserts nothing. Peak memory is
the child's own, read inside it (benchmarks/peak.py), not the benchmark's.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

from benchmarks.datagen import make_notes

ROOT = Path(__file__).resolve().parent.parent


def compile_bytecode() -> None:
    """Compile fieldnotes' modules to bytecode before any process is timed, as every install
    has them: pip compiles a package it installs, and Python writes the bytecode of an
    editable one on its first import. The test machines set PYTHONDONTWRITEBYTECODE=1, so
    without this each cold process compiled ~100 modules from source (70 ms of `add`'s 220)."""
    import compileall

    compileall.compile_dir(ROOT / "fieldnotes", quiet=1)


def run_child(cmd: list[str], **kwargs: object) -> tuple[float, float]:
    """Run `cmd` to the end; its wall time in ms and its own peak resident memory in MB
    (a `python -m MODULE` command runs under benchmarks/peak.py, which reads it from
    inside; any other command reports what `wait4` says)."""
    with tempfile.TemporaryDirectory(prefix="fieldnotes-peak-") as scratch:
        peak_file = Path(scratch) / "peak"
        if cmd[:2] == [sys.executable, "-m"]:
            cmd = [sys.executable, "-m", "benchmarks.peak", str(peak_file), *cmd[2:]]
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            cmd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            cwd=ROOT,
            **kwargs,  # type: ignore[call-overload]
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = (time.perf_counter() - t0) * 1000
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        if proc.stderr:
            proc.stderr.close()
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(f"{cmd} failed: {err}")
        peak = float(peak_file.read_text()) if peak_file.exists() else usage.ru_maxrss / 1024
    return wall, peak


def median_child(cmds: list[list[str]]) -> tuple[float, float]:
    """Median wall time over the commands; the highest peak memory of any."""
    results = [run_child(cmd) for cmd in cmds]
    return statistics.median(wall for wall, _ in results), max(rss for _, rss in results)


def fieldnotes(db: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "fieldnotes", "--db", str(db), *args]


def add_process(db: Path, work: Path, runs: int = 7) -> tuple[float, float]:
    """`fieldnotes add` as a whole process, on a copy of `db` (folded, with its index)."""
    copy = work / "add.json"
    for suffix in ("", ".index"):
        source = db.with_name(db.name + suffix)
        if source.exists():
            shutil.copy(source, copy.with_name(copy.name + suffix))
    run_child(fieldnotes(copy, "list", "--kind", "event"))  # the daily backup, taken once like any day
    cmds = [
        fieldnotes(copy, "add", "--kind", "meeting", "--title", f"bench {i}", "--org", "Lantern Legal Aid")
        for i in range(runs)
    ]
    return median_child(cmds)


TINYDB_INSERT = """
import sys
from tinydb import TinyDB
doc = {"kind": "meeting", "title": "bench", "start": "2016-01-17T08:30", "body": "x"}
db = TinyDB(sys.argv[1])
db.table("notes").insert(doc)
db.close()
"""


def tinydb_insert_process(db: Path, work: Path, runs: int = 3) -> float:
    """The baseline: a process that inserts one document with plain TinyDB."""
    copy = work / "tiny.json"
    shutil.copy(db, copy)
    return median_child([[sys.executable, "-c", TINYDB_INSERT, str(copy)] for _ in range(runs)])[0]


def import_process(count: int, work: Path) -> tuple[float, float]:
    """`fieldnotes import` of `count` notes (.jsonl) into a new database, as a whole process."""
    source = work / f"import-{count}.jsonl"
    source.write_bytes(b"".join(orjson.dumps(note.to_dict()) + b"\n" for note in make_notes(count, seed=7)))
    target = work / f"imported-{count}.json"
    return run_child(fieldnotes(target, "import", str(source)))


MINIMAL_APP = """
import time
from textual.app import App
from textual.widgets import DataTable, Footer, Header
class Minimal(App):
    def compose(self):
        yield Header()
        yield DataTable()
        yield Footer()
async def ready(pilot):
    await pilot._wait_for_screen()
    print(time.time())
    pilot.app.exit()
Minimal().run(headless=True, size=(120, 40), auto_pilot=ready)
"""


def minimal_textual(runs: int = 5) -> float:
    """The baseline for the app's start: a minimal Textual app with a table, from its spawn
    to its first screen ready for keys (measured as the app's own start is)."""
    samples = []
    for _ in range(runs):
        t0 = time.time()
        out = subprocess.run(
            [sys.executable, "-c", MINIMAL_APP], check=True, capture_output=True, text=True, cwd=ROOT
        )
        samples.append((float(out.stdout.strip().splitlines()[-1]) - t0) * 1000)
    return statistics.median(samples)


PARSE = """
import sys, time
import orjson
t0 = time.perf_counter()
with open(sys.argv[1], "rb") as handle:
    orjson.loads(handle.read())
print((time.perf_counter() - t0) * 1000)
"""


def parse_file(db: Path) -> float:
    """The baseline for exports: reading and parsing the main file with orjson, timed inside a
    fresh process (its start not counted), as every command that reads the notes parses it.
    Not in the measuring process: there the speed of 50,000 parsed notes depends on the heap
    the earlier measurements left (0.85 to 1.5 s on one day), and the parse would leave the
    next export a heap no real export runs on."""
    out = subprocess.run([sys.executable, "-c", PARSE, str(db)], check=True, capture_output=True, text=True)
    return float(out.stdout.strip())


def export_processes(db: Path, work: Path) -> dict[str, float]:
    """`export nvivo` and `export qdpx` as whole processes (cold: open, load, write)."""
    out: dict[str, float] = {}
    for fmt, target in (("nvivo", work / "cold-nvivo"), ("qdpx", work / "cold.qdpx")):
        wall, rss = run_child(fieldnotes(db, "export", fmt, str(target), "--force"))
        out[f"cold_export_{fmt}_ms"] = wall
        out[f"cold_export_{fmt}_mb"] = rss
    return out


def list_process(db: Path) -> tuple[float, float]:
    """`fieldnotes list` as a whole process: every note loaded and printed."""
    return median_child([fieldnotes(db, "list") for _ in range(3)])
