"""`fieldnotes demo`: the app on a temporary copy of the fictional sample study."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

import click

from fieldnotes.cli.common import CliState, pass_state

BANNER = (
    " DEMO · a temporary copy of the fictional sample study · your own notes are not touched "
    "· it is deleted when you quit"
)
HANGUPS = (signal.SIGHUP, signal.SIGTERM) if hasattr(signal, "SIGHUP") else (signal.SIGTERM,)


@contextmanager
def removed_on_hangup(cleanup: Callable[[], None]) -> Iterator[None]:
    """Run `cleanup` also when the terminal is closed (SIGHUP) or the process is told to
    stop (SIGTERM): the app never returns then, so a `finally` would not run. The
    process ends at once after it, with the usual exit status of that signal."""

    def hung_up(signum: int, _frame: FrameType | None) -> None:
        cleanup()
        os._exit(128 + signum)

    previous = {signum: signal.signal(signum, hung_up) for signum in HANGUPS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@click.command()
@click.option("--keep", is_flag=True, help="Keep the temporary database and print where it is.")
@pass_state
def demo(state: CliState, keep: bool) -> None:
    """Try fieldnotes on eight months of invented fieldwork, in a throwaway database.

    The copy is deleted when you quit, and also when the terminal is closed."""
    from fieldnotes.cli import tui_launch
    from fieldnotes.sample import SAMPLE_DB, build_sample
    from fieldnotes.service import FieldNotes

    folder = Path(tempfile.mkdtemp(prefix="fieldnotes-demo-"))
    db = folder / SAMPLE_DB

    def cleanup() -> None:
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)

    try:
        with removed_on_hangup(cleanup):
            with FieldNotes.open(db) as service:
                build_sample(service)
            tui_launch.run_tui(db, dayfirst=state.dayfirst, banner=BANNER)
    finally:
        if keep:
            click.echo(f"The demo database is kept at {db}", err=True)
        cleanup()
