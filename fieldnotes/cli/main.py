"""The `fieldnotes` command: a scriptable CLI beside the TUI.

Every command goes through the service layer. Errors are one line on stderr:
exit 2 for bad input (a date, a kind, an id), exit 1 for a damaged or
unwritable database. Never a traceback.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from fieldnotes import __version__
from fieldnotes.cli.admin import backups, decrypt, encrypt, restore
from fieldnotes.cli.common import CliState, fail
from fieldnotes.cli.demo import demo
from fieldnotes.cli.ethics import check_names, project
from fieldnotes.cli.exchange import export, exports, import_notes
from fieldnotes.cli.notes import add, delete, edit, list_notes, show
from fieldnotes.cli.registries import codes, orgs, people
from fieldnotes.cli.reports import report
from fieldnotes.paths import DB_ENV, default_db_path


class FieldnotesGroup(click.Group):
    """Turns every fieldnotes error into one clear line and its exit code: the only place."""

    def invoke(self, ctx: click.Context) -> Any:
        from fieldnotes.errors import EXIT_STORAGE, FieldnotesError

        try:
            return super().invoke(ctx)
        except FieldnotesError as exc:
            fail(str(exc), exc.exit_code)
        except OSError as exc:
            where = f" ({exc.filename})" if exc.filename else ""
            fail(f"{exc.strerror or exc}{where}", EXIT_STORAGE)


@click.group(cls=FieldnotesGroup, invoke_without_command=True)
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help=f"Database file. Default: ${DB_ENV}, else the user data folder.",
)
@click.option(
    "--dayfirst/--monthfirst",
    default=None,
    help="Read 1/2/2016 as 1 Feb (day first) or 2 Jan (month first, the default). "
    "Also FIELDNOTES_DAYFIRST=1.",
)
@click.version_option(__version__, prog_name="fieldnotes")
@click.pass_context
def cli(ctx: click.Context, db_path: Path | None, dayfirst: bool | None) -> None:
    """Capture field notes from meetings, events and interviews.

    With no command, opens the full-screen app on the database.
    """
    if dayfirst is None:
        dayfirst = os.environ.get("FIELDNOTES_DAYFIRST", "").strip().lower() in ("1", "true", "yes")
    from fieldnotes.storage.crypto import PASSPHRASE_ENV

    state = CliState(
        db_path=(db_path or default_db_path()).expanduser(),
        dayfirst=dayfirst,
        passphrase=os.environ.get(PASSPHRASE_ENV) or None,
    )
    ctx.obj = state
    ctx.call_on_close(state.close)
    if ctx.invoked_subcommand is None:
        from fieldnotes.cli.tui_launch import run_tui

        run_tui(state.db_path, dayfirst=dayfirst, passphrase=state.passphrase)


for command in (
    add,
    list_notes,
    show,
    edit,
    delete,
    export,
    exports,
    import_notes,
    orgs,
    people,
    codes,
    report,
    backups,
    restore,
    demo,
    project,
    check_names,
    encrypt,
    decrypt,
):
    cli.add_command(command)


def main() -> None:
    cli(prog_name="fieldnotes")
