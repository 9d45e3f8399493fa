"""Plain-text and JSON output for the CLI."""

from __future__ import annotations

import sys
from typing import Any

import orjson

from fieldnotes.dates import show, span
from fieldnotes.model import KIND_FIELDS, Note, label
from fieldnotes.text import one_line
from fieldnotes.ties import describe_tie


def print_json(data: Any) -> None:
    sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")


def note_line(note: Note) -> str:
    """One note on one line: id prefix, date, kind, title, tags."""
    tags = ", ".join(note.organizations)
    codes = ", ".join(note.codes)
    extra = "  ".join(part for part in (f"[{tags}]" if tags else "", f"#{codes}" if codes else "") if part)
    flags = ("  ⚠ no consent recorded" if note.unconsented else "") + (
        "  🔒 private" if note.private.strip() else ""
    )
    line = f"{note.id[:8]}  {show(note.start)}  {note.kind:<9}  {one_line(note.title)}  {extra}{flags}"
    return line.rstrip()


def note_text(note: Note, conflicts: list[str] | None = None) -> str:
    """A note in full, for reading in a terminal; `conflicts`: the fields two merged copies
    disagree on."""
    when = span(note.start, note.end)
    if note.duration_minutes is not None:
        when += f" ({note.duration_minutes} min)"
    rows: list[tuple[str, str]] = [
        ("id", note.id),
        ("kind", note.kind),
        ("title", note.title),
        ("when", when),
    ]
    for name in ("location", "organizations", "codes", "people", *KIND_FIELDS.get(note.kind, ())):
        value = getattr(note, name)
        if name == "ties":  # one a line, as people read them: "A ↔ B · referral · 4/5"
            value = [describe_tie(text) for text in value]
            rows.append((label(name).lower(), "\n".join(value)))
            continue
        rows.append((label(name).lower(), "; ".join(value) if isinstance(value, list) else value))
    rows += [("created", show(note.created)), ("updated", show(note.updated))]
    width = max(len(name) for name, _ in rows)
    lines = [
        f"{name:>{width}}: " + value.replace("\n", "\n" + " " * (width + 2)) for name, value in rows if value
    ]
    if note.unconsented:
        lines.append("⚠ consent: none recorded — left out of exports unless --include-unconsented")
    if conflicts:
        lines.append(
            f"⚠ conflict: two copies disagree on {', '.join(conflicts)} — see `fieldnotes conflicts`"
        )
    sections = (
        ("Notes", note.body),
        ("Memo", note.memo),
        ("Follow-ups", note.followups),
        ("Private (never exported unless asked)", note.private),
    )
    for heading, text in sections:
        if text:
            lines += ["", f"--- {heading} ---", text]
    return "\n".join(lines)
