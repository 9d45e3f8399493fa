"""Participants' protection in exports: pseudonyms, private fields, consent, ethics metadata."""

from __future__ import annotations

import csv
import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from fieldnotes.cli.main import cli
from fieldnotes.errors import ValidationError
from fieldnotes.export.job import Protections
from fieldnotes.model import Informant, Project
from fieldnotes.privacy import Pseudonymiser, find_possible_names
from fieldnotes.service import FieldNotes
from tests.conftest import make_note

SECRET = "She told me about the raid on Fifth Street."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Maria said no.", "P-03 said no."),
        ("maria's sister and MARIA’s cousin", "P-03's sister and P-03’s cousin"),
        ("Marianne and Mariachi stay; so does Amaria.", "Marianne and Mariachi stay; so does Amaria."),
        ("Maria López came with Lopez.", "P-03 came with P-03."),
        ("Dr. José Núñez met María.", "Dr. P-07 met María."),
        ("Núñez, then núñez again", "P-07, then P-07 again"),
        ("Tiny (Maria) — “Maria!”", "Tiny (P-03) — “P-03!”"),
        ("", ""),
    ],
)
def test_pseudonymise_tricky_text(text: str, expected: str) -> None:
    informants = [
        Informant("P-03", real_names=["Maria", "Maria López", "Lopez"]),
        Informant("P-07", real_names=["José Núñez", "Núñez"]),
    ]
    assert Pseudonymiser(informants).text(text) == expected


def test_preflight_lists_unregistered_names_with_counts_and_places() -> None:
    notes = [
        make_note(
            id="aaaaaaaa-0000-0000-0000-000000000000", body="We met Rosa at the clinic. Rosa was late."
        ),
        make_note(
            id="bbbbbbbb-0000-0000-0000-000000000000",
            memo="Later, Rosa and Harbor Rights Collective spoke.",
            body="The meeting ran late. On Monday, P-03 called.",
        ),
    ]
    found = {p.word: p for p in find_possible_names(notes, ["Harbor Rights Collective", "P-03"])}
    assert set(found) == {"Rosa"}  # sentence starts, weekdays, registry names and pseudonyms are not flagged
    assert found["Rosa"].count == 3  # the sentence-initial "Rosa" counts too: a name elsewhere
    assert found["Rosa"].where == ["note aaaaaaaa body", "note bbbbbbbb memo"]


@pytest.fixture
def protected(service: FieldNotes) -> FieldNotes:
    service.registries.save_informant(
        Informant("P-03", role="outreach worker", consent="verbal", real_names=["Maria Soto", "Maria"])
    )
    service.add(
        make_note(
            title="Meeting with Maria",
            body="Maria's view: the van saves lives.",
            private=SECRET,
            codes=["harm reduction"],
        )
    )
    service.add(
        make_note(
            kind="interview",
            title="No consent on record",
            informant="P-09",
            consent="none recorded",
            body="Unconsented words.",
        )
    )
    service.add(
        make_note(
            kind="interview",
            title="Consented",
            informant="P-03",
            consent="verbal",
            body="Consented words about Rosa.",
        )
    )
    return service


def every_exported_text(folder: Path) -> str:
    parts = []
    for path in folder.rglob("*"):
        if path.is_file() and path.suffix == ".qdpx":
            with zipfile.ZipFile(path) as archive:
                parts += [archive.read(name).decode("utf-8") for name in archive.namelist()]
        elif path.is_file():
            parts.append(path.read_bytes().decode("utf-8-sig"))
    return "\n".join(parts)


def test_private_fields_and_unconsented_interviews_are_absent_from_every_format(
    protected: FieldNotes, tmp_path: Path
) -> None:
    report = protected.export_nvivo(tmp_path / "out" / "nvivo")
    protected.export_qdpx(tmp_path / "out" / "p.qdpx")
    protected.export_qdc(tmp_path / "out" / "c.qdc")
    text = every_exported_text(tmp_path / "out")
    assert SECRET not in text and "Fifth Street" not in text
    assert "Unconsented words" not in text and "Consented words" in text
    with open(tmp_path / "out" / "nvivo" / "notes.csv", encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader(handle))
    assert "private" not in header
    assert any("without recorded consent were left out" in w for w in report.warnings)


