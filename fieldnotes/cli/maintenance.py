"""Care of the database file: flush, recover, passphrase, drafts, destroy."""

from __future__ import annotations

import os
from pathlib import Path

import click

from fieldnotes.cli.common import CliState, ask_passphrase, fail, pass_state
from fieldnotes.cli.render import print_json

NEW_PASSPHRASE_ENV = "FIELDNOTES_NEW_PASSPHRASE"


@click.command()
@pass_state
def flush(state: CliState) -> None:
    """Fold the journal into the main file now.

    Every save is durable the moment it is acknowledged: it is in the journal
    beside the database. The main file catches up when the journal passes 4 MB,
    when the app (or any command that read every note) closes, before exports,
    and with this command: run it before copying the database file by hand.
    """
    service = state.service()
    pending = service.store.journal_bytes
    service.store.flush()
    click.echo(f"The main file holds everything ({pending / 1024:,.0f} KB of journal folded in).", err=True)


@click.command()
@pass_state
def recover(state: CliState) -> None:
    """Keep everything still readable after damage, and set the rest aside.

    A damaged journal: the database plus every intact change before the damage.
    A damaged database file: its newest good backup plus every intact change
    saved since. The damaged files are kept among the backups, byte for byte.
    """
    from fieldnotes.service import recover as recover_database

    state.close()
    report = recover_database(state.db_path, passphrase=state.passphrase_if_encrypted())
    for line in report.lines():
        click.echo(line, err=True)


@click.command()
@pass_state
def passphrase(state: CliState) -> None:
    """Change the passphrase of an encrypted database, its backups and drafts.

    The current passphrase is read as usual (typed, or FIELDNOTES_PASSPHRASE);
    the new one is typed twice, hidden, or read from FIELDNOTES_NEW_PASSPHRASE.
    Every file is re-sealed atomically: a crash leaves each one openable with the
    old or the new passphrase, and running the command again finishes the job.
    """
    from fieldnotes.service import change_passphrase

    state.close()
    old = state.passphrase or ask_passphrase(f"Current passphrase for {state.db_path.name}")
    new = os.environ.get(NEW_PASSPHRASE_ENV) or ask_passphrase("New passphrase", confirm=True, env=None)
    if new == old:
        fail("the new passphrase is the same as the current one; nothing was changed")
    changed = change_passphrase(state.db_path, old, new)
    click.echo(f"Re-sealed {len(changed)} file(s) with the new passphrase.", err=True)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the drafts as JSON.")
@pass_state
def drafts(state: CliState, as_json: bool) -> None:
    """List the unsaved forms the app kept (one per form): kind, title, first words, when.

    Open the app to resume or discard them (the command palette lists them too).
    """
    kept = state.service().drafts()
    rows = []
    for draft_id, draft in kept:
        fields = draft.get("fields") if isinstance(draft.get("fields"), dict) else {}
        body = " ".join(str(fields.get("body", "")).split())
        rows.append(
            {
                "id": draft_id,
                "kind": str(draft.get("kind", "")),
                "title": " ".join(str(fields.get("title", "")).split()),
                "first_words": body[:60],
                "saved_at": str(draft.get("saved_at", "")),
                "note_id": draft.get("note_id"),
            }
        )
    if as_json:
        print_json(rows)
        return
    if not rows:
        click.echo("No drafts kept.", err=True)
        return
    for row in rows:
        title = row["title"] or "(untitled)"
        edit = f"  (edit of {str(row['note_id'])[:8]})" if row["note_id"] else ""
        click.echo(f"{row['saved_at']}  {row['kind']:<9}  {title}{edit}  {row['first_words']}".rstrip())


@click.command()
@click.option(
    "--confirm",
    "typed",
    metavar="NAME",
    help="The database's file name, typed back (for scripts; otherwise you are asked).",
)
@pass_state
def destroy(state: CliState, typed: str | None) -> None:
    """Destroy the study's data once its destroy-by date has passed.

    Removes the database, its journal, index, drafts and every backup. Exports
    are not yours to lose by accident: the ones in the export ledger that still
    exist are listed, for you to delete as your ethics approval requires. You
    are asked to type the database's file name back. On SSDs and journaling file
    systems, deleted blocks may linger until reused: see the README.
    """
    from datetime import date

    from fieldnotes.service import database_files
    from fieldnotes.service import destroy as destroy_database

    service = state.service()
    project = service.registries.project()
    today = date.today().isoformat()
    if not project.destroy_by:
        fail("no destroy-by date is recorded (fieldnotes project set --destroy-by DATE); nothing was removed")
    if not project.overdue(today):
        fail(f"the destroy-by date, {project.destroy_by}, has not passed; nothing was removed")
    path = service.path
    still_there = sorted(
        {record.path for record in service.exports() if record.path and Path(record.path).exists()}
    )
    state.close()
    files = database_files(path)
    click.echo(f"This removes, for good, the study at {path}:", err=True)
    for item in files:
        click.echo(f"  {item}{'/ (every backup in it)' if item.is_dir() else ''}", err=True)
    if still_there:
        click.echo("These exports from the ledger still exist; they are NOT removed:", err=True)
        for export in still_there:
            click.echo(f"  {export}", err=True)
    if typed is None:
        import sys

        if not sys.stdin or not sys.stdin.isatty():
            fail("give --confirm NAME (the database's file name) when there is no terminal to ask on")
        typed = click.prompt(f"Type the database's file name ({path.name}) to destroy it", err=True)
    if typed.strip() != path.name:
        fail(f"{typed!r} is not {path.name!r}; nothing was removed")
    removed = destroy_database(path)
    click.echo(f"Removed {len(removed)} file(s) and folder(s).", err=True)
    if still_there:
        click.echo(f"{len(still_there)} export(s) listed above remain: delete them too.", err=True)
