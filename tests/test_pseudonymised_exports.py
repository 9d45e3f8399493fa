"""`--pseudonymise` replaces registered real names in every exported string of every format.

The class test exports with every command of the `export` group (a new format is
covered the day it is added), opens every archive, and reads every byte four ways
(as written, XML entities decoded, JSON escapes decoded, XML tags stripped) looking
for any registered real name or any part of it, in any spelling.
"""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import fields, is_dataclass, replace
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from fieldnotes.cli.exchange import export
from fieldnotes.cli.main import cli
from fieldnotes.codebook_history import HistoryEntry
from fieldnotes.export.job import ExportJob, Protections
from fieldnotes.followups import Followup
from fieldnotes.memos import Memo
from fieldnotes.model import FIELD, Code, Informant, Note, Organization, Project
from fieldnotes.service import FieldNotes
from tests.conftest import make_note
from tests.name_oracle import occurrences

REAL_NAMES = {
    "P-01": ["Dana Whitfield"],  # the parts are not registered: "Dana", "Whitfield" count anyway
    "P-02": ["Kim Yıldız"],
    "P-03": ["José Núñez"],
    "P-04": ["Bo Li"],  # short parts: replaced after a title only
}
# What must never be exported: every registered name, every part of 3 letters or more,
# and the short parts after a title.
NEEDLES = [
    *(name for names in REAL_NAMES.values() for name in names),
    *(part for names in REAL_NAMES.values() for name in names for part in name.split() if len(part) >= 3),
    "Officer Li",
    "Sgt. Li",
]
ALL = Protections(include_private=True, include_unconsented=True, pseudonymise=True)
_SKIP = {
    "id",
    "kind",
    "start",
    "end",
    "created",
    "updated",
    "rev",
    "history",
    "field_revs",
}  # the last three: revision hashes, not text


def free_text_fields(note: Note) -> list[str]:
    """The fields of this note's kind that hold text or names (not dates or fixed choices)."""
    return [
        name
        for name in note.field_names()
        if name not in _SKIP and not FIELD[name].choices and name not in ("informant",)
    ]


# A tie between two organizations whose names hold real names (ties are "A|B|TYPE|N").
NAMED_TIE = "Friends of Dana|Yıldız Outreach|joint advocacy|4"


def _fill(note: Note, sentence: str) -> Note:
    """Every text field of the note's kind still empty gets a name: a future field too."""
    for name in free_text_fields(note):
        value = getattr(note, name)
        if not value:
            if name == "ties":
                note.ties = [NAMED_TIE]
                continue
            setattr(note, name, [sentence.format(name)] if FIELD[name].is_list else sentence.format(name))
    return note


