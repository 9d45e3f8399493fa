"""Plain-text and JSON output for the CLI."""

from __future__ import annotations

import sys
from typing import Any

import orjson

from fieldnotes.model import KIND_FIELDS, Note


def print_json(data: Any) -> None:
    sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")


def note_line(note: Note) -> str:
    """One note on one line: id prefix, date, kind, title, tags."""
    tags = ", ".join(note.organizations)
    codes = ", ".join(note.codes)
    extra = "  ".join(part for part in (f"[{tags}]" if tags else "", f"#{codes}" if codes else "") if part)
    title = " ".join(note.title.split())
    flags = ("  ⚠ no consent recorded" if note.unconsented else "") + (
        "  🔒 private" if note.private.strip() else ""
    )
    return f"{note.id[:8]}  {note.start.replace('T', ' ')}  {note.kind:<9}  {title}  {extra}{flags}".rstrip()


def note_text(note: Note) -> str:
    """A note in full, for reading in a terminal."""
    when = note.start.replace("T", " ")
    if note.end:
        when += f" to {note.end.replace('T', ' ')}"
        if note.duration_minutes is not None:
            when += f" ({note.duration_minutes} min)"
    rows: list[tuple[str, str]] = [
        ("id", note.id),
        ("kind", note.kind),
        ("title", note.title),
        ("when", when),
        ("where", note.location),
        ("organizations", "; ".join(note.organizations)),
        ("codes", "; ".join(note.codes)),
        ("people", "; ".join(note.people)),
    ]
    for name in KIND_FIELDS.get(note.kind, ()):
        value = getattr(note, name)
        rows.append((name.replace("_", " "), "; ".join(value) if isinstance(value, list) else value))
    rows += [("created", note.created.replace("T", " ")), ("updated", note.updated.replace("T", " "))]
    width = max(len(label) for label, _ in rows)
    lines = [f"{label:>{width}}: {value}" for label, value in rows if value]
    if note.unconsented:
        lines.append("⚠ consent: none recorded — left out of exports unless --include-unconsented")
    sections = (
        ("Notes", note.body),
        ("Memo", note.memo),
        ("Follow-ups", note.followups),
        ("Private (never exported unless asked)", note.private),
    )
    for label, text in sections:
        if text:
            lines += ["", f"--- {label} ---", text]
    return "\n".join(lines)
