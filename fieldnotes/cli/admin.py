"""Safety commands: backups, restore."""

from __future__ import annotations

import click

from fieldnotes.cli.common import CliState, ask_passphrase, home_expanded, pass_state


@click.command()
@pass_state
def backups(state: CliState) -> None:
    """List the backups beside the database, newest first."""
    from fieldnotes.paths import resolve_db_path
    from fieldnotes.storage.backups import Backups

    backups = Backups(resolve_db_path(state.db_path))
    found = backups.list()
    if not found:
        click.echo(f"No backups yet in {backups.folder}", err=True)
        return
    for number, info in enumerate(found, start=1):
        size = f"{info.size / 1024:,.0f} KB"
        click.echo(f"{number:>3}  {info.taken:%Y-%m-%d %H:%M:%S}  {info.reason:<22} {size:>10}  {info.name}")


@click.command()
@click.argument("backup")
@pass_state
def restore(state: CliState, backup: str) -> None:
    """Restore BACKUP: a number from `backups` (1 = newest), a backup's file name, or a
    path to any other file (with a folder in it: ./file.json, ~/file.json).

    The database it replaces is kept as a backup first, even when damaged.
    """
    from fieldnotes.errors import NotFoundError
    from fieldnotes.service import restore as restore_db

    if backup.isdigit() and not backup.isdecimal():  # '²' looks like a number and is none
        raise NotFoundError(f"no backup {backup!r}; see `fieldnotes backups` for their numbers")
    if backup.startswith("~"):
        backup = str(home_expanded(backup, "backup"))
    state.close()
    source = restore_db(state.db_path, backup, passphrase=state.passphrase_if_encrypted())
    click.echo(f"Restored {source.name} into {state.db_path}", err=True)


@click.command()
@pass_state
def encrypt(state: CliState) -> None:
    """Encrypt the database, its backups and its draft with a passphrase.

    AES-256-GCM with a key from the passphrase through scrypt. The passphrase is
    asked once per start (or read from FIELDNOTES_PASSPHRASE, for scripts: it is
    then visible to other programs of yours, so prefer typing it). Lose it and
    the notes are gone: keep it somewhere safe.
    """
    from fieldnotes.service import encrypt_database

    state.close()
    passphrase = state.passphrase or ask_passphrase("New passphrase", confirm=True)
    converted = encrypt_database(state.db_path, passphrase)
    click.echo(f"Encrypted {len(converted)} file(s): the database, its backups and draft.", err=True)


@click.command()
@pass_state
def decrypt(state: CliState) -> None:
    """Turn an encrypted database (and its backups and draft) back into plain files."""
    from fieldnotes.service import decrypt_database

    state.close()
    passphrase = state.passphrase or ask_passphrase(f"Passphrase for {state.db_path.name}")
    converted = decrypt_database(state.db_path, passphrase)
    click.echo(f"Decrypted {len(converted)} file(s).", err=True)