@pytest.fixture
def named(service: FieldNotes) -> FieldNotes:
    """A database where real names sit in every field, registry and spelling an adversary would try."""
    registries = service.registries
    for pseudonym, names in REAL_NAMES.items():
        registries.save_informant(Informant(pseudonym, role="outreach", real_names=names))
    registries.save_organization(
        Organization(
            "Friends of Dana",
            type="advocacy: sex-worker rights",
            aliases=["Whitfield Friends"],
            description="Founded by Dana Whitfield in 2009.",
        )
    )
    registries.save_organization(
        Organization("Yıldız Outreach", type="peer group run by KİM", description="Kım's van.")
    )
    registries.save_code(Code("Dana's story", description="What Whitfield told us about José."))
    registries.save_code(
        Code("Núñez framing", description="How Nu\u0301n\u0303ez frames it.", parent="Dana's story")
    )
    service.add(
        _fill(
            make_note(
                title="Debrief with KİM",
                location="Dana’s kitchen",
                organizations=["Friends of Dana", "Yıldız Outreach"],
                codes=["Dana's story", "Núñez framing"],
                people=["Dana Whitfield", "Officer Li", "Jose\u0301"],
                body="Whitfield said no. Ms. Whitfield, then Sgt. Li; DANA\u00a0WHITFIELD left with Kım.",
                memo="Whit\u00adfield's view (pasted from a PDF): Gri\ufb03th called Dana.",
                host="Dana Whitfield Consulting",
                agenda="1. Dana's budget",
                private="Only here: Núñez's address.",
            ),
            "the {} field names Dana Whitfield",
        )
    )
    service.add(
        _fill(
            make_note(
                kind="event",
                title="Vigil for Núñez",
                start="2016-01-18T18:00",
                event_type="protest",
                organizers=["Friends of Dana"],
                organizations=["Friends of Dana"],
            ),
            "Yıldız in {}",
        )
    )
    service.add(
        _fill(
            make_note(
                kind="interview",
                title="Interview",
                start="2016-01-19T10:00",
                informant="P-02",
                consent="verbal",
                informant_role="outreach worker for Dana Whitfield Consulting",
                recording_ref="kim_yildiz_2016-01-19.mp3",
                organizations=["Yıldız Outreach"],
                codes=["Dana's story"],
                body="Kim told me about José.",
            ),
            "Kim in {}",
        )
    )
    unconsented = service.add(
        _fill(
            make_note(
                kind="interview",
                title="No consent yet",
                start="2016-01-20T10:00",
                informant="P-01",
                consent="none recorded",
                body="Whitfield, unconsented.",
            ),
            "Núñez in {}",
        )
    )
    # The fieldwork between the notes: memos, follow-up items, the codebook's history, with names.
    registries.save_project(Project(researcher="Kim Yıldız"))  # the author of every record below
    debrief = next(note for note in service.notes() if note.title == "Debrief with KİM")
    service.memos.add(
        Memo(
            "What Dana Whitfield taught us",
            type="theoretical",
            body="José Núñez and Ms. Whitfield disagree; Officer Li took notes.",
            about=["code:Dana's story", "org:Friends of Dana", "informant:P-02", f"note:{debrief.id}"],
        )
    )
    service.memos.add(Memo("Núñez, unconsented", about=[f"note:{unconsented.id}"], body="Whitfield again."))
    item = service.followups.items()[0]
    service.followups.edit(item.id, due="2016-02-01", concerns="Dana Whitfield")
    service.followups.add(debrief.id, "Call Sgt. Li about Kim's van", concerns="Friends of Dana")
    code = registries.code("Núñez framing")
    registries.save_code(
        replace(code, description=code.description + " (Kim's words)"),
        original=code.name,
        reason="Dana Whitfield asked; Officer Li agreed",
    )
    registries.rename_code("Dana's story", "Dana's stories", reason="Whitfield told two")
    registries.rename_code("Dana's stories", "Dana's story", reason="back, as José wanted")
    return service


