"""Capture from the shell: `jot` a line during an event, or open the app on a `new` note."""

from __future__ import annotations

from typing import Any

import click

from fieldnotes.cli.common import CliState, pass_state
from fieldnotes.model import KINDS


@click.command()
@click.argument("text", nargs=-1, required=True)
@click.option("--kind", type=click.Choice(KINDS), help="The kind of a new jotting note (default: meeting).")
@pass_state
def jot(state: CliState, text: tuple[str, ...], kind: str | None) -> None:
    """Append "HH:MM TEXT" to today's open jotting note, made if there is none.

    Jot during the event; write it up after (open the note in the app and edit it,
    or `list --status jotted` for the write-ups still to do).

    \b
    Example:
      fieldnotes jot "Director arrives late; mood tense"
    """
    note = state.service().jot(" ".join(text), kind=kind)
    state.close()  # fold the journal before we report success
    lines = note.body.count("\n") + 1
    click.echo(f"{note.id[:8]}  {note.title}  ({lines} line{'s' if lines > 1 else ''} jotted)")


@click.command()
@click.argument("kind", type=click.Choice(KINDS))
@click.argument("title", nargs=-1)
@click.option("--when", help="When it started: 'now' (default), 'today 3pm', '17 Jan 2016 8:30'...")
@click.option("--end", help="When it ended: a time that day, a date-time, or '+90m'.")
@click.option("--where", help="Where it took place.")
@click.option("--org", "orgs", multiple=True, help="An organization present (repeat for more).")
@click.option("--code", "codes", multiple=True, help="A preliminary code (repeat for more).")
@pass_state
def new(state: CliState, kind: str, title: tuple[str, ...], **values: Any) -> None:
    """Open the app straight on a new note's form, filled in from the options.

    Nothing is saved until you save the form (ctrl+s).

    \b
    Example:
      fieldnotes new meeting "Coalition monthly" --when "today 3pm" --org HRC
    """
    from fieldnotes.cli.notes import parse_option
    from fieldnotes.cli.tui_launch import run_tui
    from fieldnotes.dates import show, to_iso

    fields: dict[str, Any] = {"title": " ".join(title)}
    start = parse_option(state, "--when", values["when"]) if values["when"] is not None else None
    if start is not None:
        fields["when"] = show(to_iso(start))
    if values["end"] is not None:
        parse_option(state, "--end", values["end"], base=start)  # refused now, not in the form
        fields["end"] = values["end"]
    if values["where"] is not None:
        fields["location"] = values["where"]
    if values["orgs"]:
        fields["organizations"] = list(values["orgs"])
    if values["codes"]:
        fields["codes"] = list(values["codes"])
    if not any(fields.values()) and not title:
        fields = {}
    state.close()
    prefill = {"kind": kind, "fields": fields}
    run_tui(state.db_path, dayfirst=state.dayfirst, passphrase=state.passphrase, prefill=prefill)
