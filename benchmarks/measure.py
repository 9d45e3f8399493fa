"""Measurements. Each returns milliseconds (or MB); none asserts anything."""

from __future__ import annotations

import asyncio
import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.datagen import make_notes
from fieldnotes.service import FieldNotes

ROOT = Path(__file__).resolve().parent.parent


def build_db(folder: Path, count: int) -> Path:
    """A folded database of `count` synthetic notes."""
    path = folder / f"notes-{count}.json"
    if path.exists():
        return path
    with FieldNotes.open(path) as svc:
        svc.upsert_many(make_notes(count))
    return path


def clean_heap() -> None:
    """Start the next in-process measurement from a clean heap. fieldnotes freezes what is
    alive after a bulk load or once the app's search index is built (storage/durable.py
    `bulk_load`, index.py), so the cyclic garbage of a finished app session (its widgets,
    screens and the models they held: 150 MB at 10,000 notes) would never be collected,
    and the measurements after it would run on a heap several times larger than any
    real process has (parsing the file took 1.3 s there against 0.85 s on a clean heap)."""
    gc.unfreeze()
    gc.collect()


def timed(fn: Callable[[], object], repeat: int) -> float:
    """Median milliseconds of `repeat` calls."""
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples)


def save_ours(db: Path, work: Path, *, passphrase: str | None = None) -> float:
    """One durable save (a new note, fsynced) in fieldnotes' storage; encrypted with a passphrase."""
    from fieldnotes.service import encrypt_database

    copy = work / ("ours-encrypted.json" if passphrase else "ours.json")
    shutil.copy(db, copy)
    if passphrase:
        encrypt_database(copy, passphrase)
    extra = iter(make_notes(50, seed=99))
    with FieldNotes.open(copy, passphrase=passphrase) as svc:
        svc.count()
        return timed(lambda: svc.add(next(extra)), 20)


def save_plain_tinydb(db: Path, work: Path, repeat: int) -> float:
    """The same save in plain TinyDB with its JSONStorage (which fsyncs too)."""
    from tinydb import TinyDB

    copy = work / "plain.json"
    shutil.copy(db, copy)
    extra = iter(make_notes(50, seed=98))
    tiny = TinyDB(copy)
    table = tiny.table("notes")
    try:
        return timed(lambda: table.insert(next(extra).to_dict()), repeat)
    finally:
        tiny.close()


def cli_list(db: Path) -> float:
    """Cold start of `fieldnotes list` in a new process, to its last line."""
    cmd = [sys.executable, "-m", "fieldnotes", "--db", str(db), "list"]
    return timed(lambda: subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL), 3)


