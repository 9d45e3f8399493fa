"""Property: any notes survive `export nvivo` -> `import` unchanged, field for field."""

from __future__ import annotations

import csv
import io
import tempfile
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldnotes.export.common import OrgTypes, looks_like_formula
from fieldnotes.export.job import Protections
from fieldnotes.export.nvivo import NOTE_HEADER, _minutes, codebook_table, note_cells, organizations_table
from fieldnotes.export.sheets import csv_line, csv_line_checked
from fieldnotes.model import (
    CONSENT_TYPES,
    EVENT_TYPES,
    GUID_NAMESPACE,
    INTERVIEW_FORMATS,
    Code,
    Note,
    Organization,
    stable_guid,
    stable_guids,
)
from fieldnotes.service import FieldNotes
from fieldnotes.text import tag_key
from tests.conftest import make_note

TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=80) | st.sampled_from(
    ["=1+1", "+x", "-y", "@z", 'a "quoted", text', "line\nbreak\r\nand\rcr", "¶", " ¶ ", "ש"]
)
TAG = st.text(st.characters(exclude_categories=("Cs",), exclude_characters=";\r\n"), min_size=1, max_size=20)
TITLE = TEXT.filter(lambda t: t.strip())


@st.composite
def notes(draw: st.DrawFn) -> Note:
    kind = draw(st.sampled_from(["meeting", "event", "interview"]))
    start = datetime(2015, 6, 1) + timedelta(minutes=draw(st.integers(0, 60 * 24 * 365)))
    end = start + timedelta(minutes=draw(st.integers(0, 600))) if draw(st.booleans()) else None
    note = Note(
        kind=kind,
        title=draw(TITLE),
        start=f"{start:%Y-%m-%dT%H:%M}",
        end=f"{end:%Y-%m-%dT%H:%M}" if end else None,
        location=draw(TEXT),
        organizations=draw(st.lists(TAG, max_size=3)),
        codes=draw(st.lists(TAG, max_size=3)),
        people=draw(st.lists(TAG, max_size=3)),
        body=draw(TEXT),
        memo=draw(TEXT),
        followups=draw(TEXT),
        private=draw(TEXT),
    )
    if kind == "meeting":
        note.host, note.agenda = draw(TEXT), draw(TEXT)
    elif kind == "event":
        note.event_type = draw(st.sampled_from(["", *EVENT_TYPES]))
        note.organizers = draw(st.lists(TAG, max_size=2))
    else:
        note.informant, note.informant_role = draw(TEXT), draw(TEXT)
        note.interview_format = draw(st.sampled_from(["", *INTERVIEW_FORMATS]))
        note.consent = draw(st.sampled_from(["", *CONSENT_TYPES]))
        note.recording_ref = draw(TEXT)
    return note


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(notes(), min_size=1, max_size=4))
def test_any_notes_survive_export_and_import(batch: list[Note]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with FieldNotes.open(folder / "a.json") as source:
            source.upsert_many(batch)
            saved = {note.id: note for note in source.notes()}
            source.export_nvivo(
                folder / "out", protections=Protections(include_private=True, include_unconsented=True)
            )
        with FieldNotes.open(folder / "b.json") as target:
            report = target.import_notes(folder / "out" / "notes.csv")
            assert report.added == len(saved)
            assert {note.id: note for note in target.notes()} == saved


@settings(max_examples=1000, deadline=None)
@given(
    kind=st.sampled_from(["date", "time", "datetime", "stamp"]),
    value=st.one_of(
        st.text(st.sampled_from("0123456789-: T"), max_size=20),
        st.datetimes().map(lambda d: d.strftime("%Y-%m-%d %H:%M:%S")),
        st.datetimes().map(lambda d: d.strftime("%Y-%m-%d %H:%M")),
        st.dates().map(str),
    ),
)
def test_xlsx_reads_a_date_cell_exactly_as_strptime_would(kind: str, value: str) -> None:
    """The fast ISO path for typed xlsx cells gives what strptime gives, and refuses what it refuses."""
    from fieldnotes.export.sheets import DATE_FORMATS, _typed

    def reference() -> object:
        parsed = datetime.strptime(value, DATE_FORMATS[kind][0])
        return parsed.date() if kind == "date" else parsed.time() if kind == "time" else parsed

    try:
        expected: object = reference()
    except ValueError:
        expected = ValueError
    try:
        got: object = _typed(value, kind)
    except ValueError:
        got = ValueError
    assert got == expected


@given(st.lists(st.lists(TEXT, max_size=6), max_size=5))
@settings(max_examples=500, deadline=None)
def test_a_csv_row_is_what_the_csv_module_writes(rows: list[list[str]]) -> None:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    for cells in rows:
        writer.writerow(cells)
    assert "".join(csv_line(cells) for cells in rows) == buffer.getvalue()
    # And it reads back cell for cell.
    assert [row for row in csv.reader(io.StringIO("".join(map(csv_line, rows)), newline="")) if row] == [
        cells for cells in rows if cells
    ]


# Cells made of what the quick formula test looks at: separators, quotes, formula characters.
FORMULA_CELL = st.text(st.sampled_from(['"', ",", "=", "+", "-", "@", "a", " ", "\n"]), max_size=8) | TEXT


@given(st.lists(FORMULA_CELL, max_size=8))
@settings(max_examples=2000, deadline=None)
def test_the_quick_formula_test_never_misses_a_formula(cells: list[str]) -> None:
    """`write_csv` looks at a row's cells one by one only when the joined row's one search
    says a formula may be there: a miss would write a formula unreported (and, with
    --excel-safe, unneutralised)."""
    line, maybe = csv_line_checked(cells)
    assert line == csv_line(cells)
    if any(looks_like_formula(cell) for cell in cells):
        assert maybe
    if not any('"' in cell or looks_like_formula(cell) for cell in cells):
        assert not maybe  # and it says so only for a formula, or a cell holding a quote


@given(st.lists(st.text(st.characters(exclude_categories=("Cs",))), min_size=1, max_size=4))
def test_stable_guids_are_the_version_5_uuids_of_their_parts(parts: list[str]) -> None:
    """Old exports' GUIDs stay valid: a tool re-importing a project matches them."""
    assert stable_guid(*parts) == str(uuid.uuid5(GUID_NAMESPACE, "\x1f".join(parts)))


@settings(max_examples=300)
@given(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=20),
    st.lists(st.text(st.characters(exclude_categories=("Cs",))), max_size=40),
)
def test_guids_made_together_are_each_part_s_stable_guid(first: str, rests: list[str]) -> None:
    """The exports make a block's GUIDs at once (their digests laid out a column at a time):
    each is the version-5 UUID of its parts, as made one by one, in order."""
    assert stable_guids(first, rests) == [stable_guid(first, rest) for rest in rests]


