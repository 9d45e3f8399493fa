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
        fail(f"the database is encrypted, so a passphrase is needed: {where}type it in a terminal")
    return str(click.prompt(prompt, hide_input=True, confirmation_prompt=confirm, err=True))


@dataclass
class CliState:
    """What every command shares: where the database is, and its service."""

    db_path: Path
    dayfirst_given: bool | None = None
    """--dayfirst/--monthfirst or FIELDNOTES_DAYFIRST; None: the preference, read when needed."""
    passphrase: str | None = field(default=None, repr=False)
    _service: FieldNotes | None = field(default=None, repr=False)
    _dayfirst: bool | None = field(default=None, repr=False)

    @property
    def dayfirst(self) -> bool:
        """How to read 1/2/2016: the option, else the app's preference (read only by the
        commands that parse a date, so `add` without one does not pay for it)."""
        if self._dayfirst is None:
            if self.dayfirst_given is not None:
                self._dayfirst = self.dayfirst_given
            else:
                from fieldnotes.config import load

                prefs, warning = load()
                if warning:
                    say(f"warning: {warning}")
                self._dayfirst = prefs.dayfirst
        return self._dayfirst

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


def printable(text: str) -> str:
    """`text` safe to write anywhere: bytes that were not UTF-8 shown as \\xff, lone surrogates as \\ud800."""
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raw = text.encode("utf-8", "backslashreplace")
    return raw.decode("utf-8", "backslashreplace")


def say(message: str) -> None:
    """A message for the user on stderr, whatever bytes it holds."""
    click.echo(f"fieldnotes: {printable(message)}", err=True)


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    say(message)
    raise SystemExit(code)


def home_expanded(text: str | Path, what: str) -> Path:
    """`text` with a leading ~ or ~user made a home folder; an unknown user is refused (exit 2)."""
    from fieldnotes.errors import InputError

    try:
        return Path(text).expanduser()
    except RuntimeError:  # pathlib: "Could not determine home directory."
        shown = printable(str(text))
        raise InputError(f"{what} {shown!r}: no such home folder; give the full path") from None


# ------------------------------------------------------------ text arguments
def undecodable(text: str) -> str | None:
    """Why `text` (an argument as Python received it) is not text we can save, or None.

    Bytes of the command line that are not UTF-8 reach Python as surrogate
    escapes (U+DC80..U+DCFF, see os.fsdecode); any other lone surrogate is no
    character either. Neither can be saved, so both are refused up front.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        char = ord(text[exc.start])
        where = f"at character {exc.start + 1}"
        if 0xDC80 <= char <= 0xDCFF:
            return f"it is not valid UTF-8 (byte 0x{char - 0xDC00:02x} {where})"
        return f"it holds a lone surrogate U+{char:04X} {where}, which is not a character"
    return None


class Utf8Text(click.ParamType):
    """Free text from the command line: refused (exit 2, naming the option) unless valid UTF-8."""

    name = "text"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str):
            problem = undecodable(value)
            if problem:
                self.fail(f"{problem}; nothing was changed. Give the text in UTF-8.", param, ctx)
        return value


TEXT = Utf8Text()


def guard_text_params(command: click.Command) -> None:
    """Make every free-text parameter of `command` and its subcommands a `TEXT`.

    Applied to the whole `fieldnotes` group before each run, so a command added
    later is covered without anyone remembering to. Paths stay paths: a file
    name may be any bytes.
    """
    for param in command.params:
        if isinstance(param.type, click.types.StringParamType):
            param.type = TEXT
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            guard_text_params(sub)


# ----------------------------------------------------------------- stdin
def stdin_text(*, what: str = "the body") -> str | None:
    """Text piped on stdin, decoded strictly as UTF-8 (a UTF-8 BOM is dropped).

    None when there is nothing to read from: stdin closed, absent or a terminal.
    Input that is not UTF-8 is refused with the byte offset of the first
    problem; a pipe that cannot be read is refused too, never taken as empty.
    """
    import sys

    stream = sys.stdin
    if stream is None or stream.closed:
        return None
    try:
        if stream.isatty():
            return None
        raw = stream.buffer.read() if hasattr(stream, "buffer") else stream.read()
    except (OSError, ValueError) as exc:
        fail(f"could not read {what} from stdin ({exc}); nothing was changed")
    if isinstance(raw, str):
        return raw.removeprefix("\ufeff")
    bom = b"\xef\xbb\xbf"
    skip = len(bom) if raw.startswith(bom) else 0
    try:
        return raw[skip:].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = exc.start + skip
        line = raw.count(b"\n", 0, offset) + 1
        fail(
            f"{what} on stdin is not valid UTF-8: byte 0x{raw[offset]:02x} at byte offset {offset} "
            f"(line {line}) {exc.reason}; nothing was changed. Save the text as UTF-8 and try again."
        )


def option_group(*decorators: Callable[[F], F]) -> Callable[[F], F]:
    """Several click options as one decorator, applied in the order listed."""

    def apply(command: F) -> F:
        for decorator in reversed(decorators):
            command = decorator(command)
        return command

    return apply


pass_state = click.make_pass_decorator(CliState)
