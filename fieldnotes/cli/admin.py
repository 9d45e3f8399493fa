"""Safety commands: backups, restore."""

from __future__ import annotations

import click

from fieldnotes.cli.common import CliState, fail, pass_state


@click.command()
@pass_state
def backups(state: CliState) -> None:
    """List the backups beside the database, newest first."""
    from fieldnotes.storage.backups import Backups

    found = Backups(state.db_path.absolute()).list()
    if not found:
        click.echo(f"No backups yet in {state.db_path.absolute().parent / 'backups'}", err=True)
        return
    for number, info in enumerate(found, start=1):
        size = f"{info.size / 1024:,.0f} KB"
        click.echo(f"{number:>3}  {info.taken:%Y-%m-%d %H:%M:%S}  {info.reason:<22} {size:>10}  {info.name}")


@click.command()
@click.argument("backup")
@pass_state
def restore(state: CliState, backup: str) -> None:
    """Restore BACKUP (a number from `backups`, a file name, or a path).

    The database it replaces is kept as a backup first, even when damaged.
    """
    from fieldnotes.service import restore as restore_db

    state.close()
    try:
        source = restore_db(state.db_path, backup)
    except FileNotFoundError:
        fail(f"no backup {backup!r}; see `fieldnotes backups`")
    click.echo(f"Restored {source.name} into {state.db_path}", err=True)
