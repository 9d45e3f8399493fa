"""`fieldnotes demo`: the app on a temporary copy of the fictional sample study."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import click

from fieldnotes.cli.common import CliState, pass_state

BANNER = (
    " DEMO · a temporary copy of the fictional sample study · your own notes are not touched "
    "· it is deleted when you quit"
)


@click.command()
@click.option("--keep", is_flag=True, help="Keep the temporary database and print where it is.")
@pass_state
def demo(state: CliState, keep: bool) -> None:
    """Try fieldnotes on eight months of invented fieldwork, in a throwaway database."""
    from fieldnotes.cli.tui_launch import run_tui
    from fieldnotes.sample import SAMPLE_DB, build_sample
    from fieldnotes.service import FieldNotes

    folder = Path(tempfile.mkdtemp(prefix="fieldnotes-demo-"))
    db = folder / SAMPLE_DB
    try:
        with FieldNotes.open(db) as service:
            build_sample(service)
        run_tui(db, dayfirst=state.dayfirst, banner=BANNER)
    finally:
        if keep:
            click.echo(f"The demo database is kept at {db}", err=True)
        else:
            shutil.rmtree(folder, ignore_errors=True)
