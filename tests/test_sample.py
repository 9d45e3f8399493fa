"""The sample study: committed as generated, telling the study's pattern; and `fieldnotes demo`."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from fieldnotes.cli import demo as demo_module
from fieldnotes.cli.main import cli
from fieldnotes.sample import (
    ABOLITION_AND_STATE,
    HRC,
    NAC,
    PROVIDERS,
    SAMPLE_DB,
    build_sample,
)
from fieldnotes.service import FieldNotes
from fieldnotes.tui.app import FieldnotesApp
from scripts.regenerate_sample import write_sample_data

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> FieldNotes:
    service = FieldNotes.open(tmp_path_factory.mktemp("sample") / SAMPLE_DB)
    build_sample(service)
    return service


def test_committed_sample_data_is_what_the_generator_writes(tmp_path: Path) -> None:
    write_sample_data(tmp_path)
    committed = ROOT / "sample_data"
    made = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert made == sorted(
        p.relative_to(committed) for p in committed.rglob("*") if p.is_file() and p.name != "README.md"
    )
    for relative in made:
        ours, theirs = tmp_path / relative, committed / relative
        if zipfile.is_zipfile(theirs):  # .qdpx, .xlsx, .docx
            assert archive(ours) == archive(theirs), relative
        else:
            assert ours.read_bytes() == theirs.read_bytes(), relative


def archive(path: Path) -> list[tuple[object, ...]]:
    """A zip archive as what any reader gets from it: each entry's name, time, attributes,
    method, CRC and content, in order. Not the deflated bytes: ISA-L, which deflates the
    exports, does not promise the same stream twice (a CI run once got sources one or two
    bytes longer, with the same content and CRC)."""
    with zipfile.ZipFile(path) as zipped:
        return [
            (i.filename, i.date_time, i.external_attr, i.compress_type, i.CRC, i.file_size, zipped.read(i))
            for i in zipped.infolist()
        ]


def test_the_sample_is_a_study_of_eight_months(sample: FieldNotes) -> None:
    notes = sample.notes()
    assert 70 <= len(notes) <= 90
    assert min(n.start for n in notes) >= "2015-06-01" and max(n.start for n in notes) < "2016-02-01"
    assert sum(n.kind == "interview" for n in notes) == 10
    origins = {c.origin for c in sample.registries.codes()}
    assert origins == {"deductive", "inductive"}


def test_the_rights_collective_meets_providers_more_often_and_longer(sample: FieldNotes) -> None:
    def with_providers(org: str) -> tuple[int, int]:
        hits = [
            n for n in sample.notes(None) if org in n.organizations and set(n.organizations) & set(PROVIDERS)
        ]
        return len(hits), sum(n.duration_minutes or 0 for n in hits)

    hrc_count, hrc_minutes = with_providers(HRC)
    nac_count, nac_minutes = with_providers(NAC)
    assert hrc_count > 3 * nac_count
    assert hrc_minutes > 3 * nac_minutes


def test_the_abolitionist_coalition_ties_to_police_and_government(sample: FieldNotes) -> None:
    ties = sample.report_ties()

    def strength(org: str, others: set[str]) -> int:
        return sum(
            t.notes
            for t in ties
            if {t.organization_a, t.organization_b} & {org} and {t.organization_a, t.organization_b} & others
        )

    assert strength(NAC, ABOLITION_AND_STATE) > 20
    assert strength(HRC, ABOLITION_AND_STATE) <= 2


def test_demo_uses_a_throwaway_copy_and_says_so(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    seen: dict[str, object] = {}

    def fake_run_tui(db: Path, *, dayfirst: bool = False, banner: str = "") -> None:
        with FieldNotes.open(db) as service:
            seen["notes"] = service.count()
        seen.update(db=db, banner=banner)

    monkeypatch.setattr("fieldnotes.cli.tui_launch.run_tui", fake_run_tui)
    own = tmp_path / "mine.json"
    result = CliRunner().invoke(cli, ["--db", str(own), "demo"])
    assert result.exit_code == 0, result.output
    assert seen["notes"] == 78
    assert "DEMO" in str(seen["banner"]) and "not touched" in str(seen["banner"])
    assert not own.exists()  # the user's database was never opened
    assert not Path(str(seen["db"])).parent.exists()  # and the copy is gone
    assert seen["banner"] == demo_module.BANNER


async def test_demo_banner_is_on_screen(sample: FieldNotes) -> None:
    app = FieldnotesApp(sample, banner=demo_module.BANNER)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert "DEMO" in str(app.screen.query_one("#banner").render())


def test_the_recorded_ties_tell_the_same_story(sample: FieldNotes) -> None:
    """The Collective's recorded ties to providers are many and intense; the Coalition's run to
    the police and the City; the two meet only in conflict."""
    rows = sample.report_weighted_ties()

    def total(org: str, others: set[str] | list[str], kinds: set[str] | None = None) -> int:
        return sum(
            row.total_intensity
            for row in rows
            if org in (row.organization_a, row.organization_b)
            and {row.organization_a, row.organization_b} & set(others)
            and (kinds is None or row.tie_type in kinds)
        )

    assert total(HRC, PROVIDERS) > 5 * total(NAC, PROVIDERS)
    assert total(NAC, ABOLITION_AND_STATE) > 3 * total(HRC, ABOLITION_AND_STATE)
    between = {row.tie_type for row in rows if {row.organization_a, row.organization_b} == {HRC, NAC}}
    assert between == {"conflict"}
    strongest = {(r.organization, r.period): r.strongest_with for r in sample.report_strongest_ties()}
    assert all(strongest[(NAC, period)] in ABOLITION_AND_STATE for (org, period) in strongest if org == NAC)


def test_the_sample_has_followups_done_and_overdue_memos_of_every_type_and_a_changing_codebook(
    sample: FieldNotes,
) -> None:
    items = sample.followups.items()
    assert {item.status for item in items} == {"open", "done"}
    assert sum(item.overdue("2016-01-27") for item in items) >= 3  # the demo's "today" in the screenshot
    assert {memo.type for memo in sample.memos.all()} == {"theoretical", "methodological", "code memo"}
    assert all(memo.about for memo in sample.memos.all())
    history = sample.registries.history.entries()
    assert {"create", "first use", "description", "move", "merge"} <= {entry.action for entry in history}
    assert all(entry.reason for entry in history if entry.action in ("description", "move", "merge"))
