"""The `fieldnotes` command: a scriptable CLI beside the TUI.

Every command goes through the service layer. Errors are one line on stderr:
exit 2 for bad input (a date, a kind, an id), exit 1 for a damaged or
unwritable database. Never a traceback.
"""

from __future__ import annotations

import errno
import importlib
import io
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from fieldnotes import __version__
from fieldnotes.cli.common import CliState, fail, guard_text_params, home_expanded, say
from fieldnotes.errors import EXIT_BAD_INPUT, EXIT_STORAGE
from fieldnotes.paths import DB_ENV, default_db_path


class _StdoutClosed(Exception):
    """The reader of our stdout went away (`fieldnotes list | head -1`)."""


def _silence_stdout() -> None:
    """Python's SIGPIPE recipe: point stdout at devnull, so the flush at exit cannot fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass  # not a file descriptor (a test runner's stream): there is no pipe to flush into
    finally:
        os.close(devnull)


def _tolerant_output() -> None:
    """A file name given in bytes that are not UTF-8 is echoed back as those bytes, as ls
    does; a terminal in another encoding shows what it cannot encode as escapes. Printing
    never fails on what it prints."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            utf8 = stream.encoding.lower().replace("-", "") == "utf8"
            stream.reconfigure(errors="surrogateescape" if utf8 else "backslashreplace")


# The file system says the name given cannot be that file: the input is wrong (exit 2), as
# against a file system that cannot do what was asked (no permission, disk full: exit 1).
_BAD_NAME = frozenset(
    {errno.ENAMETOOLONG, errno.ENOENT, errno.ENOTDIR, errno.EISDIR, errno.EEXIST, errno.EINVAL, errno.ELOOP}
)


def _said(message: str, code: int) -> int:
    """`message` said on one line; `code` returned for the exit."""
    say(" ".join(message.splitlines()))
    return code


def _usage_line(exc: click.UsageError) -> str:
    """A click usage error with where to look."""
    message = exc.format_message()
    if exc.ctx is not None:
        message += f" (see '{exc.ctx.command_path} --help')"
    return message


# Each command lives in the module that implements it, imported only when that command
# runs (or when --help lists them): `fieldnotes add` does not load the export code.
COMMANDS: dict[str, str] = {
    "add": "fieldnotes.cli.notes:add",
    "jot": "fieldnotes.cli.capture:jot",
    "new": "fieldnotes.cli.capture:new",
    "list": "fieldnotes.cli.notes:list_notes",
    "show": "fieldnotes.cli.notes:show",
    "edit": "fieldnotes.cli.notes:edit",
    "delete": "fieldnotes.cli.notes:delete",
    "export": "fieldnotes.cli.exchange:export",
    "import": "fieldnotes.cli.exchange:import_notes",
    "exports": "fieldnotes.cli.exchange:exports",
    "orgs": "fieldnotes.cli.registries:orgs",
    "people": "fieldnotes.cli.registries:people",
    "codes": "fieldnotes.cli.registries:codes",
    "followups": "fieldnotes.cli.followups:followups",
    "memos": "fieldnotes.cli.memos:memos",
    "report": "fieldnotes.cli.reports:report",
    "backups": "fieldnotes.cli.admin:backups",
    "restore": "fieldnotes.cli.admin:restore",
    "encrypt": "fieldnotes.cli.admin:encrypt",
    "decrypt": "fieldnotes.cli.admin:decrypt",
    "demo": "fieldnotes.cli.demo:demo",
    "project": "fieldnotes.cli.ethics:project",
    "check-names": "fieldnotes.cli.ethics:check_names",
    "passphrase": "fieldnotes.cli.maintenance:passphrase",
    "flush": "fieldnotes.cli.maintenance:flush",
    "recover": "fieldnotes.cli.maintenance:recover",
    "drafts": "fieldnotes.cli.maintenance:drafts",
    "destroy": "fieldnotes.cli.maintenance:destroy",
    "merge": "fieldnotes.cli.sync:merge",
    "merge-driver": "fieldnotes.cli.sync:merge_driver",
    "conflicts": "fieldnotes.cli.sync:conflicts",
    "git-setup": "fieldnotes.cli.sync:git_setup",
    "sync": "fieldnotes.cli.sync:sync_command",
    "git-hook": "fieldnotes.cli.sync:git_hook",
    "doctor": "fieldnotes.cli.sync:doctor",
}


