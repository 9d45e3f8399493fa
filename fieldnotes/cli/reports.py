"""`fieldnotes report`: collaboration frequency and intensity, ties, code frequencies."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from fieldnotes.cli.common import CliState, pass_state
from fieldnotes.cli.notes import filter_options, note_filter
from fieldnotes.model import KINDS
from fieldnotes.reports import (
    CODE_GROUPS,
    PERIODS,
    CodeRow,
    ContactRow,
    TieRow,
    WeightedTieRow,
    to_csv,
    to_table,
)

_CSV = click.option("--csv", "as_csv", is_flag=True, help="Print CSV instead of a table.")


def _print(row_type: type, rows: list[Any], as_csv: bool) -> None:
    if not rows and not as_csv:
        click.echo("Nothing to report: no notes match.", err=True)
        return
    click.echo(to_csv(row_type, rows) if as_csv else to_table(row_type, rows), nl=False)


def _date_filter(state: CliState, values: dict[str, Any]) -> Any:
    values.setdefault("kind", None)
    values.setdefault("org", None)
    values.setdefault("code", None)
    return note_filter(state, values)


@click.group()
def report() -> None:
    """Reports: contacts, ties, codes."""


@report.command("contacts")
@click.option("--by", type=click.Choice(PERIODS), default="month", show_default=True)
@click.option("--kind", type=click.Choice(KINDS), help="Only this kind of note.")
@click.option("--since", help="From this date.")
@click.option("--until", help="Up to this date.")
@_CSV
@pass_state
def report_contacts(state: CliState, by: str, kind: str | None, as_csv: bool, **values: Any) -> None:
    """Organizations x periods: notes tagging each, by kind, and total minutes (intensity)."""
    rows = state.service().report_contacts(by=by, kind=kind, flt=_date_filter(state, values))
    _print(ContactRow, rows, as_csv)


@report.command("ties")
@filter_options
@click.option(
    "--weighted",
    is_flag=True,
    help="The ties recorded with --tie: per pair and type, count, total and mean intensity, "
    "first and last date.",
)
@click.option(
    "--graphml",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the recorded ties as a weighted network (GraphML: Gephi, networkx) to this file.",
)
@click.option("--pseudonymise", is_flag=True, help="With --graphml: replace registered real names.")
@click.option("--force", is_flag=True, help="With --graphml: replace the file if it exists.")
@_CSV
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@pass_state
def report_ties(
    state: CliState,
    weighted: bool,
    graphml: Path | None,
    pseudonymise: bool,
    force: bool,
    as_csv: bool,
    as_json: bool,
    **values: Any,
) -> None:
    """Pairs of organizations: tagged in the same notes (co-presence, the default), or the
    collaboration ties recorded on meetings and events (--weighted), with counts and dates."""
    if as_csv and as_json:
        raise click.UsageError("choose --csv or --json, not both")
    flt = note_filter(state, values)
    service = state.service()
    if graphml is not None:
        from fieldnotes.export.job import Protections

        report = service.export_graphml(graphml, flt, Protections(pseudonymise=pseudonymise), force=force)
        for line in report.lines():
            click.echo(line, err=True)
        if not weighted:
            return
    rows: list[Any] = service.report_weighted_ties(flt) if weighted else service.report_ties(flt)
    if as_json:
        from fieldnotes.cli.render import print_json

        print_json([asdict(row) for row in rows])
        return
    if weighted and not rows and not as_csv:
        click.echo("No ties recorded: add them to meetings and events with --tie 'A|B|TYPE|1-5'.", err=True)
        return
    _print(WeightedTieRow if weighted else TieRow, rows, as_csv)


@report.command("codes")
@click.option("--by", type=click.Choice(CODE_GROUPS), default="org-type", show_default=True)
@filter_options
@_CSV
@pass_state
def report_codes(state: CliState, by: str, as_csv: bool, **values: Any) -> None:
    """Code frequencies by organization type, organization or kind of note."""
    _print(CodeRow, state.service().report_codes(by=by, flt=note_filter(state, values)), as_csv)
