"""Source and document names: `YYYY-MM-DD title (id8)`, unique and safe on every file system."""

from __future__ import annotations

import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from fieldnotes.export.names import unique_names
from fieldnotes.model import Note

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
