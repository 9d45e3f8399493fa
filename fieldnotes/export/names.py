"""The names notes travel under: `YYYY-MM-DD title (id8)`, unique and safe on every file system.

One convention for the `.qdpx` source names and the NVivo document files, so a
document, its row in the file classification sheet and its source in a REFI-QDA
project all carry the same name. QualCoder and `qc` name their copies of a
source after its name (report r14 §2, §1d): a repeated name becomes `1_…`, and a
`/` or `:` makes the copy fail, so every name here is unique and holds none of
the characters Windows, macOS or Linux refuse in a file name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from fieldnotes.model import Note
from fieldnotes.text import one_line

# Refused by Windows (and `/` everywhere, `:` on classic macOS), and the C0 controls.
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
TITLE_CHARS = 80  # of the title; the whole name stays far below 255 bytes
NAME_BYTES = 200


def safe_title(title: str) -> str:
    """The title as part of a file name: NFC, one line, unsafe characters as ' - ', at most 80 characters."""
    text = one_line(title)
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    safe = _UNSAFE.sub(" - ", text)
    text = (text if safe == text else one_line(safe)).strip(" -.")  # one line already, unless replaced
    if len(text) > TITLE_CHARS:
        text = text[:TITLE_CHARS]
        # never end inside a combining sequence or on a joiner
        while text and (unicodedata.combining(text[-1]) or text[-1] in "\u200d\ufe0f"):
            text = text[:-1]
        text = text.rstrip(" -.") + "…"
    while not text.isascii() and len(text.encode("utf-8")) > NAME_BYTES:  # ASCII: 81 bytes at most
        text = text[:-2] + "…"
    return text or "untitled"


def document_name(note: Note, id_chars: int = 8) -> str:
    """`2016-01-17 Coalition monthly (1a2b3c4d)`: date, title and a short id."""
    # Starting with the date, a name is never one Windows reserves (CON, NUL, COM1...).
    return f"{note.start[:10]} {safe_title(note.title)} ({note.id[:id_chars]})"


def unique_names(notes: Iterable[Note]) -> dict[str, str]:
    """Note id -> its name; a clash of short ids (or of case, on case-blind file systems)
    lengthens the id shown in the names that clash until they differ."""
    notes = list(notes)
    names = {note.id: document_name(note) for note in notes}
    width = 8
    while True:
        if len({name.casefold() for name in names.values()}) == len(names):
            return names  # nearly always at once: no two names alike
        seen: dict[str, list[str]] = {}
        for note_id, name in names.items():
            seen.setdefault(name.casefold(), []).append(note_id)
        clashes = [ids for ids in seen.values() if len(ids) > 1]
        if width >= 40:  # ids that differ only in case: number them
            for ids in clashes:
                for number, note_id in enumerate(ids[1:], start=2):
                    names[note_id] = f"{names[note_id]} {number}"
            return names
        width += 4
        by_id = {note.id: note for note in notes}
        for ids in clashes:
            for note_id in ids:
                names[note_id] = document_name(by_id[note_id], width)