def tui_start(db: Path) -> tuple[float, float]:
    """Cold start of the TUI to its first interactive screen (the median of 5: a start
    varies by 10 to 20% between runs here); and its peak memory."""
    runs = []
    for _ in range(5):
        t0 = time.time()
        out = subprocess.run(
            [sys.executable, "-m", "benchmarks.tui_start", str(db)],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={**os.environ, "TEXTUAL": ""},
        )
        data = json.loads(out.stdout.strip().splitlines()[-1])
        runs.append(((data["ready_at"] - t0) * 1000, data["peak_rss_mb"]))  # spawn to ready
    runs.sort()
    return runs[len(runs) // 2]


async def tui_interactions(db: Path) -> dict[str, float]:
    """Search per keystroke, opening a note, opening the new-note form."""
    from fieldnotes.index import NoteFilter
    from fieldnotes.tui.app import FieldnotesApp
    from fieldnotes.tui.screens.main import MainScreen
    from fieldnotes.tui.screens.note_detail import NoteDetailScreen
    from fieldnotes.tui.screens.note_form import NoteFormScreen

    service = FieldNotes.open(db)
    app = FieldnotesApp(service)
    results: dict[str, float] = {}
    async with app.run_test(size=(120, 40)) as pilot:
        t0 = time.perf_counter()
        await pilot.pause()
        main = app.screen
        assert isinstance(main, MainScreen)
        # The words are indexed between keystrokes after the first paint; a search before
        # that reads the notes. Measure keystrokes once it is done, and how long it took.
        while not service.index.search_ready:
            await asyncio.sleep(0.01)
        results["search_ready_ms"] = (time.perf_counter() - t0) * 1000
        samples = []
        for word in ("collaboration", "raids planned", "harbor"):
            for i in range(1, len(word) + 1):
                t0 = time.perf_counter()
                main.filter = NoteFilter(text=word[:i])
                main.refresh_notes()
                samples.append((time.perf_counter() - t0) * 1000)
                await pilot.pause()
        results["search_keystroke_ms"] = statistics.median(samples)
        results["search_keystroke_max_ms"] = max(samples)
        main.set_filter(NoteFilter())
        note_id = service.note_views()[0].id
        opens, forms, full_forms = [], [], []
        for kind in ("meeting", "event", "interview") * 3:
            t0 = time.perf_counter()
            await app.push_screen(NoteDetailScreen(note_id))
            opens.append((time.perf_counter() - t0) * 1000)
            app.pop_screen()
            await pilot.pause()
            t0 = time.perf_counter()
            form = NoteFormScreen(kind)
            await app.push_screen(form)  # ready for typing: the title field has the cursor
            forms.append((time.perf_counter() - t0) * 1000)
            while not form.complete:  # every field mounted, a frame later
                await asyncio.sleep(0.001)
            full_forms.append((time.perf_counter() - t0) * 1000)
            app.pop_screen()
            await pilot.pause()
        results["open_note_ms"] = statistics.median(opens)
        results["open_form_ms"] = statistics.median(forms)
        results["open_form_full_ms"] = statistics.median(full_forms)
    service.close()
    return results


EXPORT_FORMATS: dict[str, Callable[[FieldNotes, Path], object]] = {
    "export_nvivo_ms": lambda svc, out: svc.export_nvivo(out),
    "export_xlsx_ms": lambda svc, out: svc.export_nvivo(out, format="xlsx"),
    "export_qdpx_ms": lambda svc, out: svc.export_qdpx(out.with_suffix(".qdpx")),
    "export_documents_ms": lambda svc, out: svc.export_documents(out),
    "export_docx_ms": lambda svc, out: svc.export_documents(out, format="docx"),
}


# The exports whose goal is a ratio to the parse of the file (`exports`' `baseline`).
AGAINST_PARSE = {"export_nvivo_ms": "export_nvivo_ratio", "export_qdpx_ms": "export_qdpx_ratio"}


def exports(db: Path, work: Path, baseline: Callable[[], float] | None = None) -> dict[str, float]:
    """Every export format of every note (median of 3), on a copy of the database (each
    export adds to its ledger); then the peak memory each one allocates (tracemalloc,
    one run each), the largest as `export_peak_mb` and against the file's size.

    With a `baseline` (milliseconds of one parse of the file), each sample of the exports in
    `AGAINST_PARSE` (5 of them) follows a sample of the baseline taken just before it; the ratio is
    the median of the pairs': this machine's speed drifts by 10 to 40% over minutes, and a
    ratio of two medians taken a minute apart carried that drift. `parse_ms` is then the
    median of every baseline sample."""
    import tracemalloc

    copy = work / "exports.json"
    shutil.copy(db, copy)
    # A copy is a new file to its index (the sidecar names the file it lists): opened once
    # first, as a researcher's database has been, so the exports run as they do for her
    # (from the listed notes), not after the full load that rebuilds a lost index.
    with FieldNotes.open(copy) as svc:
        svc.count()
    results: dict[str, float] = {}
    counter = iter(range(1000))
    with FieldNotes.open(copy) as svc:
        svc.count()
        # What the app's export dialog does on its UI thread before the export's own thread
        # takes over (the name checks run there): the time it does not answer keys.
        results["export_prepare_ms"] = timed(lambda: svc.prepare_export(check=False), 3)
        parses: list[float] = []
        for key, export in EXPORT_FORMATS.items():

            def run(export: Callable[[FieldNotes, Path], object] = export) -> object:
                return export(svc, work / f"export-{next(counter)}")

            if baseline is None or key not in AGAINST_PARSE:
                results[key] = timed(run, 3)
                continue
            pairs = []
            for _ in range(5):  # the two goals nearest their line: two samples more
                parse_ms = baseline()
                pairs.append((timed(run, 1), parse_ms))
            parses += [parse_ms for _, parse_ms in pairs]
            results[key] = statistics.median(ms for ms, _ in pairs)
            results[AGAINST_PARSE[key]] = statistics.median(ms / parse_ms for ms, parse_ms in pairs)
        if parses:
            results["parse_ms"] = statistics.median(parses)
        peaks = []
        for export in EXPORT_FORMATS.values():
            tracemalloc.start()
            export(svc, work / f"export-{next(counter)}")
            peaks.append(tracemalloc.get_traced_memory()[1] / 1e6)
            tracemalloc.stop()
    results["export_max_ms"] = max(value for key, value in results.items() if key in EXPORT_FORMATS)
    results["export_peak_mb"] = max(peaks)
    results["export_memory_ratio"] = results["export_peak_mb"] / (db.stat().st_size / 1e6)
    return results


def reports(db: Path) -> dict[str, float]:
    """Each report over every note (median of 5); the slowest is reported too."""
    with FieldNotes.open(db) as svc:
        svc.count()
        results = {
            "report_contacts_ms": timed(lambda: svc.report_contacts(by="month"), 5),
            "report_ties_ms": timed(svc.report_ties, 5),
            "report_codes_ms": timed(lambda: svc.report_codes(by="org-type"), 5),
            "report_weighted_ties_ms": timed(svc.report_weighted_ties, 5),
            "report_strongest_ties_ms": timed(svc.report_strongest_ties, 5),
            "followups_ms": timed(svc.followups.items, 5),
        }
    results["report_max_ms"] = max(results.values())
    return results