@settings(max_examples=2000)
@given(st.text(st.sampled_from("ab \t\n\r\x00\x01\x08\x0b\x0c\x0e\x1f\x7f é\ufffe\uffff😀")) | st.text())
def test_xml_safe_replaces_exactly_what_xml_cannot_hold(text: str) -> None:
    """The ASCII shortcut changes nothing: the result is the one regular replacement."""
    import re

    from fieldnotes.export.common import xml_safe

    expected = re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "\ufffd", text)
    assert xml_safe(text) == expected
    assert len(xml_safe(text)) == len(text)


@given(
    st.lists(
        st.text(st.characters(exclude_categories=("Cs",))) | st.sampled_from(["…", "\ufeff", "a"]), max_size=8
    )
)
def test_parts_encoded_one_by_one_are_the_joined_text_encoded(parts: list[str]) -> None:
    from fieldnotes.export.xml_writer import utf8

    assert utf8(parts) == "".join(parts).encode("utf-8")


@settings(max_examples=3000)
@given(st.text(st.sampled_from('ab &<>"\t\n\r\x00\x01\x08\x0b\x0c\x0e\x1f\x7f é\ufffe\uffff😀')) | st.text())
def test_the_ascii_shortcut_finds_what_needs_escaping_as_the_patterns_do(text: str) -> None:
    """An ASCII text is looked at through its bytes (`translate`), any other through the
    patterns: either way the same answer, and the value is escaped exactly when it is asked."""
    import re

    from fieldnotes.export.xml_writer import attr_value, needs_attr_escape, needs_text_escape, text_value

    in_attr = re.search('[&<>"\n\r\t\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]', text) is not None
    in_text = re.search("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", text) is not None
    assert (needs_attr_escape(text), needs_text_escape(text)) == (in_attr, in_text)
    assert (attr_value(text) != text) == in_attr
    assert (text_value(text) != text) == in_text


@settings(max_examples=2000)
@given(st.text(st.sampled_from("a &<>\r\n\t\x00\x0b;#é\ufffe😀")) | st.text(), st.booleans())
def test_escaped_text_is_the_entity_translation_of_the_safe_text(text: str, carriage_returns: bool) -> None:
    """The chain of replaces writes what one translation to entities writes."""
    from fieldnotes.export.common import xml_safe
    from fieldnotes.export.xml_writer import escape_text, text_value

    table = {"&": "&amp;", "<": "&lt;", ">": "&gt;"} | ({"\r": "&#13;"} if carriage_returns else {})
    expected = xml_safe(text).translate(str.maketrans(table))
    assert escape_text(text, carriage_returns=carriage_returns) == expected
    if carriage_returns:
        assert text_value(text) == expected


