"""Export to NVivo and REFI-QDA, import back, and the export ledger."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import click

from fieldnotes.cli.common import CliState, option_group, pass_state
from fieldnotes.cli.notes import filter_options, note_filter
from fieldnotes.export.job import Protections
from fieldnotes.export.profiles import DEFAULT_PROFILE, PROFILES

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
    "--format",
    "file_format",
    type=click.Choice(["csv", "xlsx"]),
    default="csv",
    show_default=True,
    help="CSV files, or Excel workbooks (one sheet each; line breaks kept in cells; real date cells).",
)
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
    file_format: str,
    flatten_newlines: bool,
    excel_safe: bool,
    code_columns: bool,
    force: bool,
    **values: Any,
) -> None:
    """Write OUTDIR/notes, organizations, informants, codebook, note_organizations and note_codes
    (.csv or .xlsx) and HOW-TO-IMPORT.txt: a dataset and classification sheets for NVivo."""
    protections = _pop_protections(values)
    report = state.service().export_nvivo(
        outdir,
        note_filter(state, values),
        protections,
        format=file_format,
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
@click.option(
    "--for",
    "target",
    type=click.Choice(list(PROFILES)),
    default=DEFAULT_PROFILE,
    show_default=True,
    help="The tool that will import it: sets how coding positions are counted and the line endings.",
)
@click.option("--researcher", help="Your name as the project's user (default: your login name).")
@_protections
@_FORCE
@pass_state
def export_qdpx(
    state: CliState, file: Path, target: str, researcher: str | None, force: bool, **values: Any
) -> None:
    """Write a REFI-QDA project (.qdpx): notes, codes, codings, cases, memos.

    --for nvivo counts positions in UTF-16 units; atlas, maxqda and qualcoder in
    code points (atlas and maxqda with CRLF text); qualcoder also links cases
    the way QualCoder reads them."""
    protections = _pop_protections(values)
    report = state.service().export_qdpx(
        file, note_filter(state, values), protections, force=force, researcher=researcher, target=target
    )
    _report(report.lines())


@export.command("documents")
@click.argument("outdir", type=click.Path(file_okay=False, path_type=Path))
@filter_options
@click.option(
    "--format",
    "file_format",
    type=click.Choice(["txt", "docx"]),
    default="txt",
    show_default=True,
    help="Plain text (UTF-8) or Word documents.",
)
@click.option(
    "--new-only",
    is_flag=True,
    help="Only the notes no earlier documents export carried (see `fieldnotes exports`).",
)
@_protections
@_FORCE
@pass_state
def export_documents(
    state: CliState, outdir: Path, file_format: str, new_only: bool, force: bool, **values: Any
) -> None:
    """Write one document per note into OUTDIR/documents/, named 'YYYY-MM-DD title (id8)',
    with a file classification sheet keyed by those names, the case sheets (.txt and .xlsx)
    and HOW-TO-IMPORT.txt: the way NVivo users import field notes."""
    protections = _pop_protections(values)
    report = state.service().export_documents(
        outdir, note_filter(state, values), protections, new_only=new_only, format=file_format, force=force
    )
    _report(report.lines())


@export.command("graphml")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@filter_options
@_protections
@_FORCE
@pass_state
def export_graphml(state: CliState, file: Path, force: bool, **values: Any) -> None:
    """Write the collaboration ties recorded on meetings and events as a weighted network
    (GraphML, for Gephi, networkx or Cytoscape): organizations as nodes with their type,
    one edge per pair weighted by the total intensity. The same as `report ties --graphml`."""
    protections = _pop_protections(values)
    report = state.service().export_graphml(file, note_filter(state, values), protections, force=force)
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
@click.option(
    "--overwrite-newer",
    is_flag=True,
    help="Also replace notes changed here since the file was written (kept and listed otherwise).",
)
@pass_state
def import_notes(
    state: CliState,
    file: Path,
    skip_bad: bool,
    excel_safe: bool,
    unflatten_newlines: bool,
    overwrite_newer: bool,
) -> None:
    """Import notes.csv or notes.xlsx (from `export nvivo`), a .qdpx (from `export qdpx`)
    or a .jsonl file of notes.

    Notes whose id matches are updated in the fields the file carries; others are
    added. A file with bad rows is refused whole unless --skip-bad. A backup is
    taken first.
    """
    report = state.service().import_notes(
        file,
        skip_bad=skip_bad,
        excel_safe=excel_safe,
        unflatten_newlines=unflatten_newlines,
        overwrite_newer=overwrite_newer,
    )
    state.close()
    _report(report.lines())


@click.command("exports")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per export, with the note ids.")
@pass_state
def exports(state: CliState, as_json: bool) -> None:
    """The export ledger: every export written, newest first, for a data-management audit.

    An export made without --pseudonymise while real names are registered is marked '!'.
    """
    import orjson

    from fieldnotes.export.common import plural

    records = state.service().exports()
    if as_json:
        for record in records:
            click.echo(orjson.dumps(dataclasses.asdict(record)).decode())
        return
    if not records:
        click.echo("no exports yet")
        return
    for record in records:
        mark = "!" if record.names_exposed else " "
        protections = ", ".join(record.protections) or "none"
        count = plural(record.notes, "note")
        click.echo(f"{mark} {record.when.replace('T', ' ')}  {record.format:<14} {count:>12}  {record.path}")
        details = [f"filters: {record.filters or 'none'}", f"protections: {protections}"]
        details += [f"{key}: {value}" for key, value in record.options.items()]
        if record.names_exposed:
            details.append("NOT pseudonymised while real names are registered")
        click.echo("    " + "; ".join(details))
