"""What every CLI command shares."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

if TYPE_CHECKING:
    from fieldnotes.service import FieldNotes

EXIT_BAD_INPUT = 2
EXIT_STORAGE = 1


@dataclass
class CliState:
    """What every command shares: where the database is, and its service."""

    db_path: Path
    dayfirst: bool = False
    _service: FieldNotes | None = field(default=None, repr=False)

    def service(self) -> FieldNotes:
        if self._service is None:
            from fieldnotes.service import FieldNotes

            self._service = FieldNotes.open(self.db_path)
            from datetime import date

            warning = self._service.retention_warning(date.today().isoformat())
            if warning:
                click.echo(f"fieldnotes: warning: {warning}", err=True)
        return self._service

    def close(self) -> None:
        if self._service is not None:
            self._service.close()
            self._service = None


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    click.echo(f"fieldnotes: {message}", err=True)
    raise SystemExit(code)


pass_state = click.make_pass_decorator(CliState)
