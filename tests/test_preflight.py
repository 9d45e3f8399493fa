"""The pre-flight name check: every exported field, sentence starts, titles, tags holding real names."""

from __future__ import annotations

from dataclasses import replace
from itertools import takewhile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import example, given, settings
from hypothesis import strategies as st

from fieldnotes.cli.main import cli
from fieldnotes.export.job import Protections
from fieldnotes.model import FIELD, Code, Informant, Note, Organization
from fieldnotes.privacy import find_possible_names
from fieldnotes.service import FieldNotes
from tests.conftest import make_note

KINDS = {
    "meeting": {},
    "event": {"event_type": "protest"},
    "interview": {"informant": "P-09", "consent": "verbal"},
}
REVISION_HASHES = {"rev", "history", "field_revs"}  # bookkeeping for merges, never text
_NOT_FREE = {"id", "kind", "start", "end", "created", "updated", "informant", *REVISION_HASHES}
# registry names: `find_named_tags` checks them (a tie's organizations are tagged on its note too)
_TAGS = {"organizations", "codes", "host", "organizers", "ties"}


def free_fields(kind: str) -> list[str]:
    note = make_note(kind=kind)
    return [
        name
        for name in note.field_names()
        if name not in _NOT_FREE and name not in _TAGS and not FIELD[name].choices
    ]


CASES = [(kind, name) for kind in KINDS for name in free_fields(kind)]


@pytest.mark.parametrize(("kind", "name"), CASES)
def test_preflight_checks_every_free_text_field_of_every_kind(kind: str, name: str) -> None:
    note = make_note(kind=kind, id="cccccccc-0000-0000-0000-000000000000", **KINDS[kind])
    setattr(note, name, ["Zenobia Quist"] if FIELD[name].is_list else "we met Zenobia Quist there")
    found = {p.word: p for p in find_possible_names([note], [], include_private=True)}
    assert {"Zenobia", "Quist"} <= set(found)
    assert found["Quist"].where == [f"note cccccccc {name}"]


def test_preflight_checks_the_registries_that_exports_carry() -> None:
    found = find_possible_names(
        [],
        [],
        organizations=[Organization("Harbor", type="run by Zenobia", description="Founded by Quist.")],
        codes=[Code("trust", description="As Ulla put it.")],
        informants=[Informant("P-01", role="aide to Bertil", notes="met through Ottoline")],
    )
    places = {p.word: p.where[0] for p in found}
    assert places == {
        "Zenobia": "organization “Harbor” type",
        "Quist": "organization “Harbor” description",
        "Ulla": "code “trust” description",
        "Bertil": "informant P-01 role",
        "Ottoline": "informant P-01 notes",
    }


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ("Brandt said no.", {"Brandt"}),  # only at a sentence start, then a speech verb
        ("We waited. Brandt's van came late.", {"Brandt"}),  # a possessive at a sentence start
        ("Ms. Whitfield spoke. Then Dr.Okafor and Officer May.", {"Whitfield", "Okafor", "May"}),
        ("Sgt. Brandt arrived. Brandt left.", {"Brandt"}),
        ("Later, we met. Community room 4. Send the notes. Small group.", set()),
        ("In May we met; the director spoke.", set()),
        ("The Officer and the Director came.", set()),
    ],
)
def test_names_at_sentence_starts_and_after_titles_are_caught(text: str, flagged: set[str]) -> None:
    assert {p.word for p in find_possible_names([make_note(body=text)], [])} == flagged


def test_a_word_only_at_sentence_starts_is_marked_and_counted_everywhere() -> None:
    notes = [make_note(body="Brandt said no."), make_note(memo="We left. Brandt said yes, twice.")]
    (found,) = find_possible_names(notes, [])
    assert found.word == "Brandt" and found.count == 2 and found.only_at_sentence_starts
    notes.append(make_note(followups="ask about brandt"))  # seen in lowercase: an ordinary word
    assert find_possible_names(notes, []) == []