@given(
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59, 999999)),
    st.one_of(
        st.none(), st.integers(min_value=-23 * 60, max_value=23 * 60).map(lambda m: timedelta(minutes=m))
    ),
)
@settings(max_examples=2000)
def test_the_notes_sheets_minutes_are_what_strftime_writes(
    moment: datetime, offset: timedelta | None
) -> None:
    """`_minutes` takes isoformat's fast path; the cells stay strftime's, years before 1000
    (unpadded by strftime) and clock offsets (not shown) included."""
    if offset is not None:
        moment = moment.replace(tzinfo=timezone(offset))
    assert _minutes(moment) == f"{moment:%Y-%m-%d %H:%M}"


@given(
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59)),
    st.integers(min_value=0, max_value=10_000),
)
@settings(max_examples=1000)
def test_a_notes_date_time_and_end_cells_are_what_strftime_writes(start: datetime, minutes: int) -> None:
    """The cells `note_cells` makes of `_minutes`, years before 1000 (shorter) included."""
    start = start.replace(second=0, microsecond=0)
    end = min(start + timedelta(minutes=minutes), datetime(9999, 12, 31, 23, 59))
    note = make_note(start=start.isoformat(timespec="minutes"), end=end.isoformat(timespec="minutes"))
    cells = dict(zip(NOTE_HEADER, note_cells(note, OrgTypes([]), include_private=False), strict=False))
    assert cells["date"] == f"{start:%Y-%m-%d}"
    assert cells["time"] == f"{start:%H:%M}"
    assert cells["end"] == f"{end:%Y-%m-%d %H:%M}"
    assert cells["duration_minutes"] == str(int((end - start).total_seconds() // 60))


@given(
    st.lists(
        st.sampled_from(["Coalition", "coalition ", "Harbor  Rights", "City PD", "Unknown", "İzmir"]),
        max_size=5,
    ),
    st.dictionaries(
        st.sampled_from(["Coalition", "Harbor Rights", "City PD", "İzmir"]),
        st.sampled_from(["", "advocacy", "law enforcement"]),
    ),
)
def test_a_notes_organization_types_are_the_registrys_sorted_once_each(
    orgs: list[str], types: dict[str, str]
) -> None:
    registry = [Organization(name=name, type=kind) for name, kind in types.items()]
    by_key = {tag_key(org.name): org.type for org in registry}
    lookup = OrgTypes(registry)
    note = Note(kind="meeting", title="t", start="2016-01-17T08:30", organizations=orgs)
    expected = sorted({by_key.get(tag_key(name), "") for name in orgs} - {""})
    assert lookup.of(note) == expected
    assert (
        lookup.of(Note(kind="event", title="u", start="2016-01-18T08:30", organizations=list(orgs)))
        == expected
    )


# Spellings of a few names that differ in case and spacing only (one tag key each).
SPELLING = st.sampled_from(
    ["Harbor House", "harbor  house", "HARBOR HOUSE", "Red Umbrella", "red umbrella", "SWOP"]
)
DAY = st.dates(min_value=datetime(1, 1, 1).date(), max_value=datetime(9999, 12, 31).date())


@given(
    st.lists(
        st.tuples(st.sampled_from(["meeting", "event", "interview"]), DAY, st.lists(SPELLING, max_size=4)),
        max_size=25,
    )
)
@settings(max_examples=300, deadline=None)
def test_the_case_and_codebook_sheets_count_every_tag(rows: list[tuple[str, object, list[str]]]) -> None:
    """organizations.csv and codebook.csv (one pass over the notes, each spelling's key made
    once) say what the notes tagged with each name say, looked at note by note: the first
    and last date, a count per kind; the first use and the number of uses."""
    notes = [
        make_note(kind=kind, start=f"{day.isoformat()}T08:30", organizations=names, codes=names)
        for kind, day, names in rows
    ]
    registry = ["Harbor House", "Red Umbrella", "SWOP", "Nobody Tagged"]
    orgs = organizations_table(notes, [Organization(name=name, type="advocacy") for name in registry])
    codebook = codebook_table(notes, [Code(name=name) for name in registry])
    expected_orgs, expected_codes = [], []
    for name in registry:
        tagged = [
            (note, tag_count)
            for note in notes
            if (tag_count := sum(tag_key(org) == tag_key(name) for org in note.organizations))
        ]
        days = sorted(note.start[:10] for note, count in tagged for _ in range(count))
        if days:
            counts = [
                sum(count for note, count in tagged if note.kind == kind)
                for kind in ("meeting", "event", "interview")
            ]
            expected_orgs.append([name, "advocacy", days[0], days[-1], *map(str, counts)])
        expected_codes.append([name, "", "", "inductive", days[0] if days else "", str(len(days))])
    assert orgs.rows == expected_orgs
    assert codebook.rows == expected_codes
