"""The listing: notes shown before they are parsed, and folds that parse none.

The sidecar lists where each note lies in the main file's bytes. A process that
opens light (the app, `list`, `show`) builds its index from that listing and
parses a note when it first needs it; a fold after a light load copies the
notes the journal left alone as bytes. These tests hold every such path equal to
a full parse of the same files, and check that a listing that does not match
its file is refused, never believed."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any
from unittest import mock

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tinydb import TinyDB

from fieldnotes.service import FieldNotes
from fieldnotes.storage import Store, durable
from fieldnotes.storage.durable import (
    NOTES,
    DurableStorage,
    ListedNotes,
    note_spans,
    spans_hold,
    write_layout,
)
from fieldnotes.storage.sidecar import VERSION as SIDECAR_VERSION
from fieldnotes.storage.sidecar import Sidecar, sidecar_path
from tests.conftest import Opener, make_note

# Text that stresses a byte-level layout: quotes, braces, escapes, control characters,
# astral and combining characters, right-to-left text.
TRICKY = st.text(
    alphabet=st.sampled_from(list('ab "\\{}[]:,\n\t\x00\x1f/é\u0301👩\u200f\u05d0\u2028')), max_size=12
)
VALUES = st.one_of(
    TRICKY, st.integers(-(2**40), 2**40), st.booleans(), st.none(), st.lists(TRICKY, max_size=3)
)
DOCS = st.dictionaries(TRICKY, VALUES, max_size=4)


def note_doc(number: int, extra: dict[str, Any]) -> dict[str, Any]:
    return {
        **extra,
        "id": f"id-{number}",
        "start": f"2016-01-{number % 28 + 1:02d}T08:30",
        "created": str(number),
    }


@given(
    before=st.dictionaries(
        TRICKY, st.dictionaries(st.integers(1, 99).map(str), DOCS, max_size=2), max_size=2
    ),
    notes=st.lists(DOCS, max_size=6),
    after=st.dictionaries(TRICKY, st.dictionaries(st.integers(1, 99).map(str), DOCS, max_size=2), max_size=2),
    chunk=st.sampled_from([1, 7, 64, 1 << 20]),  # bytes gathered before a write
)
@settings(max_examples=400, deadline=None)
def test_each_span_is_exactly_its_note_in_the_file(
    before: dict[str, Any], notes: list[dict[str, Any]], after: dict[str, Any], chunk: int
) -> None:
    tables = {name: table for name, table in before.items() if name != NOTES}
    tables[NOTES] = {str(number): note_doc(number, doc) for number, doc in enumerate(notes, start=1)}
    tables.update({name: table for name, table in after.items() if name != NOTES})
    plain = orjson.dumps(tables)
    listing = note_spans(tables, plain)
    assert listing is not None
    assert listing.keys == list(tables[NOTES])
    assert spans_hold(listing, plain)
    for number, (key, doc) in enumerate(tables[NOTES].items()):
        begin, end = listing.spans[2 * number], listing.spans[2 * number + 1]
        assert orjson.loads(plain[begin:end]) == doc, key
        assert (listing.starts[number], listing.createds[number]) == (doc["start"], doc["created"])
    # Written a piece at a time, the file is orjson's own dump of the tables, notes last.
    records = {name: table for name, table in tables.items() if name != NOTES}
    pieces = [(key, orjson.dumps(doc), doc["start"], doc["created"]) for key, doc in tables[NOTES].items()]
    parts: list[bytes | memoryview] = []
    with mock.patch.object(durable, "_WRITE_CHUNK", chunk):
        written = write_layout(parts.append, records, pieces)
    assert b"".join(parts) == orjson.dumps({**records, NOTES: tables[NOTES]})
    assert written == note_spans({**records, NOTES: tables[NOTES]}, b"".join(parts))
    assert spans_hold(written, b"".join(parts))
    if len(written.keys) > 1:  # two spans swapped: they no longer hold
        swapped = replace(written, spans=written.spans[2:4] + written.spans[0:2] + written.spans[4:])
        assert not spans_hold(swapped, b"".join(parts))
    # Any other layout of the same tables (another program's, spaces, escapes) is not listed.
    if tables[NOTES]:
        assert note_spans(tables, json.dumps(tables, indent=1).encode()) is None
        assert note_spans(tables, json.dumps(tables, separators=(", ", ": ")).encode()) is None
        assert note_spans(tables, plain + b" ") is None
        # The same length, one note's bytes not its document: the bytes are compared, not counted.
        assert note_spans(tables, plain.replace(b'"id-1"', b'"id-x"', 1)) is None


# One step of what processes do to the notes after the main file was written with a listing.
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("set"), st.integers(1, 8), TRICKY),
        st.tuples(st.just("del"), st.integers(1, 8), st.just("")),
        st.tuples(st.just("drop"), st.just(0), st.just("")),
        st.tuples(st.just("reopen"), st.just(0), st.just("")),
        st.tuples(st.just("fold"), st.just(0), st.just("")),
        # A record changed and no note (an export's ledger line): the notes go as one run.
        st.tuples(st.just("record"), st.integers(1, 3), TRICKY),
    ),
    max_size=12,
)


def listed_docs(listed: ListedNotes) -> dict[str, dict[str, Any]]:
    found = {listed.ids[number]: listed.document(number) for number in range(len(listed.ids))}
    for doc in listed.docs:
        assert doc["id"] not in found
        found[doc["id"]] = doc
    return found


def full_notes(path: Path) -> dict[str, Any]:
    engine = DurableStorage(path)
    engine.load(full=True)
    return dict(engine.tables.get(NOTES, {}))


@given(
    start=st.lists(TRICKY, min_size=1, max_size=6),
    steps=STEPS,
    chunk=st.sampled_from([1, 40, 1 << 20]),  # the size from which a run of notes is copied by the kernel
)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_a_light_process_sees_and_folds_exactly_what_a_full_parse_sees(
    start: list[str], steps: list[Any], chunk: int
) -> None:
    with tempfile.TemporaryDirectory() as folder, mock.patch.object(durable, "_WRITE_CHUNK", chunk):
        path = Path(folder) / "notes.json"
        writer = DurableStorage(path)
        writer.load(full=True)
        writer.apply({"set": {"codes": {"1": {"name": "legitimacy", "guid": "g"}}}})
        writer.apply({"set": {NOTES: {str(n): note_doc(n, {"title": t}) for n, t in enumerate(start, 1)}}})
        writer.fold()  # the main file and its listing
        expected = {str(n): note_doc(n, {"title": t}) for n, t in enumerate(start, 1)}
        codes = {"1": {"name": "legitimacy", "guid": "g"}}
        engine = DurableStorage(path)
        engine.load(full=False)
        assert engine.listing is not None
        for action, number, text in steps:
            if action == "set":
                doc = note_doc(number, {"title": text})
                engine.apply({"set": {NOTES: {str(number): doc}}})
                expected[str(number)] = doc
            elif action == "del":
                engine.apply({"del": {NOTES: [str(number)]}})
                expected.pop(str(number), None)
            elif action == "drop":
                engine.apply({"drop": [NOTES]})
                expected.clear()
            elif action == "record":
                codes[str(number)] = {"name": text, "guid": str(number)}
                engine.apply({"set": {"codes": {str(number): codes[str(number)]}}})
            elif action == "reopen":
                engine.close()
                engine = DurableStorage(path)
                engine.load(full=False)
            else:
                engine.fold()
            assert not engine.full
            listed = engine.listed_notes()
            if listed is not None:  # only a drop of the whole table leaves none to list
                assert listed_docs(listed) == {doc["id"]: doc for doc in expected.values()}
            assert orjson.loads(engine.plain_bytes())[NOTES] == expected
            assert full_notes(path) == expected  # the main file and its journal, parsed whole
        engine.fold()
        assert not engine.journal_path.exists()
        assert orjson.loads(path.read_bytes())[NOTES] == expected  # the main file alone
        assert orjson.loads(path.read_bytes())["codes"] == codes
        assert set(orjson.loads(path.read_bytes())) <= {"codes", NOTES}


def test_the_app_shows_notes_parsing_only_those_it_shows(
    open_db: Opener, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_db() as svc:
        svc.upsert_many(
            [make_note(title=f"note {n}", start=f"2016-02-{n % 28 + 1:02d}T10:00") for n in range(60)]
        )
    parsed: list[int] = []
    document = ListedNotes.document

    def counted(self: ListedNotes, number: int) -> dict[str, Any]:
        parsed.append(number)
        return document(self, number)

    monkeypatch.setattr(ListedNotes, "document", counted)
    with open_db() as svc:
        assert svc.count() == 60
        views = svc.note_views()
        assert parsed == []  # counted, sorted and listed: nothing parsed
        top = [views[n].title for n in range(5)]
        assert len(parsed) == 5
        assert [note.title for note in views] == top + [note.title for note in views][5:]
        assert len(parsed) == 60  # each note parsed once, however often it is read


def test_saves_after_a_light_open_fold_into_the_same_file_a_full_parse_would_write(open_db: Opener) -> None:
    with open_db() as svc:
        notes = [svc.add(make_note(title=f"note {n}")) for n in range(12)]
        svc.store.flush()
    with open_db() as svc:
        assert svc.store.listed_notes() is not None
        changed = svc.get(notes[3].id)
        changed.title = 'edited, with "quotes" and {braces}'
        svc.update(changed)
        svc.delete(notes[5].id)
        added = svc.add(make_note(title="added =1+1"))
        titles = sorted(note.title for note in svc.note_views())
        assert svc.store.journal_bytes > 0
    # The app read every note, so it folded when it closed: the main file alone has them all.
    assert not open_db.path.with_name(open_db.path.name + ".journal").exists()
    assert open_db.main_titles() == titles
    with open_db() as svc:
        listed = svc.store.listed_notes()
        assert listed is not None and listed.docs == []  # the new file is listed whole
        assert sorted(note.title for note in svc.note_views()) == titles
        assert svc.get(added.id).title == "added =1+1"


def plain_tinydb_titles(path: Path) -> list[str]:
    """The notes' titles as plain TinyDB reads the main file alone."""
    tiny = TinyDB(path)
    try:
        return sorted(doc["title"] for doc in tiny.table("notes").all())
    finally:
        tiny.close()