class FieldnotesGroup(click.Group):
    """The one place that turns what can go wrong into one line and an exit code.

    Exit 2: the input was refused (a fieldnotes InputError, or what click finds
    wrong in the arguments: an unknown option, a bad choice, text that is not
    UTF-8). Exit 1: the database cannot be read or written. When the reader of
    stdout leaves early (`list | head -1`), the command stops quietly with the
    exit code it had (0). Never a traceback.
    """

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        guard_text_params(self)
        _tolerant_output()
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        code: Any = 0
        try:
            try:
                code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
            except SystemExit as exc:  # `fail` in a command, said already
                code = exc.code
            except click.UsageError as exc:
                code = _said(_usage_line(exc), EXIT_BAD_INPUT)
            except click.ClickException as exc:
                code = _said(exc.format_message(), exc.exit_code)
            except click.Abort:
                code = _said("aborted", EXIT_STORAGE)
            sys.stdout.flush()
        except (_StdoutClosed, BrokenPipeError):
            _silence_stdout()
        sys.exit(code if code is None or isinstance(code, int | str) else 0)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.commands and name in COMMANDS:
            module, attribute = COMMANDS[name].split(":")
            command = getattr(importlib.import_module(module), attribute)
            guard_text_params(command)
            self.add_command(command, name)
        return super().get_command(ctx, name)

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        try:
            return super().make_context(*args, **kwargs)
        except BrokenPipeError:  # --help into a closed pipe; click would exit 1
            raise _StdoutClosed from None

    def invoke(self, ctx: click.Context) -> Any:
        from fieldnotes.errors import FieldnotesError

        try:
            return super().invoke(ctx)
        except FieldnotesError as exc:
            fail("\n".join([str(exc), *getattr(exc, "__notes__", ())]), exc.exit_code)  # what else went wrong
        except BrokenPipeError:
            raise _StdoutClosed from None
        except OSError as exc:
            where = f" ({exc.filename})" if exc.filename else ""
            code = EXIT_BAD_INPUT if exc.errno in _BAD_NAME else EXIT_STORAGE
            fail(f"{exc.strerror or exc}{where}", code)


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
    "Also FIELDNOTES_DAYFIRST=1, or the app's preference.",
)
@click.version_option(__version__, prog_name="fieldnotes")
@click.pass_context
def cli(ctx: click.Context, db_path: Path | None, dayfirst: bool | None) -> None:
    """Capture field notes from meetings, events and interviews.

    With no command, opens the full-screen app on the database.
    """
    if dayfirst is None and os.environ.get("FIELDNOTES_DAYFIRST", "").strip():
        dayfirst = os.environ["FIELDNOTES_DAYFIRST"].strip().lower() in ("1", "true", "yes")
    from fieldnotes.storage.crypto import PASSPHRASE_ENV

    try:
        path = db_path or default_db_path()
    except RuntimeError:  # FIELDNOTES_DB=~nobody/notes.json
        fail(f"${DB_ENV} names a home folder that does not exist; give the full path")
    state = CliState(
        db_path=home_expanded(path, "--db"),
        dayfirst_given=dayfirst,
        passphrase=os.environ.get(PASSPHRASE_ENV) or None,
    )
    ctx.obj = state
    ctx.call_on_close(state.close)
    if ctx.invoked_subcommand is None:
        from fieldnotes.cli.tui_launch import run_tui

        run_tui(state.db_path, dayfirst=dayfirst, passphrase=state.passphrase)  # None: the app's preference


def main() -> None:
    cli.main(prog_name="fieldnotes")