# ---------------------------------------------------------------- reading bytes
def _decoded(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    if data.count(b"\x00") > len(data) // 4:  # UTF-16 without a byte-order mark
        return data.decode("utf-16-le", errors="replace")
    return data.decode("utf-8-sig", errors="replace")


def _json_unescaped(text: str) -> str:
    def one(match: re.Match[str]) -> str:
        try:
            return str(json.loads(f'"{match.group(0)}"'))
        except ValueError:
            return match.group(0)

    return re.sub(r"(?:\\u[0-9a-fA-F]{4})+|\\[\"\\/bfnrt]", one, text)


def readings(name: str, data: bytes) -> Iterator[tuple[str, str]]:
    """(where, text): a file's name, and its bytes read every way a name could hide in them."""
    yield f"{name} (file name)", name
    if data.startswith(b"PK\x03\x04"):  # .qdpx, .docx, .xlsx...: open the archive
        with zipfile.ZipFile(__import__("io").BytesIO(data)) as archive:
            for member in archive.namelist():
                yield from readings(f"{name}:{member}", archive.read(member))
        return
    text = _decoded(data)
    yield name, text
    yield f"{name} (entities decoded)", html.unescape(text)
    yield f"{name} (JSON escapes decoded)", _json_unescaped(text)
    yield f"{name} (tags stripped)", html.unescape(re.sub(r"<[^>]*>", "", text))


def leaks(root: Path) -> list[str]:
    found = []
    for path in sorted(root.rglob("*")):
        if path.is_file():
            for where, text in readings(str(path.relative_to(root)), path.read_bytes()):
                hits = occurrences(text, NEEDLES)
                if hits:
                    found.append(f"{where}: {sorted(set(hits))}")
    return found


# ---------------------------------------------------------- every export format
def export_args(command: click.Command, out: Path, protections: Protections) -> list[str]:
    """The command line of one export command: its output path, and the protection flags it has."""
    args = [command.name or ""]
    wanted = {name for name in Protections.names() if getattr(protections, name)}
    for param in command.params:
        if isinstance(param, click.Argument):
            is_file = isinstance(param.type, click.Path) and not param.type.dir_okay
            args.append(str(out / (f"export.{command.name}" if is_file else f"export-{command.name}")))
        elif param.name in wanted:
            args.append(param.opts[0])
        elif param.required:
            raise AssertionError(
                f"export {command.name}: the class test does not know how to fill {param.name}"
            )
    return args


FORMATS = sorted(export.commands)


def run_export(db: Path, name: str, out: Path, protections: Protections) -> None:
    out.mkdir(parents=True, exist_ok=True)
    args = export_args(export.commands[name], out, protections)
    result = CliRunner().invoke(cli, ["--db", str(db), "export", *args])
    assert result.exit_code == 0, f"export {name}: {result.output}"
    assert "Traceback" not in result.output


@pytest.mark.parametrize("fmt", FORMATS)
def test_pseudonymised_export_holds_no_registered_name_in_any_byte(
    named: FieldNotes, tmp_path: Path, fmt: str
) -> None:
    named.close()
    out = tmp_path / "out"
    run_export(named.path, fmt, out, ALL)
    assert any(path.is_file() for path in out.rglob("*"))
    assert leaks(out) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_leak_scan_finds_names_in_a_plain_export(named: FieldNotes, tmp_path: Path, fmt: str) -> None:
    """The scan can fail: without --pseudonymise, the same export shows the names."""
    named.close()
    out = tmp_path / "out"
    run_export(named.path, fmt, out, Protections(include_private=True, include_unconsented=True))
    assert leaks(out)


def _records(value: object) -> Iterator[tuple[str, str]]:
    if is_dataclass(value) and not isinstance(value, type):
        for spec in fields(value):
            for where, text in _records(getattr(value, spec.name)):
                yield f"{type(value).__name__}.{spec.name}{where}", text
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _records(item)
    elif isinstance(value, str):
        yield "", value


def test_a_pseudonymised_job_holds_no_registered_name_in_any_field(named: FieldNotes) -> None:
    """Before any writer: every str of every record of the job (a field added later too)."""
    job = named.prepare_export(protections=ALL)
    assert job.notes and job.organizations and job.codes and job.informants
    assert job.memos and job.followups and job.history and any(note.ties for note in job.notes)
    found = [f"{where}: {text!r}" for where, text in _records(job) if occurrences(text, NEEDLES)]
    assert found == []


# -------------------------------------------------------------- links survive
def _qde(path: Path) -> ET.Element:
    with zipfile.ZipFile(path) as archive:
        return ET.fromstring(archive.read("project.qde"))


def _shape(root: ET.Element) -> Counter[str]:
    """How many of each element: codes, codings, cases, source references..."""
    return Counter(element.tag.rsplit("}", 1)[-1] for element in root.iter())


def test_tags_and_registry_names_stay_linked_after_pseudonymising(named: FieldNotes, tmp_path: Path) -> None:
    keep = Protections(include_private=True, include_unconsented=True)
    named.export_qdpx(tmp_path / "plain.qdpx", protections=keep)
    named.export_qdpx(tmp_path / "pseudo.qdpx", protections=ALL)
    plain, pseudo = _qde(tmp_path / "plain.qdpx"), _qde(tmp_path / "pseudo.qdpx")
    assert _shape(pseudo) == _shape(plain)  # no coding, case or reference lost
    ns = {"q": "urn:QDA-XML:project:1.0"}
    codes = {code.get("guid"): code.get("name") for code in pseudo.iterfind(".//q:Code", ns)}
    assert {ref.get("targetGUID") for ref in pseudo.iterfind(".//q:CodeRef", ns)} <= set(codes)
    assert "P-01's story" in codes.values()
    children = pseudo.find('.//q:Code[@name="P-01\'s story"]', ns)
    assert children is not None and [c.get("name") for c in children.iterfind("q:Code", ns)] == [
        "P-03 framing"
    ]
    cases = {case.get("name") for case in pseudo.iterfind(".//q:Case", ns)}
    assert {"Friends of P-01", "P-02 Outreach"} <= cases

    named.export_nvivo(tmp_path / "plain", protections=keep)
    named.export_nvivo(tmp_path / "pseudo", protections=ALL)
    for sheet in ("organizations.csv", "codebook.csv", "informants.csv"):
        rows = [
            (tmp_path / kind / sheet).read_text("utf-8-sig").count("\r\n") for kind in ("plain", "pseudo")
        ]
        assert rows[0] == rows[1], sheet
    codebook = (tmp_path / "pseudo" / "codebook.csv").read_text("utf-8-sig")
    assert '"P-03 framing","P-01\'s story"' in codebook  # the child keeps its (renamed) parent


def test_organizations_whose_names_pseudonymise_alike_stay_apart(service: FieldNotes) -> None:
    service.registries.save_informant(Informant("P-01", real_names=["Dana Whitfield"]))
    first = service.add(make_note(title="one", organizations=["Dana's Place"], codes=["Dana"]))
    second = service.add(make_note(title="two", organizations=["Whitfield's Place"], codes=["Whitfield"]))
    job = service.prepare_export(protections=Protections(pseudonymise=True))
    orgs = {org.guid: org.name for org in job.organizations}
    assert len(set(orgs.values())) == len(orgs) == 2
    by_title = {note.title: note for note in job.notes}
    original = {org.name: org.guid for org in service.registries.organizations()}
    assert by_title["one"].organizations == [orgs[original["Dana's Place"]]]
    assert by_title["two"].organizations == [orgs[original["Whitfield's Place"]]]
    codes = [code.name for code in job.codes]
    assert len(set(codes)) == 2 and {c for n in job.notes for c in n.codes} == set(codes)
    assert first.id != second.id


def test_every_job_field_is_a_protected_field() -> None:
    """A new text field on ExportJob's records is pseudonymised, or this test names it."""
    revisions = {"author", "updated", "rev", "history", "field_revs"}  # bookkeeping, never exported
    covered = {
        Note: {f.name for f in fields(Note)},  # every str / list[str] note field, generically
        Organization: {"name", "aliases", "type", "description", "guid", *revisions},
        Code: {
            "name",
            "description",
            "parent",
            "origin",
            "color",
            "first_note",
            "first_date",
            "guid",
            *revisions,
        },
        Informant: {
            "pseudonym",
            "role",
            "organization",
            "consent",
            "consent_date",
            "notes",
            "real_names",
            "guid",
            *revisions,
        },
        # generically: every str / list[str] field but those kept (ids, dates, choices)
        Memo: {"title", "type", "body", "about", "author", "created", "updated", "guid"},
        Followup: {
            "id",
            "note_id",
            "note_title",
            "note_start",
            "text",
            "status",
            "due",
            "concerns",
            "done_at",
            "note_concerns",
            "position",
        },
        HistoryEntry: {
            "when",
            "action",
            "code",
            "code_guid",
            "before",
            "after",
            "reason",
            "author",
            "note_id",
            "source_guid",
            "guid",
        },
    }
    for record, names in covered.items():
        assert {f.name for f in fields(record)} == names, (
            f"{record.__name__}: review Pseudonymiser.registries (and .memo, .followup, .history_entry)"
        )
    assert {f.name for f in fields(ExportJob)} >= {
        "notes",
        "organizations",
        "codes",
        "informants",
        "memos",
        "followups",
        "history",
    }
