"""Export to NVivo and REFI-QDA, and import back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from fieldnotes.cli.common import CliState, option_group, pass_state
from fieldnotes.cli.notes import filter_options, note_filter
from fieldnotes.export.job import Protections

_FORCE = click.option("--force", is_flag=True, help="Replace existing output files.")


# --pseudonymise, --include-private, --include-unconsented: on every note export.
_protections = option_group(
    click.option(
        "--pseudonymise",
        is_flag=True,
        help="Replace informants' real names and aliases with their pseudonyms in every text field.",
    ),
    click.option("--include-private", is_flag=True, help="Export private fields too (never by default)."),
    click.option(
        "--include-unconsented",
        is_flag=True,
        help="Export interviews whose consent is 'none recorded' too (never by default).",
    ),
)


def _pop_protections(values: dict[str, Any]) -> Protections:
    return Protections(**{name: bool(values.pop(name, False)) for name in Protections.names()})


def _report(lines: list[str]) -> None:
    for line in lines:
        click.echo(line, err=line.startswith("warning"))


@click.group()
def export() -> None:
    """Export notes for NVivo, ATLAS.ti, MAXQDA or QualCoder.

    Exports are readable by you only, and never overwrite without --force.
    """


@export.command("nvivo")
@click.argument("outdir", type=click.Path(path_type=Path))
@filter_options
@click.option(
    "--flatten-newlines", is_flag=True, help="Line breaks inside cells become ' ¶ ' (one record a line)."
)
@click.option("--excel-safe", is_flag=True, help="Prefix cells starting with = + - @ with an apostrophe.")
@click.option("--code-columns", is_flag=True, help="Add one 0/1 column per code to notes.csv.")
@_protections
@_FORCE
@pass_state
def export_nvivo(
    state: CliState,
    outdir: Path,
    flatten_newlines: bool,
    excel_safe: bool,
    code_columns: bool,
    force: bool,
    **values: Any,
) -> None:
    """Write OUTDIR/notes.csv, organizations.csv, informants.csv, codebook.csv and HOW-TO-IMPORT.txt."""
    protections = _pop_protections(values)
    report = state.service().export_nvivo(
        outdir,
        note_filter(state, values),
        protections,
        flatten_newlines=flatten_newlines,
        excel_safe=excel_safe,
        code_columns=code_columns,
        force=force,
    )
    _report(report.lines())


@export.command("qdc")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--pseudonymise", is_flag=True, help="Replace real names in code descriptions with pseudonyms.")
@_FORCE
@pass_state
def export_qdc(state: CliState, file: Path, pseudonymise: bool, force: bool) -> None:
    """Write the codebook as a REFI-QDA codebook (.qdc)."""
    _report(state.service().export_qdc(file, force=force, pseudonymise=pseudonymise).lines())


@export.command("qdpx")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@filter_options
@click.option("--researcher", help="Your name as the project's user (default: your login name).")
@_protections
@_FORCE
@pass_state
def export_qdpx(state: CliState, file: Path, researcher: str | None, force: bool, **values: Any) -> None:
    """Write a REFI-QDA project (.qdpx): notes, codes, codings, cases, memos."""
    protections = _pop_protections(values)
    report = state.service().export_qdpx(
        file, note_filter(state, values), protections, force=force, researcher=researcher
    )
    _report(report.lines())


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--skip-bad", is_flag=True, help="Import the good rows and report the bad ones.")
@click.option(
    "--excel-safe", is_flag=True, help="The CSV was exported with --excel-safe: drop those apostrophes."
)
@click.option(
    "--unflatten-newlines",
    is_flag=True,
    help="The CSV was exported with --flatten-newlines: turn ' ¶ ' back into line breaks.",
)
@pass_state
def import_notes(
    state: CliState, file: Path, skip_bad: bool, excel_safe: bool, unflatten_newlines: bool
) -> None:
    """Import notes.csv (from `export nvivo`) or a .jsonl file of notes.

    Notes whose id matches are updated; others are added. A file with bad rows
    is refused whole unless --skip-bad.
    """
    report = state.service().import_notes(
        file, skip_bad=skip_bad, excel_safe=excel_safe, unflatten_newlines=unflatten_newlines
    )
    state.close()
    _report(report.lines())
