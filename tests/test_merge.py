"""Merging two copies of a database: nothing either side had is lost, and the merge is
symmetric, idempotent and convergent.

The properties run on tables in memory, edited the way the service edits them (every
change stamped with `revisions.stamp`, every delete leaving a tombstone), so that
thousands of edit sequences run in seconds. `test_service_copies_*` run the same
merge on real database files.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldnotes.merge.core import NOTES, MergeResult, Tables, merge_tables
from fieldnotes.merge.docs import merge_lists
from fieldnotes.merge.revisions import (
    CONFLICTS,
    TOMBSTONES,
    compute_rev,
    content,
    rev_of,
    stamp,
    tombstone,
)
from fieldnotes.model import Note
from fieldnotes.text import dedupe_tags, tag_key
from tests.conftest import ODD_TEXTS

SCALARS = ("title", "body", "memo", "location", "private")
LISTS = ("organizations", "codes", "people")
FOUND = "2016-02-01T00:00:00"
VALUES = st.sampled_from([*ODD_TEXTS, "Alpha", "Beta", "İstanbul ıi", "e\u0301", "𝔸 astral", "x" * 2000])
TAGS = st.sampled_from(["Harbor", "harbor ", "Lakeside", "trust", "care", "P-01", "🎉 party", "İ"])


# ------------------------------------------------------------------ tables
def note_doc(index: int, **fields: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"title": f"note {index}", **fields}
    for name in LISTS:  # tags as the service saves them: trimmed, one spelling each
        values[name] = dedupe_tags(values.get(name, []))
    note = Note("meeting", start="2016-01-17T08:30", id=f"note-{index}", **values)
    return {**note.to_dict(), "created": "2016-01-01T00:00:00", "updated": "2016-01-01T00:00:00"}


def tables_of(notes: dict[str, dict[str, Any]], tombs: dict[str, dict[str, Any]] | None = None) -> Tables:
    out: Tables = {NOTES: {str(i): doc for i, doc in enumerate(notes.values(), start=1)}}
    out[TOMBSTONES] = {str(i): t for i, t in enumerate((tombs or {}).values(), start=1)}
    return out


@st.composite
def base_notes(draw: st.DrawFn) -> dict[str, dict[str, Any]]:
    count = draw(st.integers(1, 4))
    out = {}
    for index in range(count):
        fields = {name: draw(VALUES) for name in draw(st.lists(st.sampled_from(SCALARS), max_size=3))}
        fields.update({name: draw(st.lists(TAGS, max_size=3, unique_by=tag_key)) for name in LISTS})
        doc = note_doc(index, **fields)
        out[doc["id"]] = stamp(doc, None, "base")
    return out


OPS = st.one_of(
    st.tuples(st.just("set"), st.integers(0, 5), st.sampled_from(SCALARS), VALUES),
    st.tuples(st.just("tag"), st.integers(0, 5), st.sampled_from(LISTS), TAGS),
    st.tuples(st.just("untag"), st.integers(0, 5), st.sampled_from(LISTS), st.integers(0, 5)),
    st.tuples(st.just("delete"), st.integers(0, 5), st.just(""), st.just("")),
    st.tuples(st.just("add"), st.integers(0, 5), st.sampled_from(SCALARS), VALUES),
)


class Copy:
    """One copy of the database, edited as the service edits it."""

    def __init__(self, name: str, notes: dict[str, dict[str, Any]]) -> None:
        self.name = name
        self.notes = copy.deepcopy(notes)
        self.tombs: dict[str, dict[str, Any]] = {}
        # every content each note had on this copy: what this copy "has seen"
        self.versions: dict[str, list[dict[str, Any]]] = {k: [content(v)] for k, v in notes.items()}
        # for each field of each note, the version that set its current value
        self.set_at = {k: dict.fromkeys(content(v), content(v)) for k, v in notes.items()}
        self.clock = 0
        self.added = 0

    def now(self) -> str:
        self.clock += 1
        return f"2016-01-{2 + self.clock // 60:02d}T00:{self.clock % 60:02d}:00"

    def save(self, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        new = {**new, **{name: dedupe_tags(new[name]) for name in LISTS}}
        saved = self.notes[new["id"]] = stamp({**new, "updated": self.now()}, old, self.name)
        self.versions.setdefault(new["id"], []).append(content(saved))
        fields = self.set_at.setdefault(new["id"], {})
        for name, value in content(saved).items():
            if old is None or content(old).get(name) != value:
                fields[name] = content(saved)

    def apply(self, op: tuple[str, int, str, Any]) -> None:
        kind, index, name, value = op
        if kind == "add":
            self.added += 1
            doc = note_doc(0, **{name: value})
            doc["id"] = f"{self.name}-new-{self.added}"
            self.save(doc, None)
            return
        ids = sorted(self.notes)
        if not ids:
            return
        old = self.notes[ids[index % len(ids)]]
        if kind == "set":
            self.save({**old, name: value}, old)
        elif kind == "tag" and tag_key(value) not in {tag_key(t) for t in old[name]}:
            self.save({**old, name: [*old[name], value]}, old)
        elif kind == "untag" and old[name]:
            kept = [t for i, t in enumerate(old[name]) if i != value % len(old[name])]
            self.save({**old, name: kept}, old)
        elif kind == "delete":
            del self.notes[old["id"]]
            mark = tombstone("notes", old["id"], old, author=self.name, when=self.now())
            self.tombs[mark["guid"]] = mark

    def tables(self) -> Tables:
        return tables_of(self.notes, self.tombs)


def notes_of(tables: Tables) -> dict[str, dict[str, Any]]:
    return {doc["id"]: doc for doc in tables.get(NOTES, {}).values()}


def conflicts_of(tables: Tables) -> dict[str, dict[str, Any]]:
    return {doc["guid"]: doc for doc in tables.get(CONFLICTS, {}).values()}


def merged(a: Tables, b: Tables, base: Tables | None = None) -> MergeResult:
    return merge_tables(copy.deepcopy(a), copy.deepcopy(b), copy.deepcopy(base), found=FOUND, author="merger")


# --------------------------------------------------------------- invariant
def in_conflict(conflicts: dict[str, dict[str, Any]], note_id: str, name: str, value: Any) -> bool:
    return any(
        c["key"] == note_id and c["field"] == name and any(v["value"] == value for v in c["values"])
        for c in conflicts.values()
    )


def check_nothing_lost(
    side: Copy, other: Copy, base: dict[str, dict[str, Any]], result: Tables, *, with_base: bool
) -> None:
    """Every value `side` has is in the result (note or conflict), unless the other side had
    that very version and then changed or deleted it; every change only `side` made is in
    the result as it is."""
    notes, conflicts = notes_of(result), conflicts_of(result)
    for note_id, mine in side.notes.items():
        common, theirs, out = base.get(note_id), other.notes.get(note_id), notes.get(note_id)
        seen = content(mine) in other.versions.get(note_id, [])  # the other side moved on from it
        if out is None:  # only a delete, on the other side, of a version it had seen
            assert theirs is None and seen, note_id
            continue
        for name, value in content(mine).items():
            # the other side had the version that set this value, and changed it since
            replaced = side.set_at[note_id][name] in other.versions.get(note_id, [])
            if isinstance(value, list):
                kept = {tag_key(t) for t in out[name]}
                for tag in value:
                    removed = (
                        with_base
                        and common is not None
                        and theirs is not None
                        and tag_key(tag) in {tag_key(t) for t in common[name]}
                        and tag_key(tag) not in {tag_key(t) for t in theirs[name]}
                    )
                    assert tag_key(tag) in kept or removed or replaced, (note_id, name, tag)
                continue
            assert out.get(name) == value or replaced or in_conflict(conflicts, note_id, name, value), (
                note_id,
                name,
            )
            changed_here = common is None or value != common.get(name)
            unchanged_there = theirs is None or common is None or theirs.get(name) == common.get(name)
            if changed_here and unchanged_there and theirs is not None and not replaced:
                assert out.get(name) == value, (note_id, name)  # a one-sided change is taken as is
        if theirs is None and common is not None and not seen:  # edited here, deleted there: flagged
            assert any(c["key"] == note_id and c["kind"] == "deleted" for c in conflicts.values())


SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


@SETTINGS
@given(
    base=base_notes(),
    ops_a=st.lists(OPS, max_size=8),
    ops_b=st.lists(OPS, max_size=8),
    with_base=st.booleans(),
)
def test_nothing_either_side_had_is_lost(
    base: dict[str, dict[str, Any]], ops_a: list[Any], ops_b: list[Any], with_base: bool
) -> None:
    a, b = Copy("alice", base), Copy("bob", base)
    for op in ops_a:
        a.apply(op)
    for op in ops_b:
        b.apply(op)
    common = tables_of(base) if with_base else None
    result = merged(a.tables(), b.tables(), common).tables
    check_nothing_lost(a, b, base, result, with_base=with_base)
    check_nothing_lost(b, a, base, result, with_base=with_base)


@SETTINGS
@given(base=base_notes(), ops_a=st.lists(OPS, max_size=8), ops_b=st.lists(OPS, max_size=8))
def test_merge_is_commutative_and_idempotent(
    base: dict[str, dict[str, Any]], ops_a: list[Any], ops_b: list[Any]
) -> None:
    a, b = Copy("alice", base), Copy("bob", base)
    for op in ops_a:
        a.apply(op)
    for op in ops_b:
        b.apply(op)
    ab, ba = merged(a.tables(), b.tables()).tables, merged(b.tables(), a.tables()).tables
    assert notes_of(ab) == notes_of(ba)
    assert conflicts_of(ab) == conflicts_of(ba)
    tombs = lambda t: {d["guid"]: d for d in t.get(TOMBSTONES, {}).values()}  # noqa: E731
    assert tombs(ab) == tombs(ba)
    for again in (b.tables(), a.tables(), ab):
        second = merged(ab, again)
        assert not second.report.changed and second.tables == ab
        assert second.report.total().added == second.report.total().updated == 0


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(base=base_notes(), rounds=st.lists(st.tuples(st.integers(0, 2), OPS, st.integers(0, 2)), max_size=25))
def test_three_devices_that_sync_in_any_order_converge(
    base: dict[str, dict[str, Any]], rounds: list[tuple[int, Any, int]]
) -> None:
    """Edits on three copies with merges between them in any order: once each has merged
    the others, all three hold the same notes, tombstones and conflicts."""
    devices = [Copy(name, base) for name in ("laptop", "desktop", "colleague")]
    tables = [device.tables() for device in devices]

    def sync(into: int, source: int) -> None:
        if into != source:
            tables[into] = merged(tables[into], tables[source]).tables
            devices[into].notes = notes_of(tables[into])
            devices[into].tombs = {d["guid"]: d for d in tables[into].get(TOMBSTONES, {}).values()}

    for editor, op, partner in rounds:
        devices[editor].apply(op)
        tables[editor] = {**tables[editor], **devices[editor].tables()}
        sync(partner, editor)
    for _ in range(2):
        for into in range(3):
            for source in range(3):
                sync(into, source)
    first = tables[0]
    for other in tables[1:]:
        assert notes_of(other) == notes_of(first)
        assert conflicts_of(other) == conflicts_of(first)


# ------------------------------------------------------------ the rules, one by one
def two_copies() -> tuple[Copy, Copy, dict[str, dict[str, Any]]]:
    base = {"note-0": stamp(note_doc(0, body="base body", codes=["trust"], people=["Dana"]), None, "base")}
    return Copy("alice", base), Copy("bob", base), base


def test_different_fields_changed_on_each_side_both_land() -> None:
    a, b, _ = two_copies()
    a.save({**a.notes["note-0"], "title": "Alice's title"}, a.notes["note-0"])
    b.save({**b.notes["note-0"], "body": "Bob's body"}, b.notes["note-0"])
    result = merged(a.tables(), b.tables())
    note = notes_of(result.tables)["note-0"]
    assert (note["title"], note["body"]) == ("Alice's title", "Bob's body")
    assert not conflicts_of(result.tables)
    assert result.report.notes.updated == 1 and result.report.notes.conflicted == 0


def test_the_same_field_changed_differently_is_a_conflict_with_both_values() -> None:
    a, b, _ = two_copies()
    a.save({**a.notes["note-0"], "body": "Alice's body"}, a.notes["note-0"])
    b.clock = 10  # bob saved later
    b.save({**b.notes["note-0"], "body": "Bob's body"}, b.notes["note-0"])
    result = merged(a.tables(), b.tables())
    (conflict,) = conflicts_of(result.tables).values()
    assert {v["value"] for v in conflict["values"]} == {"Alice's body", "Bob's body"}
    assert {v["author"] for v in conflict["values"]} == {"alice", "bob"}
    assert all(v["when"] for v in conflict["values"])
    assert notes_of(result.tables)["note-0"]["body"] == conflict["kept"] == "Bob's body"  # the newer
    assert result.report.notes.conflicted == 1


def test_list_fields_merge_as_sets_and_a_removal_needs_the_base_to_go() -> None:
    a, b, base = two_copies()
    a.save({**a.notes["note-0"], "codes": ["trust", "care"]}, a.notes["note-0"])
    b.save({**b.notes["note-0"], "codes": ["legitimacy"]}, b.notes["note-0"])  # removed trust
    without = notes_of(merged(a.tables(), b.tables()).tables)["note-0"]["codes"]
    assert {tag_key(c) for c in without} == {"trust", "care", "legitimacy"}
    with_base = notes_of(merged(a.tables(), b.tables(), tables_of(base)).tables)["note-0"]["codes"]
    assert {tag_key(c) for c in with_base} == {"care", "legitimacy"}


def test_a_delete_against_an_edit_keeps_the_edit_and_flags_it() -> None:
    a, b, _ = two_copies()
    a.apply(("delete", 0, "", ""))
    b.save({**b.notes["note-0"], "body": "edited after all"}, b.notes["note-0"])
    for result in (merged(a.tables(), b.tables()), merged(b.tables(), a.tables())):
        assert notes_of(result.tables)["note-0"]["body"] == "edited after all"
        (conflict,) = conflicts_of(result.tables).values()
        assert conflict["kind"] == "deleted"
        assert {v["author"] for v in conflict["values"]} == {"alice", "bob"}


def test_a_delete_of_an_unchanged_note_deletes_it_and_keeps_the_tombstone() -> None:
    a, b, _ = two_copies()
    a.apply(("delete", 0, "", ""))
    result = merged(b.tables(), a.tables())
    assert notes_of(result.tables) == {}
    assert result.report.notes.deleted == 1
    (tomb,) = result.tables[TOMBSTONES].values()
    assert tomb["key"] == "note-0" and tomb["author"] == "alice" and tomb["when"]


def test_a_tombstone_tells_a_delete_from_never_had_it() -> None:
    a, b, _ = two_copies()
    b.apply(("add", 0, "body", "only bob has this"))
    result = merged(a.tables(), b.tables())  # alice never had bob's new note: it is added
    assert any(doc["body"] == "only bob has this" for doc in notes_of(result.tables).values())
    a.apply(("delete", 0, "", ""))  # alice deleted note-0, which bob still has unchanged
    result = merged(a.tables(), b.tables())
    assert "note-0" not in notes_of(result.tables)


def test_copies_from_before_revisions_merge_with_conflicts_not_losses() -> None:
    plain = note_doc(0, body="old body")
    mine = {**plain, "title": "my title"}
    theirs = {**plain, "body": "their body"}
    result = merged(tables_of({"note-0": mine}), tables_of({"note-0": theirs}))
    note = notes_of(result.tables)["note-0"]
    conflicts = conflicts_of(result.tables)
    for name, value in (
        ("title", "my title"),
        ("body", "their body"),
        ("title", "note 0"),
        ("body", "old body"),
    ):
        assert note[name] == value or in_conflict(conflicts, "note-0", name, value)
    with_base = merged(
        tables_of({"note-0": mine}), tables_of({"note-0": theirs}), tables_of({"note-0": plain})
    )
    note = notes_of(with_base.tables)["note-0"]
    assert (note["title"], note["body"]) == ("my title", "their body")
    assert not conflicts_of(with_base.tables)


def test_an_old_copy_never_edited_since_is_recognised_as_an_ancestor() -> None:
    plain = note_doc(0, body="old body")  # saved before revisions existed
    edited = stamp({**plain, "body": "new body"}, plain, "alice")
    result = merged(tables_of({"note-0": plain}), tables_of({"note-0": edited}))
    assert notes_of(result.tables)["note-0"]["body"] == "new body"
    assert not conflicts_of(result.tables)


def test_putting_back_an_old_text_is_a_new_version_not_the_old_one() -> None:
    """ABA: a value changed and changed back must not be mistaken for the version before."""
    a, b, _ = two_copies()
    first = a.notes["note-0"]
    a.save({**first, "body": "changed"}, first)
    b_tables = merged(b.tables(), a.tables()).tables  # bob has "changed"
    back = a.notes["note-0"]
    a.save({**back, "body": "base body"}, back)  # alice puts the old text back
    assert rev_of(a.notes["note-0"]) != rev_of(first)
    result = merged(b_tables, a.tables())
    assert notes_of(result.tables)["note-0"]["body"] == "base body"


def test_the_same_edit_on_two_devices_is_the_same_version() -> None:
    a, b, _ = two_copies()
    a.save({**a.notes["note-0"], "body": "same"}, a.notes["note-0"])
    b.save({**b.notes["note-0"], "body": "same"}, b.notes["note-0"])
    assert rev_of(a.notes["note-0"]) == rev_of(b.notes["note-0"])
    result = merged(a.tables(), b.tables())
    assert not conflicts_of(result.tables) and not result.report.notes


def test_rev_ignores_stamps_and_bookkeeping_but_not_content() -> None:
    doc = note_doc(0, body="x")
    assert compute_rev(content({**doc, "updated": "later", "author": "z"}), []) == rev_of(doc)
    assert compute_rev(content({**doc, "body": "y"}), []) != rev_of(doc)
    assert compute_rev(content(doc), ["p1", "p2"]) == compute_rev(content(doc), ["p2", "p1"])


def test_merge_lists_keeps_one_spelling_per_name() -> None:
    assert merge_lists(["Harbor", "trust"], ["harbor ", "care"], None) == ["Harbor", "trust", "care"]
    assert merge_lists(["a", "b"], ["b", "c"], ["a", "b", "c"]) == ["b"]