@pytest.fixture
def tagged(service: FieldNotes) -> FieldNotes:
    service.registries.save_informant(Informant("P-01", real_names=["Dana Whitfield"]))
    service.registries.save_informant(Informant("P-02", real_names=["Kim Yıldız"]))
    service.registries.save_organization(Organization("Harbor Rights", aliases=["Whitfield Friends"]))
    service.add(
        make_note(
            title="Debrief",
            location="Dana’s kitchen",
            organizations=["Friends of Dana"],
            codes=["Dana's story", "harm reduction"],
            host="Dana Whitfield Consulting",
            people=["KİM"],
            body="Plain words.",
        )
    )
    service.add(make_note(title="Again", location="Dana’s kitchen", codes=["Dana's story"]))
    return service


def test_a_tag_holding_a_registered_real_name_is_flagged(tagged: FieldNotes) -> None:
    found = {(tag.what, tag.tag): tag for tag in tagged.check_names().named_tags}
    assert set(found) == {
        ("organization", "Friends of Dana"),
        ("organization", "Whitfield Friends"),  # an alias
        ("organization", "Dana Whitfield Consulting"),
        ("code", "Dana's story"),
        ("location", "Dana’s kitchen"),
        ("person present", "KİM"),
    }
    assert found[("code", "Dana's story")].notes == 2
    assert found[("person present", "KİM")].pseudonyms == ["P-02"]