def folded(db_path: Path, *titles: str) -> None:
    """A database of notes with these titles, folded: its main file listed by its sidecar."""
    with FieldNotes.open(db_path) as svc:
        for title in titles:
            svc.add(make_note(title=title))
        svc.store.flush()


def changed_in_place(db_path: Path) -> None:
    """Three notes folded, then the file changed in place (see `shifted_in_place`)."""
    folded(db_path, "aa-first", "middle", "b-last")
    shifted_in_place(db_path, b'"aa-first"', b'"a-first"', b'"b-last"', b'"bb-last"')


def added_and_flushed(db_path: Path) -> None:
    """`fieldnotes add` then `fieldnotes flush`: a note saved and folded, the index never read."""
    with Store(db_path) as store:
        store.put_note(make_note(title="added").to_dict())
        store.flush()


def shifted_in_place(path: Path, old: bytes, new: bytes, old2: bytes, new2: bytes) -> None:
    """Rewrite the file in place, the same size and modification time, with two notes'
    texts changed so that the notes between them move by a byte: a listing that trusted
    the file's stat would now point into the wrong bytes."""
    stat = path.stat()
    raw = path.read_bytes()
    changed = raw.replace(old, new, 1).replace(old2, new2, 1)
    assert len(changed) == len(raw) and changed != raw
    with open(path, "r+b") as handle:
        handle.write(changed)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_ino == stat.st_ino and path.stat().st_mtime_ns == stat.st_mtime_ns


