"""The word index answers a search exactly as reading every note would, in the same order.

The oracle is the definition of search: the folded needle is in the folded text
of the note. Whatever the index does (exact single words, candidates checked
against the text, words too common to narrow), the notes found must be the
same, newest first, before and after saves and deletions.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from fieldnotes.index import NoteFilter
from fieldnotes.model import Note
from fieldnotes.search import WordIndex
from fieldnotes.service import FieldNotes
from fieldnotes.text import fold

WORDS = ["raid", "raids", "Harbor", "harbour", "collaboration", "co-op", "İstanbul", "Zoë", "naïve", "x_y"]
PIECES = st.sampled_from([*"abcoirdsXZ ,.-_'\n", "ë", "e\u0308", "İ", "ı", "🎉", "שׁ", "ß"])
"""Letters, separators, and what folding changes: accents composed or not, Turkish I, ß."""


def pieces(min_size: int, max_size: int) -> st.SearchStrategy[str]:
    return st.lists(PIECES, min_size=min_size, max_size=max_size).map("".join)


TEXT = st.lists(st.one_of(st.sampled_from(WORDS), pieces(0, 6)), max_size=8).map(" ".join)
NEEDLE = st.one_of(
    st.sampled_from(WORDS),
    pieces(1, 5),
    st.sampled_from(["raids p", "s plan", "bor co", " raid", "raid ", "-op", "op co", "a", "ss", "i̇"]),
)


def oracle(service: FieldNotes, needle: str) -> list[str]:
    """Ids of the notes holding `needle`, newest first, read the slow way."""
    folded = fold(needle).strip()
    index = service.index
    return [entry.note.id for entry in index._ordered_entries() if not folded or folded in entry.haystack]


def found(service: FieldNotes, needle: str) -> list[str]:
    return [note.id for note in service.note_views(NoteFilter(text=needle))]


def make_note(number: int, title: str, body: str) -> Note:
    return Note(
        kind="meeting",
        title=title if title.strip() else "untitled",
        start=f"2015-06-{number % 28 + 1:02d}T10:00",
        body=body,
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(st.tuples(TEXT, TEXT), min_size=1, max_size=12), needles=st.lists(NEEDLE, max_size=8))
def test_indexed_search_finds_what_reading_finds(
    tmp_path_factory: pytest.TempPathFactory, texts: list[tuple[str, str]], needles: list[str]
) -> None:
    path = tmp_path_factory.mktemp("search") / "notes.json"
    with FieldNotes.open(path) as service:
        service.upsert_many([make_note(n, title, body) for n, (title, body) in enumerate(texts)])
        before = {needle: found(service, needle) for needle in needles}  # not yet indexed: reads
        service.index.prepare_search()
        assert service.index.search_ready
        for needle in needles:
            assert found(service, needle) == oracle(service, needle) == before[needle], needle


def test_a_rare_word_is_answered_from_the_index_without_reading_notes(tmp_path: Path) -> None:
    with FieldNotes.open(tmp_path / "notes.json") as service:
        service.upsert_many([make_note(n, f"meeting {n}", "the usual agenda") for n in range(300)])
        service.add(make_note(1, "zebra crossing", "harbour raids"))
        service.index.prepare_search()
        entries = service.index._ordered_entries()
        untouched = [entry for entry in entries if "zebra" not in entry.haystack]
        for entry in untouched:
            entry._haystack = None  # a read would rebuild it; the index must not need to
            entry._note = entry._note or entry.note
        assert [n.title for n in service.note_views(NoteFilter(text="zebr"))] == ["zebra crossing"]
        assert [n.title for n in service.note_views(NoteFilter(text="bour raid"))] == ["zebra crossing"]
        assert all(entry._haystack is None for entry in untouched)


def test_a_word_too_common_to_narrow_falls_back_to_reading() -> None:
    words = WordIndex()
    for slot in range(100):
        words.add(slot, "the meeting")
    assert words.candidates("the", budget=50) is None
    assert words.candidates("meet", budget=500) is not None
    exact = words.candidates("eeti", budget=500)
    assert exact is not None and exact.exact and len(exact.slots) == 100
    phrase = words.candidates("the meeting", budget=500)
    assert phrase is not None and not phrase.exact
    assert words.candidates(" ,.", budget=500) is None  # no word at all: read


class SearchWhileEditing(RuleBasedStateMachine):
    """Saves, edits and deletions while the index exists keep it answering like reading."""

    def __init__(self) -> None:
        super().__init__()
        import tempfile

        self.folder = tempfile.TemporaryDirectory()
        self.service = FieldNotes.open(Path(self.folder.name) / "notes.json")
        self.ids: list[str] = []
        self.count = 0

    @initialize(texts=st.lists(TEXT, min_size=1, max_size=5))
    def start(self, texts: list[str]) -> None:
        for text in texts:
            self.add(text)
        self.service.index.prepare_search()

    @rule(text=TEXT)
    def add(self, text: str) -> None:
        self.count += 1
        self.ids.append(self.service.add(make_note(self.count, text, text[::-1])).id)

    @rule(data=st.data(), text=TEXT)
    def edit(self, data: st.DataObject, text: str) -> None:
        if self.ids:
            note = self.service.get(data.draw(st.sampled_from(self.ids)))
            note.body = text
            self.service.update(note)

    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        if self.ids:
            note_id = data.draw(st.sampled_from(self.ids))
            self.service.delete(note_id)
            self.ids.remove(note_id)

    @invariant()
    def searches_agree(self) -> None:
        for needle in ("raid", "zoe", "bor co", "a", "istanbul", "co-op", "x_y", "ss"):
            assert found(self.service, needle) == oracle(self.service, needle), needle

    def teardown(self) -> None:
        self.service.close()
        self.folder.cleanup()


TestSearchWhileEditing = SearchWhileEditing.TestCase
TestSearchWhileEditing.settings = settings(max_examples=40, stateful_step_count=12, deadline=None)


FILTERED = ["kind", "title", "start", "status", "organizations", "codes", "people", "informant"]
JSON_VALUE = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(max_size=5), st.lists(st.text(max_size=3), max_size=3)
)


@settings(max_examples=300, deadline=None)
@given(
    doc=st.dictionaries(
        st.sampled_from(FILTERED),
        JSON_VALUE,
    )
)
def test_one_field_read_without_the_model_is_the_models_field(doc: dict[str, object]) -> None:
    """Filters read single fields of stored notes: exactly what the model would hold."""
    note = Note.from_dict({**doc, "id": "x"})
    for name in (*FILTERED, "body"):
        assert Note.field_from_dict(doc, name) == getattr(note, name), name
