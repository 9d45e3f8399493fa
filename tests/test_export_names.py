"""Source and document names: `YYYY-MM-DD title (id8)`, unique and safe on every file system."""

from __future__ import annotations

import unicodedata
import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from fieldnotes.export.names import _UNSAFE, NAME_BYTES, TITLE_CHARS, safe_title, unique_names
from fieldnotes.model import Note
from fieldnotes.text import one_line

FORBIDDEN = set('\\/:*?"<>|') | {chr(c) for c in range(32)} | {"\x7f"}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=300), min_size=1, max_size=6), st.booleans())
def test_any_titles_give_unique_names_safe_on_every_file_system(titles: list[str], same_prefix: bool) -> None:
    notes = []
    for index, title in enumerate(titles):
        note_id = str(uuid.uuid4())
        if same_prefix:  # short ids that clash
            note_id = "abcdef12" + note_id[8:]
        notes.append(
            Note(kind="meeting", title=title, start=f"2016-01-{index % 28 + 1:02d}T08:30", id=note_id)
        )
    names = unique_names(notes)
    assert len({name.casefold() for name in names.values()}) == len(notes)
    for note in notes:
        name = names[note.id]
        assert not FORBIDDEN & set(name), name
        assert name == name.strip() and not name.endswith(".")
        assert len(name.encode("utf-8")) + len(".docx") <= 255
        assert name.startswith(note.start[:10] + " ")


def test_names_read_like_the_note() -> None:
    note = Note(
        kind="event",
        title="Night 🌙 outreach / debrief: part 1",
        start="2015-07-01T22:00",
        id="1a2b3c4d-" + "0" * 27,
    )
    assert unique_names([note])[note.id] == "2015-07-01 Night 🌙 outreach - debrief - part 1 (1a2b3c4d)"


def _safe_title_as_first_written(title: str) -> str:
    """`safe_title` before its ASCII shortcuts: NFC, one line, unsafe runs as " - ", the
    ends trimmed, cut at 80 characters and 200 bytes."""
    text = unicodedata.normalize("NFC", one_line(title))
    text = one_line(_UNSAFE.sub(" - ", text)).strip(" -.")
    if len(text) > TITLE_CHARS:
        text = text[:TITLE_CHARS]
        while text and (unicodedata.combining(text[-1]) or text[-1] in "\u200d\ufe0f"):
            text = text[:-1]
        text = text.rstrip(" -.") + "…"
    while len(text.encode("utf-8")) > NAME_BYTES:
        text = text[:-2] + "…"
    return text or "untitled"


_TITLE_PIECES = st.sampled_from(
    [
        "Coalition",
        " ",
        "  ",
        "\t",
        "\n",
        ":",
        "/",
        "-",
        ".",
        "é",
        "e\u0301",
        "🌙",
        "\u200d",
        "ß",
        "\x7f",
        "A" * 40,
        "ﬀ",
        "\u2000",
    ]
)


@settings(max_examples=1500, deadline=None)
@given(st.one_of(st.text(max_size=120), st.lists(_TITLE_PIECES, max_size=30).map("".join)))
def test_safe_title_is_what_it_was_before_its_shortcuts(title: str) -> None:
    """The fast paths for ASCII titles and titles without unsafe characters change no name."""
    assert safe_title(title) == _safe_title_as_first_written(title)