def test_a_file_changed_in_place_is_never_read_by_its_old_listing(db_path: Path) -> None:
    changed_in_place(db_path)
    svc = FieldNotes.open(db_path)
    saved = svc.add(make_note(title="saved in this session"))  # in the journal
    # The bytes are not those the listing was made of (their CRC-32): it is refused, its
    # sidecar removed, and the file read whole.
    titles = sorted(note.title for note in svc.note_views())
    assert titles == ["a-first", "bb-last", "middle", "saved in this session"]
    svc.close()  # folds: from the notes as parsed, never from the refused spans
    assert not db_path.with_name(db_path.name + ".journal").exists()
    assert plain_tinydb_titles(db_path) == titles
    with FieldNotes.open(db_path) as svc:
        assert svc.store.listed_notes() is not None  # listed again, from the new file
        assert svc.get(saved.id).title == "saved in this session"


def test_a_fold_from_a_light_open_after_an_in_place_change_parses_the_file(db_path: Path) -> None:
    changed_in_place(db_path)
    added_and_flushed(db_path)
    assert plain_tinydb_titles(db_path) == ["a-first", "added", "bb-last", "middle"]


def damage_spans(db_path: Path, change: Callable[[list[int]], object]) -> None:
    """Change the spans of the database's sidecar listing in place (the main file intact)."""
    index = sidecar_path(db_path)
    first, body = index.read_bytes().split(b"\n", 1)
    sidecar = Sidecar.from_bytes(body)
    assert sidecar is not None and isinstance(sidecar.listing, str)
    starts, createds, spans, crc = orjson.loads(sidecar.listing)
    change(spans)
    sidecar.listing = orjson.dumps([starts, createds, spans, crc]).decode()
    index.write_bytes(first + b"\n" + sidecar.to_bytes())