def test_private_and_unconsented_only_when_asked(protected: FieldNotes, tmp_path: Path) -> None:
    protected.export_nvivo(
        tmp_path / "out" / "nvivo", protections=Protections(include_private=True, include_unconsented=True)
    )
    protected.export_qdpx(
        tmp_path / "out" / "p.qdpx", protections=Protections(include_private=True, include_unconsented=True)
    )
    text = every_exported_text(tmp_path / "out")
    assert text.count(SECRET) == 2 and "Unconsented words" in text


def test_pseudonymised_export_and_its_warnings(protected: FieldNotes, tmp_path: Path) -> None:
    plain = protected.export_nvivo(tmp_path / "plain")
    assert any("real name" in w and "--pseudonymise" in w for w in plain.warnings)
    report = protected.export_nvivo(tmp_path / "pseudo", protections=Protections(pseudonymise=True))
    protected.export_qdpx(tmp_path / "pseudo.qdpx", protections=Protections(pseudonymise=True))
    text = every_exported_text(tmp_path / "pseudo") + every_exported_text(tmp_path)  # includes the qdpx
    pseudo_text = every_exported_text(tmp_path / "pseudo")
    assert "Maria" not in pseudo_text and "Meeting with P-03" in pseudo_text and "P-03's view" in pseudo_text
    assert "Maria" not in zipfile.ZipFile(tmp_path / "pseudo.qdpx").read("project.qde").decode()
    assert any("Rosa" in w and "pre-flight" in w for w in report.warnings)
    assert text


def test_real_names_stay_out_of_lists_unless_asked(protected: FieldNotes) -> None:
    protected.close()
    runner = CliRunner()
    db = str(protected.path)
    listed = runner.invoke(cli, ["--db", db, "people", "--json"])
    assert "Maria" not in listed.stdout and "P-03" in listed.stdout
    shown = runner.invoke(cli, ["--db", db, "people", "list", "--show-names"])
    assert "Maria Soto" in shown.stdout
    names = runner.invoke(cli, ["--db", db, "check-names"])
    assert names.exit_code == 0 and "Rosa" in names.stdout and "Maria" not in names.stdout
    exported = runner.invoke(
        cli,
        [
            "--db",
            db,
            "export",
            "nvivo",
            str(protected.path.parent / "x"),
            "--pseudonymise",
            "--include-private",
        ],
    )
    assert exported.exit_code == 0 and "pre-flight" in exported.stderr


def test_project_metadata_and_retention_warning(service: FieldNotes) -> None:
    service.registries.save_project(
        Project(protocol="IRB-2015-0412", destroy_by="2020-12-31", consent_forms=["v1", "v2"])
    )
    assert service.registries.project().consent_forms == ["v1", "v2"]
    warning = service.registries.retention_warning("2026-11-25")
    assert warning and "2020-12-31" in warning and "IRB-2015-0412" in warning
    assert service.registries.retention_warning("2019-01-01") is None
    with pytest.raises(ValidationError):
        service.registries.save_project(Project(destroy_by="next year"))
    service.close()
    runner = CliRunner()
    result = runner.invoke(
        cli,
        ["--db", str(service.path), "project", "set", "--destroy-by", "1 Jan 2017", "--consent-form", "v3"],
    )
    assert result.exit_code == 0
    shown = runner.invoke(cli, ["--db", str(service.path), "project"])
    assert "2017-01-01" in shown.stdout and "v3" in shown.stdout and "IRB-2015-0412" in shown.stdout
    assert "destroy-by date" in shown.stderr  # every command warns once the date has passed


def test_cli_list_flags_unconsented_and_private(protected: FieldNotes) -> None:
    protected.close()
    out = CliRunner().invoke(cli, ["--db", str(protected.path), "list"]).stdout

    def line(title: str) -> str:
        return next(line for line in out.splitlines() if re.search(rf"  {re.escape(title)}(  |$)", line))

    assert "⚠ no consent recorded" in line("No consent on record")
    assert "⚠" not in line("Consented")
    assert "🔒 private" in line("Meeting with Maria")
