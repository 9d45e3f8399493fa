"""`python -m benchmarks [--large] [--out FILE]`: one table, also written as JSON.

Builds databases of 100, 1,000 and 10,000 notes of about 2.3 KB (and 50,000
with --large) and measures, in one run, against plain TinyDB where it applies.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import tempfile
from datetime import datetime
from pathlib import Path

from benchmarks import keystrokes, measure

GOALS = {
    "save_ratio": ("save vs plain TinyDB", ">= 10x", lambda v: v >= 10),
    "encrypted_ratio": ("encrypted save vs plain save", "<= 3x", lambda v: v <= 3),
    "tui_start_ms": ("TUI start", "<= 1000 ms", lambda v: v <= 1000),
    "search_keystroke_ms": ("search keystroke", "<= 30 ms", lambda v: v <= 30),
    "open_note_ms": ("open a note", "<= 100 ms", lambda v: v <= 100),
    "open_form_ms": ("open the form", "<= 100 ms", lambda v: v <= 100),
    "export_nvivo_ms": ("export nvivo", "<= 2000 ms", lambda v: v <= 2000),
    "export_qdpx_ms": ("export qdpx", "<= 2000 ms", lambda v: v <= 2000),
    "report_max_ms": ("slowest report", "<= 300 ms", lambda v: v <= 300),
    "peak_rss_mb": ("peak memory (TUI)", "<= 200 MB", lambda v: v <= 200),
}

COLUMNS = [
    ("notes", "notes", "{:,}"),
    ("db_mb", "file MB", "{:.1f}"),
    ("save_ms", "save ms", "{:.2f}"),
    ("plain_save_ms", "TinyDB save ms", "{:.1f}"),
    ("save_ratio", "ratio", "{:.0f}x"),
    ("encrypted_save_ms", "encrypted save ms", "{:.2f}"),
    ("cli_list_ms", "CLI list ms", "{:.0f}"),
    ("tui_start_ms", "TUI start ms", "{:.0f}"),
    ("search_keystroke_ms", "search ms/key", "{:.1f}"),
    ("open_note_ms", "open note ms", "{:.1f}"),
    ("open_form_ms", "open form ms", "{:.1f}"),
    ("open_form_full_ms", "form complete ms", "{:.1f}"),
    ("export_nvivo_ms", "nvivo ms", "{:.0f}"),
    ("export_qdpx_ms", "qdpx ms", "{:.0f}"),
    ("report_max_ms", "report ms", "{:.0f}"),
    ("peak_rss_mb", "peak MB", "{:.0f}"),
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
    }


def run_size(count: int, work: Path) -> dict[str, float]:
    db = measure.build_db(work, count)
    row: dict[str, float] = {"notes": count, "db_mb": db.stat().st_size / 1e6}
    row["save_ms"] = measure.save_ours(db, work)
    row["plain_save_ms"] = measure.save_plain_tinydb(db, work, repeat=5 if count >= 10_000 else 10)
    row["save_ratio"] = row["plain_save_ms"] / row["save_ms"]
    row["encrypted_save_ms"] = measure.save_ours(db, work, passphrase="benchmark passphrase")
    row["encrypted_ratio"] = row["encrypted_save_ms"] / row["save_ms"]
    row["cli_list_ms"] = measure.cli_list(db)
    row["tui_start_ms"], row["peak_rss_mb"] = measure.tui_start(db)
    row.update(asyncio.run(measure.tui_interactions(db)))
    row.update(measure.exports(db, work))
    row.update(measure.reports(db))
    return row


def render(rows: list[dict[str, float]]) -> str:
    header = [title for _, title, _ in COLUMNS]
    body = [[fmt.format(row[key]) if key in row else "-" for key, _, fmt in COLUMNS] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in body)) for i, h in enumerate(header)]
    lines = [
        "| " + " | ".join(h.rjust(w) for h, w in zip(header, widths, strict=True)) + " |",
        "|" + "|".join("-" * (w + 2) for w in widths) + "|",
    ]
    lines += ["| " + " | ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in body]
    return "\n".join(lines)


def verdicts(row: dict[str, float]) -> list[str]:
    out = []
    for key, (label, goal, ok) in GOALS.items():
        if key in row:
            out.append(f"{label}: {row[key]:.1f} (goal {goal}) -> {'met' if ok(row[key]) else 'NOT met'}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--large", action="store_true", help="also 50,000 notes")
    parser.add_argument("--sizes", type=int, nargs="*", help="note counts to measure (overrides the default)")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "latest.json")
    args = parser.parse_args()
    sizes = args.sizes or ([100, 1_000, 10_000] + ([50_000] if args.large else []))
    rows = []
    with tempfile.TemporaryDirectory(prefix="fieldnotes-bench-") as tmp:
        for count in sizes:
            work = Path(tmp) / str(count)
            work.mkdir()
            print(f"measuring {count:,} notes...", flush=True)
            rows.append(run_size(count, work))
    info = machine()
    print()
    print(f"Machine: {info['cpu']}, {info['cores']} cores, Python {info['python']}, {info['system']}")
    print(render(rows))
    goal_row = next((r for r in rows if r["notes"] == 10_000), rows[-1])
    print(f"\nGoals at {int(goal_row['notes']):,} notes:")
    for line in verdicts(goal_row):
        print("  " + line)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    print("\nKeystrokes to capture a note at 80x24 (benchmarks/keystrokes.py):")
    keys = keystrokes.measure()
    print(keystrokes.render(keys))
    args.out.write_text(
        json.dumps({"machine": info, "rows": rows, "table": render(rows), "keystrokes": keys}, indent=2)
        + "\n"
    )
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