def test_a_damaged_listing_is_never_copied_into_the_main_file(db_path: Path) -> None:
    """A sidecar whose spans are well formed but wrong (note two's points at note one): the
    file is intact (its CRC matches), so only the spans' own check stands between a fold and
    a note silently replaced by another."""
    folded(db_path, "one", "two", "three")
    damage_spans(db_path, lambda spans: spans.__setitem__(slice(2, 4), spans[0:2]))
    added_and_flushed(db_path)
    assert plain_tinydb_titles(db_path) == ["added", "one", "three", "two"]


def test_a_listing_whose_spans_miss_their_notes_is_never_copied_when_only_records_changed(
    db_path: Path,
) -> None:
    """A fold that changed records only copies every note as one run, from the first span's
    start to the last one's end: a sidecar (the file intact) whose first span starts inside
    its note would cut the file. The spans' check refuses it; the notes are parsed instead."""
    folded(db_path, "one", "two", "three")
    damage_spans(db_path, lambda spans: spans.__setitem__(0, spans[0] + 1))
    with Store(db_path) as store:
        store.put_records("codes", [{"guid": "g-1", "name": "legitimacy"}])  # no note changed
        store.flush()
    assert plain_tinydb_titles(db_path) == ["one", "three", "two"]
    with TinyDB(db_path) as tiny:
        assert [doc["name"] for doc in tiny.table("codes").all()] == ["legitimacy"]