def test_check_names_lists_both_parts_readably(tagged: FieldNotes) -> None:
    tagged.add(make_note(title="Third", body="We met Zenobia at the clinic."))
    tagged.close()
    result = CliRunner().invoke(cli, ["--db", str(tagged.path), "check-names"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Capitalised words that look like names and are not in the registry:"
    assert lines[1].startswith("  Zenobia ×1: note ")
    assert lines[2].startswith("Tags that hold a registered real name")
    assert "  code “Dana's story” holds a real name of P-01, on 2 notes" in lines
    assert "  location “Dana’s kitchen” holds a real name of P-01, on 2 notes" in lines
    assert len(lines) == 3 + 6


@pytest.mark.parametrize("where", ["location", "agenda", "people", "host", "informant_role", "recording_ref"])
def test_an_export_without_pseudonymise_warns_of_a_real_name_in_any_field(
    service: FieldNotes, tmp_path: Path, where: str
) -> None:
    service.registries.save_informant(Informant("P-01", real_names=["Dana Whitfield"]))
    kind = "interview" if where in ("informant_role", "recording_ref") else "meeting"
    extra = KINDS[kind]
    value: object = ["Whitfield"] if FIELD[where].is_list else "Whitfield"
    service.add(make_note(kind=kind, **extra, **{where: value}))
    report = service.export_nvivo(tmp_path / "out")
    assert any("real name" in w and "--pseudonymise" in w for w in report.warnings), report.warnings
    quiet = service.export_nvivo(tmp_path / "quiet", protections=Protections(pseudonymise=True))
    assert not any("real name or alias" in w for w in quiet.warnings)


def test_an_export_warns_of_tags_holding_real_names_until_pseudonymised(
    tagged: FieldNotes, tmp_path: Path
) -> None:
    plain = tagged.export_qdpx(tmp_path / "plain.qdpx")
    assert any("tag(s) hold a registered real name" in w and "Friends of Dana" in w for w in plain.warnings)
    pseudo = tagged.export_qdpx(tmp_path / "pseudo.qdpx", protections=Protections(pseudonymise=True))
    assert not any("tag(s) hold" in w for w in pseudo.warnings)


def test_every_note_field_is_known_to_the_check() -> None:
    """A new text field of Note is checked without anyone listing it (the check reads the model)."""
    from fieldnotes.privacy import NOTE_TEXT_FIELDS

    expected = {
        spec.name
        for spec in FIELD.values()
        if spec.name not in {"id", "kind", "start", "end", "created", "updated", *REVISION_HASHES}
        and not spec.choices
    }
    assert {name for name, _ in NOTE_TEXT_FIELDS} == expected
    assert all(hasattr(Note(kind="meeting", title="t", start="2016-01-01T00:00"), n) for n in expected)


def test_the_codebook_export_checks_the_codes_and_not_the_notes(service: FieldNotes, tmp_path: Path) -> None:
    """A .qdc carries codes and their history: its pre-flight looks there, and says nothing of
    names that only the notes hold."""
    service.registries.save_informant(Informant("P-01", real_names=["Dana Whitfield"]))
    service.add(make_note(title="Met Officer Brandt", body="Sergeant Okonkwo came too.", codes=["trust"]))
    clean = service.export_qdc(tmp_path / "clean.qdc")
    assert not any("pre-flight" in w or "real name" in w for w in clean.warnings), clean.warnings
    service.registries.save_code(Code("whitfield story", description="As Dana Whitfield told it"))
    service.registries.save_code(Code("raids", description="What Officer Brandt described"))
    plain = service.export_qdc(tmp_path / "plain.qdc")
    text = "\n".join(plain.warnings)
    assert "real name" in text and "Brandt" in text and "Okonkwo" not in text
    safe = service.export_qdc(tmp_path / "safe.qdc", pseudonymise=True)
    assert "Dana" not in (tmp_path / "safe.qdc").read_text(encoding="utf-8")
    assert not any("hold a registered real name" in w for w in safe.warnings)


WRITERS = {
    "nvivo": lambda job, out: job.nvivo(out / "nvivo"),
    "xlsx": lambda job, out: job.nvivo(out / "xlsx", format="xlsx"),
    "qdpx": lambda job, out: job.qdpx(out / "p.qdpx"),
    "documents": lambda job, out: job.documents(out / "docs"),
    "graphml": lambda job, out: job.graphml(out / "ties.graphml"),
    "qdc": lambda job, out: job.qdc(out / "codes.qdc"),
}


@pytest.mark.parametrize("helped", [True, False], ids=["helper", "here"])
@pytest.mark.parametrize("writer", list(WRITERS))
def test_a_job_whose_checks_were_deferred_is_checked_by_its_writer(
    tagged: FieldNotes, tmp_path: Path, writer: str, helped: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The service and the app leave the name checks to the writer: whichever writer runs,
    they run once, beside the writing in a helper process (or, with few notes, before it),
    and warn as an eager job does."""
    from fieldnotes.export import beside
    from fieldnotes.export.job import PendingChecks

    monkeypatch.setattr(beside, "HELPER_MIN_NOTES", 0 if helped else 10**9)
    tagged.registries.save_code(Code("raids", description="What Officer Brandt described"))
    tagged.add(make_note(title="Third", body="We met Zenobia at the clinic.", ties=["A|B|referral|4"]))
    eager = tagged.prepare_export()
    deferred = tagged.prepare_export(check=False)
    assert eager.preflight is None and deferred.preflight is not None
    assert deferred.warnings == [] and deferred.codebook_warnings == []
    checks = deferred.preflight
    started: list[PendingChecks] = []

    def counted(beside_the_writing: bool) -> PendingChecks:
        started.append(checks(beside_the_writing))
        return started[-1]

    deferred = replace(deferred, preflight=counted)
    expected = WRITERS[writer](eager, tmp_path / "eager").warnings
    assert any("pre-flight" in w for w in expected)  # Zenobia, Brandt, or the tags
    assert WRITERS[writer](deferred, tmp_path / "deferred").warnings == expected
    assert len(started) == 1 and started[0].helped == (helped and writer != "qdc")  # a codebook: here
    assert deferred.checked().checked().warnings == eager.warnings


_PHRASES = [
    "Rosa said no.",
    "Met Officer Brandt",
    "Brandt",
    "Community room 4",
    "rosa",
    "Call Dr. May about Rosa's van",
    "The Coalition, who",
    "İstanbul office; Ärzte",
    "",
]


_EDGE = st.lists(
    st.sampled_from(
        [*_PHRASES, "Officer", "Dr.", "said hello", "Rosa", "'s van", "who", " ", "\n", ".", "\t", "é"]
    ),
    max_size=4,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.tuples(
            _EDGE,
            _EDGE,
            st.lists(st.sampled_from([*_PHRASES, "P-03", "Rosa Díaz"]), max_size=3),
            _EDGE | st.text(alphabet=st.sampled_from("Ra sM.\n’'-o"), max_size=12),
        ),
        min_size=1,
        max_size=6,
    ),
    st.integers(min_value=1, max_value=5),
)
@example([("Met Officer", "Brandt arrived", [], "")], 5)  # a title at one field's end
@example([("Rosa", "", [], "said no")], 5)  # "said" at the next field's start
@example([("t", "Brandt", ["Brandt"], "")], 5)  # the same text, a start in one field, a name in the other
def test_no_finding_reaches_across_into_a_neighbouring_text(
    rows: list[tuple[str, str, list[str], str]], limit: int
) -> None:
    """The texts are scanned joined, in one pass. Whatever their neighbours, the same texts
    give the same findings: a note with a plain lowercase title between every two notes
    (and so between every two texts of theirs) changes nothing, counts and places included."""
    notes = [
        make_note(title=title or "t", location=location, people=people, body=body, private=body)
        for title, location, people, body in rows
    ]
    apart = [part for note in notes for part in (note, make_note(title="x"))]
    # Each field of a note alone in a note of its own (beside a plain title): fields apart.
    fields_apart = [
        make_note(**{"title": "x", name: value})
        for title, location, people, body in rows
        for name, value in (
            ("title", title or "t"),
            ("location", location),
            ("people", people),
            ("body", body),
            ("private", body),
        )
    ]

    def check(which: list[Note]) -> list[tuple[str, int, list[str], bool]]:
        found = find_possible_names(which, ["P-03"], include_private=True, limit_places=limit)
        return [(p.word, p.count, p.where, p.only_at_sentence_starts) for p in found]

    together = check(notes)
    assert together == check(apart)
    assert [(word, count, only) for word, count, _, only in together] == [
        (word, count, only) for word, count, _, only in check(fields_apart)
    ]


@settings(max_examples=2000)
@given(st.lists(_EDGE, min_size=1, max_size=4), st.data())
def test_a_word_is_read_within_its_own_text_when_texts_are_joined(
    texts: list[str], data: st.DataObject
) -> None:
    """The title and sentence checks on the joined texts, bounded by the text's start, say what
    they say of the text alone."""
    from fieldnotes.privacy import _after_title, _starts_sentence

    number = data.draw(st.integers(min_value=0, max_value=len(texts) - 1))
    lo = sum(len(text) + 1 for text in texts[:number])
    joined = "\n".join(texts)
    text = texts[number]
    for start in range(len(text) + 1):
        assert _after_title(joined, lo + start, lo) == _after_title(text, start)
        assert _starts_sentence(joined, lo + start, lo) == _starts_sentence(text, start)


def _after_title_by_letters(text: str, start: int) -> bool:
    """The title check written another way, a letter at a time with `is_letter`: the
    reference for the ASCII shortcut. Spaces, then at most one dot, stand between a
    title and the word; a title is a whole word of at most 15 letters."""
    from fieldnotes.privacy import TITLES, fold, is_letter

    before = text[:start]
    trimmed = before.rstrip()
    trimmed = trimmed.removesuffix(".")
    if len(trimmed) == len(before) or not trimmed or not trimmed[-1].isalpha():
        return False
    last = trimmed[-1]  # a letter by isalpha; the rest of the word by is_letter
    rest = list(takewhile(is_letter, reversed(trimmed[:-1])))
    if len(rest) + 1 > 15:
        return False
    return fold("".join(reversed(rest)) + last) in TITLES


_TITLE_TEXT = st.lists(
    st.sampled_from(["Dr", "dr", "Officer", "officer", "Ms", "SERGEANT", "Sgt", "ofc", "x", "Brandt", "é"])
    | st.sampled_from([".", ",", " ", "\n", "'", "’", "-", "1", "\u0301", "İ", "a" * 9, "b" * 15, "c" * 16])
    | st.text(max_size=3),
    max_size=8,
).map("".join)


@settings(max_examples=3000)
@given(_TITLE_TEXT, st.integers(min_value=0, max_value=60))
def test_the_title_check_is_the_letter_by_letter_walk(text: str, start: int) -> None:
    """Whatever precedes a word: titles of any case and length, dots, spaces, accents, marks,
    apostrophes, runs of 15 and 16 letters, the text's start."""
    from fieldnotes.privacy import _after_title

    start = min(start, len(text))
    assert _after_title(text, start) == _after_title_by_letters(text, start)
