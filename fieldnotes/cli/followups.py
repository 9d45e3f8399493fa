"""`fieldnotes followups`: the follow-ups of every note as items to tick off."""

from __future__ import annotations

from datetime import date

import click

from fieldnotes.cli.common import CliState, pass_state
from fieldnotes.cli.render import print_json
from fieldnotes.followups import Followup
from fieldnotes.text import one_line

_JSON = click.option("--json", "as_json", is_flag=True, help="Print as JSON.")


def item_line(item: Followup, today: str) -> str:
    """One item on one line: id, [ ] open / [x] done / [!] overdue, due date, text, what it
    concerns, and its note."""
    mark = "[x]" if not item.is_open else "[!]" if item.overdue(today) else "[ ]"
    due = f"due {item.due}" if item.due else ""
    if item.overdue(today):
        due += " OVERDUE"
    concerns = f"  ({item.concerns})" if item.concerns else ""
    note = f"{item.note_id[:8]} {item.note_start[:10]} {one_line(item.note_title)}"
    return f"{item.short_id}  {mark}  {due:<22}  {item.text}{concerns}  · {note}".rstrip()


def _print(items: list[Followup], as_json: bool, *, empty: str) -> None:
    today = date.today().isoformat()
    if as_json:
        print_json([item.to_dict(today) for item in items])
        return
    if not items:
        click.echo(empty, err=True)
        return
    for item in items:
        click.echo(item_line(item, today))


@click.group(invoke_without_command=True)
@click.option("--open", "open_only", is_flag=True, help="Only the open items.")
@_JSON
@click.pass_context
def followups(ctx: click.Context, open_only: bool, as_json: bool) -> None:
    """Follow-ups as items: every line of a note's follow-ups is one, open or done, with an
    optional due date and whom it concerns. List (the default), done, reopen, add, edit.

    Ids are the first characters shown (any 4 or more): `fieldnotes followups done 3f2a`."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(followups_list, open_only=open_only, as_json=as_json, org=None)


@followups.command("list")
@click.option("--open", "open_only", is_flag=True, help="Only the open items.")
@click.option("--org", help="Only items concerning this organization (or person).")
@_JSON
@pass_state
def followups_list(state: CliState, open_only: bool, org: str | None, as_json: bool) -> None:
    """Open items first (soonest due first, [!] overdue), then done ones."""
    items = state.service().followups.items(open_only=open_only, concerning=org)
    _print(items, as_json, empty="No open follow-ups." if open_only else "No follow-ups yet.")


@followups.command("done")
@click.argument("item_id")
@pass_state
def followups_done(state: CliState, item_id: str) -> None:
    """Mark an item done."""
    item = state.service().followups.set_done(item_id, True)
    click.echo(item_line(item, date.today().isoformat()))


@followups.command("reopen")
@click.argument("item_id")
@pass_state
def followups_reopen(state: CliState, item_id: str) -> None:
    """Mark a done item open again."""
    item = state.service().followups.set_done(item_id, False)
    click.echo(item_line(item, date.today().isoformat()))


_DUE = click.option("--due", help="When it is due: 'friday', 'in 2 weeks', '1 Feb 2016'... ('' clears it).")
_CONCERNS = click.option(
    "--concerns", help="The organization or person it concerns (a registry name is matched; '' clears it)."
)


@followups.command("add")
@click.argument("note_id")
@click.argument("text")
@_DUE
@_CONCERNS
@pass_state
def followups_add(state: CliState, note_id: str, text: str, due: str | None, concerns: str | None) -> None:
    """Add TEXT as a new line of a note's follow-ups, and print the item."""
    from fieldnotes.followups import parse_due

    service = state.service()
    due_date = parse_due(due, dayfirst=state.dayfirst) if due else ""
    item = service.followups.add(note_id, text, due=due_date, concerns=concerns or "")
    state.close()
    click.echo(item_line(item, date.today().isoformat()))


@followups.command("edit")
@click.argument("item_id")
@_DUE
@_CONCERNS
@pass_state
def followups_edit(state: CliState, item_id: str, due: str | None, concerns: str | None) -> None:
    """Set an item's due date or whom it concerns. Its text is a line of its note: change it
    with `fieldnotes edit NOTE --followups`, or in the app."""
    from fieldnotes.followups import parse_due

    if due is None and concerns is None:
        raise click.UsageError("say what to change: --due or --concerns")
    due_date = None if due is None else parse_due(due, dayfirst=state.dayfirst)
    item = state.service().followups.edit(item_id, due=due_date, concerns=concerns)
    click.echo(item_line(item, date.today().isoformat()))