def test_a_file_replaced_while_it_is_parsed_never_gets_the_old_files_index(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A git checkout or a sync tool (they take no lock) replaces the file while a process
    parses it: the index written after is the file that was read, by that file's inode, so
    it is never taken for the new one."""
    folded(db_path, "one", "two", "three")
    other = db_path.with_name("other.json")
    tables = orjson.loads(db_path.read_bytes())
    next(iter(tables[NOTES].values()))["body"] = "a much longer body, written on the other branch " * 3
    other.write_bytes(orjson.dumps(tables))
    sidecar_path(db_path).unlink()  # so the next open parses the file whole and writes one
    parse = durable.parse_main

    def parse_while_replaced(raw: bytes, path: Path) -> Any:
        if other.exists():
            os.replace(other, db_path)  # the checkout lands mid-parse
        return parse(raw, path)

    monkeypatch.setattr(durable, "parse_main", parse_while_replaced)
    engine = DurableStorage(db_path)
    engine.load(full=True)
    monkeypatch.setattr(durable, "parse_main", parse)
    with FieldNotes.open(db_path) as svc:  # the app on the new file: adds, and folds
        svc.add(make_note(title="added"))
        svc.store.flush()
    tiny = TinyDB(db_path)
    docs = tiny.table("notes").all()
    tiny.close()
    assert sorted(doc["title"] for doc in docs) == ["added", "one", "three", "two"]
    assert max(len(doc["body"]) for doc in docs) > 100  # the new file's text, whole


def test_a_file_another_program_wrote_is_parsed_whole_until_fieldnotes_writes_it(db_path: Path) -> None:
    with FieldNotes.open(db_path) as svc:
        svc.add(make_note(title="written by fieldnotes"))
        svc.store.flush()
    tables = orjson.loads(db_path.read_bytes())
    db_path.write_text(json.dumps(tables, indent=4), encoding="utf-8")  # as TinyDB with indent=4 writes
    with FieldNotes.open(db_path) as svc:
        assert svc.store.listed_notes() is None
        assert [note.title for note in svc.note_views()] == ["written by fieldnotes"]
        svc.add(make_note(title="second"))
    with FieldNotes.open(db_path) as svc:
        assert svc.store.listed_notes() is not None
        assert sorted(note.title for note in svc.note_views()) == ["second", "written by fieldnotes"]


def test_a_sidecar_of_the_earlier_format_is_rebuilt_with_a_listing(db_path: Path) -> None:
    with FieldNotes.open(db_path) as svc:
        svc.add(make_note(title="kept"))
        svc.store.flush()
    index = sidecar_path(db_path)
    stat = db_path.stat()
    old = orjson.loads(index.read_bytes().split(b"\n", 1)[1])
    old = {key: old[key] for key in ("main", "gen", "records", "notes")} | {"version": 1}
    index.write_bytes(
        b"FIELDNOTES-INDEX %d %d %d\n" % (stat.st_ino, stat.st_size, stat.st_mtime_ns) + orjson.dumps(old)
    )
    with FieldNotes.open(db_path) as svc:
        assert [note.title for note in svc.note_views()] == ["kept"]
    assert index.read_bytes().startswith(b"FIELDNOTES-INDEX %d " % SIDECAR_VERSION)
    with FieldNotes.open(db_path) as svc:
        assert svc.store.listed_notes() is not None


def test_a_sidecar_whose_listing_cannot_be_read_is_rebuilt(db_path: Path) -> None:
    with FieldNotes.open(db_path) as svc:
        svc.add(make_note(title="kept"))
        svc.store.flush()
    index = sidecar_path(db_path)
    first, body = index.read_bytes().split(b"\n", 1)
    sidecar = Sidecar.from_bytes(body)
    assert sidecar is not None
    sidecar.listing = "[[], [], []]"  # a listing of another shape (an earlier build's)
    index.write_bytes(first + b"\n" + sidecar.to_bytes())
    with FieldNotes.open(db_path) as svc:
        assert [note.title for note in svc.note_views()] == ["kept"]  # read whole
    with FieldNotes.open(db_path) as svc:
        assert svc.store.listed_notes() is not None  # and listed again


def _light_fold(path: Path, *, chunk: int = 1) -> dict[str, Any]:
    """Thirty notes folded; then, after a light load, a codebook entry saved and one note
    edited in the middle; folded again with runs of notes copied from `chunk` bytes up.
    Returns the tables a full parse of the result must give."""
    writer = DurableStorage(path)
    writer.load(full=True)
    writer.apply(
        {"set": {NOTES: {str(n): note_doc(n, {"title": f'note {n} \u05d0 "q"'}) for n in range(1, 31)}}}
    )
    writer.fold()
    expected = full_tables(path)
    engine = DurableStorage(path)
    engine.load(full=False)
    engine.apply({"set": {"codes": {"1": {"name": "legitimacy", "guid": "g"}}}})
    edited = note_doc(12, {"title": "edited"})
    engine.apply({"set": {NOTES: {"12": edited}}})
    expected.setdefault("codes", {})["1"] = {"name": "legitimacy", "guid": "g"}
    expected[NOTES]["12"] = edited
    with mock.patch.object(durable, "_WRITE_CHUNK", chunk):
        engine.fold()
    assert not engine.full
    return expected


def full_tables(path: Path) -> dict[str, Any]:
    engine = DurableStorage(path)
    engine.load(full=True)
    return {name: dict(table) for name, table in engine.tables.items()}


def assert_written_as_orjson(path: Path, expected: dict[str, Any]) -> None:
    """The main file alone is exactly orjson's dump of the tables, notes last, and listed."""
    raw = path.read_bytes()
    records = {name: table for name, table in expected.items() if name != NOTES}
    assert raw == orjson.dumps({**records, NOTES: expected[NOTES]})
    assert plain_tinydb_titles(path) == sorted(doc["title"] for doc in expected[NOTES].values())
    engine = DurableStorage(path)
    engine.load(full=False)
    listed = engine.listed_notes()
    assert listed is not None and listed_docs(listed) == {d["id"]: d for d in expected[NOTES].values()}


@pytest.mark.skipif(not hasattr(os, "copy_file_range"), reason="the kernel copy is Linux's")
def test_a_light_fold_copies_the_notes_it_left_alone_inside_the_kernel(tmp_path: Path) -> None:
    path = tmp_path / "notes.json"
    calls: list[int] = []
    real = os.copy_file_range

    def counted(source: int, target: int, count: int, offset_src: int | None = None, *rest: Any) -> int:
        calls.append(count)
        return real(source, target, count, offset_src, *rest)

    with mock.patch.object(os, "copy_file_range", counted):
        expected = _light_fold(path)
    # Two runs copied (the notes before the edited one, those after it), the edit written.
    assert len(calls) == 2
    assert_written_as_orjson(path, expected)


def _partial_copy(source: int, target: int, count: int, offset_src: int | None = None, *rest: Any) -> int:
    """A kernel copy that stops short: a few bytes, then nothing (as at an early end of file)."""
    if count > 5:
        return os.write(target, os.pread(source, 5, offset_src or 0))
    return 0


def _refused_copy(*args: Any) -> int:
    raise OSError(18, "Invalid cross-device link")


@pytest.mark.parametrize(
    "copy",
    [None, _refused_copy, _partial_copy],
    ids=["no kernel copy (macOS)", "refused by the file system", "stops short"],
)
def test_a_light_fold_writes_from_memory_what_the_kernel_did_not_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, copy: Any
) -> None:
    if copy is None:
        monkeypatch.delattr(os, "copy_file_range", raising=False)
    else:
        monkeypatch.setattr(os, "copy_file_range", copy, raising=False)
    path = tmp_path / "notes.json"
    expected = _light_fold(path)
    assert_written_as_orjson(path, expected)


