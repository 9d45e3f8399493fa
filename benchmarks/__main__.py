"""`python -m benchmarks [--large] [--sizes N ...] [--out FILE]`: the tables, also written as JSON.

Builds databases of 100, 1,000 and 10,000 notes of about 2.6 KB (and 50,000
with --large) and measures, in one run, what a researcher waits for: whole
cold processes (add, import, list, exports, the app's start) and in-process
calls (a save, a search keystroke, opening a note or the form), each against
a baseline measured in the same run (plain TinyDB, a minimal Textual app,
parsing the file). Then it says, goal by goal, whether the goal is met.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from benchmarks import keystrokes, measure, scale
from fieldnotes.config import CONFIG_ENV

Row = dict[str, float]

COLUMNS = [
    ("notes", "notes", "{:,}"),
    ("db_mb", "file MB", "{:.1f}"),
    ("save_ms", "save ms", "{:.2f}"),
    ("plain_save_ms", "TinyDB save ms", "{:.1f}"),
    ("encrypted_save_ms", "encrypted save ms", "{:.2f}"),
    ("add_process_ms", "add process ms", "{:.0f}"),
    ("tinydb_insert_process_ms", "TinyDB insert process ms", "{:.0f}"),
    ("import_process_ms", "import ms", "{:.0f}"),
    ("list_process_ms", "list ms", "{:.0f}"),
    ("tui_start_ms", "TUI start ms", "{:.0f}"),
    ("search_keystroke_ms", "search ms/key", "{:.1f}"),
    ("search_keystroke_max_ms", "slowest key ms", "{:.0f}"),
    ("search_ready_ms", "words indexed ms", "{:.0f}"),
    ("open_note_ms", "open note ms", "{:.1f}"),
    ("open_form_ms", "open form ms", "{:.1f}"),
    ("parse_ms", "parse ms", "{:.0f}"),
    ("export_prepare_ms", "export wait ms", "{:.0f}"),
    ("export_nvivo_ms", "nvivo ms", "{:.0f}"),
    ("export_xlsx_ms", "xlsx ms", "{:.0f}"),
    ("export_qdpx_ms", "qdpx ms", "{:.0f}"),
    ("cold_export_qdpx_ms", "cold qdpx ms", "{:.0f}"),
    ("export_documents_ms", "documents ms", "{:.0f}"),
    ("export_docx_ms", "docx ms", "{:.0f}"),
    ("export_peak_mb", "export MB", "{:.0f}"),
    ("report_max_ms", "report ms", "{:.0f}"),
    ("peak_mb", "peak MB", "{:.0f}"),
]


@dataclass(frozen=True)
class Goal:
    label: str
    goal: str
    value: Callable[[dict[int, Row]], float | None]
    met: Callable[[float], bool]
    unit: str = "x"


def _at(count: int, key: str) -> Callable[[dict[int, Row]], float | None]:
    return lambda rows: rows[count][key] if count in rows and key in rows[count] else None


def _ratio(a: tuple[int, str], b: tuple[int, str]) -> Callable[[dict[int, Row]], float | None]:
    def value(rows: dict[int, Row]) -> float | None:
        top, bottom = _at(*a)(rows), _at(*b)(rows)
        return top / bottom if top is not None and bottom else None

    return value


GOALS = [
    Goal(
        "add (whole process) at 10,000 vs a plain TinyDB insert process",
        "<= 0.35x",
        _ratio((10_000, "add_process_ms"), (10_000, "tinydb_insert_process_ms")),
        lambda v: v <= 0.35,
    ),
    Goal(
        "add at 10,000 vs add at 100 (flat)",
        "<= 1.5x",
        _ratio((10_000, "add_process_ms"), (100, "add_process_ms")),
        lambda v: v <= 1.5,
    ),
    Goal(
        "import of 10,000 vs import of 1,000 (linear)",
        "<= 13x",
        _ratio((10_000, "import_process_ms"), (1_000, "import_process_ms")),
        lambda v: v <= 13,
    ),
    Goal("save in the app at 10,000 vs plain TinyDB", ">= 10x", _at(10_000, "save_ratio"), lambda v: v >= 10),
    Goal(
        "save at 50,000 vs save at 100 (O(changes))",
        "<= 2x",
        _ratio((50_000, "save_ms"), (100, "save_ms")),
        lambda v: v <= 2,
    ),
    Goal(
        "app start to an interactive list at 50,000 vs a minimal Textual app",
        "<= 4x",
        _at(50_000, "tui_start_ratio"),
        lambda v: v <= 4,
    ),
    Goal("search keystroke at 50,000", "< 30 ms", _at(50_000, "search_keystroke_ms"), lambda v: v < 30, "ms"),
    Goal("open a note at 50,000", "< 50 ms", _at(50_000, "open_note_ms"), lambda v: v < 50, "ms"),
    Goal(
        "export nvivo at 50,000 vs parsing the file",
        "<= 4x",
        _at(50_000, "export_nvivo_ratio"),
        lambda v: v <= 4,
    ),
    Goal(
        "export qdpx at 50,000 vs parsing the file",
        "<= 4x",
        _at(50_000, "export_qdpx_ratio"),
        lambda v: v <= 4,
    ),
    Goal(
        "peak memory of any command at 50,000 vs the file size",
        "<= 5x",
        _at(50_000, "peak_ratio"),
        lambda v: v <= 5,
    ),
    *(
        Goal(f"export {what} of 10,000", "<= 2000 ms", _at(10_000, key), lambda v: v <= 2000, "ms")
        for key, what in (
            ("export_nvivo_ms", "nvivo (csv)"),
            ("export_xlsx_ms", "nvivo --format xlsx"),
            ("export_qdpx_ms", "qdpx"),
            ("export_documents_ms", "documents (txt)"),
            ("export_docx_ms", "documents --format docx"),
        )
    ),
    Goal(
        "export peak memory at 10,000 vs the file size",
        "<= 3x",
        _at(10_000, "export_memory_ratio"),
        lambda v: v <= 3,
    ),
]


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "date": datetime.now().strftime("%Y-%m-%d"),
        "bytecode": "compiled before timing (PYTHONDONTWRITEBYTECODE="
        + os.environ.get("PYTHONDONTWRITEBYTECODE", "unset")
        + ")",
    }


def run_size(count: int, work: Path, minimal_ms: float) -> Row:
    db = measure.build_db(work, count)
    row: Row = {"notes": count, "db_mb": db.stat().st_size / 1e6}
    # In-process saves against plain TinyDB.
    row["save_ms"] = measure.save_ours(db, work)
    row["plain_save_ms"] = measure.save_plain_tinydb(db, work, repeat=5 if count >= 10_000 else 10)
    row["save_ratio"] = row["plain_save_ms"] / row["save_ms"]
    row["encrypted_save_ms"] = measure.save_ours(db, work, passphrase="benchmark passphrase")
    # Whole processes, cold.
    row["add_process_ms"], add_mb = scale.add_process(db, work)
    row["tinydb_insert_process_ms"] = scale.tinydb_insert_process(db, work)
    row["import_process_ms"], import_mb = scale.import_process(count, work)
    row["list_process_ms"], list_mb = scale.list_process(db)
    row["tui_start_ms"], tui_mb = measure.tui_start(db)
    row["tui_start_ratio"] = row["tui_start_ms"] / minimal_ms
    cold = scale.export_processes(db, work)
    row.update(cold)
    # In the app, and exports against parsing the file.
    measure.clean_heap()
    row.update(asyncio.run(measure.tui_interactions(db)))
    measure.clean_heap()
    row.update(measure.exports(db, work, baseline=lambda: scale.parse_file(db)))
    measure.clean_heap()
    row.update(measure.reports(db))
    peaks = [add_mb, import_mb, list_mb, tui_mb, cold["cold_export_nvivo_mb"], cold["cold_export_qdpx_mb"]]
    row["peak_mb"] = max(peaks)
    row["peak_ratio"] = row["peak_mb"] / (row["db_mb"] or 1)
    return row


def render(rows: list[Row]) -> str:
    header = [title for _, title, _ in COLUMNS]
    body = [[fmt.format(row[key]) if key in row else "-" for key, _, fmt in COLUMNS] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in body)) for i, h in enumerate(header)]
    lines = [
        "| " + " | ".join(h.rjust(w) for h, w in zip(header, widths, strict=True)) + " |",
        "|" + "|".join("-" * (w + 2) for w in widths) + "|",
    ]
    lines += ["| " + " | ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in body]
    return "\n".join(lines)


def verdicts(rows: list[Row], minimal_ms: float) -> list[dict[str, object]]:
    by_count = {int(row["notes"]): row for row in rows}
    out: list[dict[str, object]] = []
    for goal in GOALS:
        value = goal.value(by_count)
        if value is None:
            continue
        out.append(
            {
                "goal": goal.label,
                "target": goal.goal,
                "value": value,
                "unit": goal.unit,
                "met": goal.met(value),
            }
        )
    out.append(
        {
            "goal": "minimal Textual app (baseline)",
            "target": "",
            "value": minimal_ms,
            "unit": "ms",
            "met": True,
        }
    )
    return out


def describe(verdict: dict[str, object]) -> str:
    value = float(verdict["value"])  # type: ignore[arg-type]
    shown = f"{value:.2f}x" if verdict["unit"] == "x" else f"{value:.0f} ms"
    if not verdict["target"]:
        return f"{verdict['goal']}: {shown}"
    return (
        f"{verdict['goal']}: {shown} (goal {verdict['target']}) -> {'met' if verdict['met'] else 'NOT met'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--large", action="store_true", help="also 50,000 notes")
    parser.add_argument("--sizes", type=int, nargs="*", help="note counts to measure (overrides the default)")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "latest.json")
    args = parser.parse_args()
    sizes = args.sizes or ([100, 1_000, 10_000] + ([50_000] if args.large else []))
    rows = []
    scale.compile_bytecode()
    minimal_ms = scale.minimal_textual()
    with tempfile.TemporaryDirectory(prefix="fieldnotes-bench-") as tmp:
        # The app's default preferences (theme, date order), whatever yours are; every
        # process started from here reads the same file.
        os.environ[CONFIG_ENV] = str(Path(tmp) / "config.toml")
        for count in sizes:
            work = Path(tmp) / str(count)
            work.mkdir()
            print(f"measuring {count:,} notes...", flush=True)
            rows.append(run_size(count, work, minimal_ms))
    info = machine()
    print()
    print(f"Machine: {info['cpu']}, {info['cores']} cores, Python {info['python']}, {info['system']}")
    print(render(rows))
    results = verdicts(rows, minimal_ms)
    print("\nGoals (ratios against baselines measured in this run):")
    for verdict in results:
        print("  " + describe(verdict))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    print("\nKeystrokes to capture a note at 80x24 (benchmarks/keystrokes.py):")
    keys = keystrokes.measure()
    print(keystrokes.render(keys))
    args.out.write_text(
        json.dumps(
            {"machine": info, "rows": rows, "goals": results, "table": render(rows), "keystrokes": keys},
            indent=2,
        )
        + "\n"
    )
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
