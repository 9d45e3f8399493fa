"""What every CLI command shares."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from fieldnotes.errors import EXIT_BAD_INPUT

if TYPE_CHECKING:
    from fieldnotes.service import FieldNotes

F = TypeVar("F", bound=Callable[..., Any])


def ask_passphrase(
    prompt: str = "Passphrase", *, confirm: bool = False, env: str | None = "FIELDNOTES_PASSPHRASE"
) -> str:
    """From the environment variable `env`, else typed (hidden) at the terminal; never echoed."""
    import os
    import sys

    value = os.environ.get(env) if env else None
    if value:
        return value
    if not sys.stdin or not sys.stdin.isatty():
        where = f"set {env}, or " if env else ""
        fail(f"a passphrase is needed: {where}type it in a terminal")
    return str(click.prompt(prompt, hide_input=True, confirmation_prompt=confirm, err=True))


@dataclass
class CliState:
    """What every command shares: where the database is, and its service."""

    db_path: Path
    dayfirst: bool = False
    passphrase: str | None = field(default=None, repr=False)
    _service: FieldNotes | None = field(default=None, repr=False)

    def service(self) -> FieldNotes:
        if self._service is None:
            from fieldnotes.errors import PassphraseNeededError
            from fieldnotes.service import FieldNotes

            try:
                self._service = FieldNotes.open(self.db_path, passphrase=self.passphrase)
            except PassphraseNeededError:
                self.passphrase = ask_passphrase(f"Passphrase for {self.db_path.name}")
                self._service = FieldNotes.open(self.db_path, passphrase=self.passphrase)
            from datetime import date

            warning = self._service.registries.retention_warning(date.today().isoformat())
            if warning:
                click.echo(f"fieldnotes: warning: {warning}", err=True)
        return self._service

    def passphrase_if_encrypted(self) -> str | None:
        """The passphrase, asked for only when the database file is encrypted."""
        from fieldnotes.paths import resolve_db_path
        from fieldnotes.storage.crypto import is_encrypted

        path = resolve_db_path(self.db_path)
        if self.passphrase or not path.exists():
            return self.passphrase
        with open(path, "rb") as handle:
            head = handle.read(64)
        if is_encrypted(head):
            self.passphrase = ask_passphrase(f"Passphrase for {path.name}")
        return self.passphrase

    def close(self) -> None:
        if self._service is not None:
            self._service.close()
            self._service = None


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    click.echo(f"fieldnotes: {message}", err=True)
    raise SystemExit(code)


def option_group(*decorators: Callable[[F], F]) -> Callable[[F], F]:
    """Several click options as one decorator, applied in the order listed."""

    def apply(command: F) -> F:
        for decorator in reversed(decorators):
            command = decorator(command)
        return command

    return apply


pass_state = click.make_pass_decorator(CliState)
