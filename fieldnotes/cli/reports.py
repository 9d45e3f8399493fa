"""`fieldnotes report`: collaboration frequency and intensity, ties, code frequencies."""

from __future__ import annotations

from typing import Any

import click

from fieldnotes.cli.common import CliState, pass_state
from fieldnotes.cli.notes import filter_options, note_filter
from fieldnotes.model import KINDS
from fieldnotes.reports import CODE_GROUPS, PERIODS, CodeRow, ContactRow, TieRow, to_csv, to_table

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
@_CSV
@pass_state
def report_ties(state: CliState, as_csv: bool, **values: Any) -> None:
    """Pairs of organizations tagged in the same notes (co-presence), with counts and dates."""
    _print(TieRow, state.service().report_ties(note_filter(state, values)), as_csv)


@report.command("codes")
@click.option("--by", type=click.Choice(CODE_GROUPS), default="org-type", show_default=True)
@filter_options
@_CSV
@pass_state
def report_codes(state: CliState, by: str, as_csv: bool, **values: Any) -> None:
    """Code frequencies by organization type, organization or kind of note."""
    _print(CodeRow, state.service().report_codes(by=by, flt=note_filter(state, values)), as_csv)