def test_the_copier_copies_nothing_from_a_file_that_is_not_the_listed_one(tmp_path: Path) -> None:
    listed = tmp_path / "notes.json"
    listed.write_bytes(b'{"notes":{}}')
    stamp = durable._fd_stamp(listed)
    listed.write_bytes(b'{"notes":{"1":{}}}')  # another content since it was listed
    target = os.open(tmp_path / "out", os.O_WRONLY | os.O_CREAT, 0o600)
    copier = durable._Copier(listed, stamp, target, lambda: None)
    try:
        assert copier(0, 5) == 0
        assert copier(0, 5) == 0  # and it does not try again
    finally:
        copier.close()
        os.close(target)
    assert (tmp_path / "out").read_bytes() == b""


def _zeros_copy(source: int, target: int, count: int, offset_src: int | None = None, *rest: Any) -> int:
    """A kernel copy that says it copied and wrote zeros (as block cloning on OpenZFS 2.2.0
    did): what it wrote must be caught, and written again from the checked bytes."""
    return os.write(target, bytes(count))


def _file_changed_copy(
    source: int, target: int, count: int, offset_src: int | None = None, *rest: Any
) -> int:
    """The source file rewritten in place (same size and time) by another program while
    the fold copies it: the copy carries its bytes, not those the fold checked."""
    data = bytearray(os.pread(source, count, offset_src or 0))
    data[len(data) // 2] ^= 1
    return os.write(target, bytes(data))


@pytest.mark.parametrize("copy", [_zeros_copy, _file_changed_copy], ids=["zeros", "changed in place"])
def test_a_kernel_copy_that_went_wrong_is_written_again_from_the_checked_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, copy: Any
) -> None:
    monkeypatch.setattr(os, "copy_file_range", copy, raising=False)
    path = tmp_path / "notes.json"
    expected = _light_fold(path)
    assert_written_as_orjson(path, expected)
