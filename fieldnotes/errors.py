"""Every error fieldnotes raises on purpose: one family, one base class.

The message of each is written for the researcher: it says what is wrong and
what to do. `exit_code` is what the CLI exits with (2: the input was refused
and nothing changed; 1: the database cannot be read or written). The CLI maps
the family in one place (`cli/main.py`), the app shows it in one place
(`FieldnotesApp.show_error`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

EXIT_BAD_INPUT = 2
EXIT_STORAGE = 1


class FieldnotesError(Exception):
    """Base of every error fieldnotes raises on purpose."""

    exit_code = EXIT_STORAGE


class InputError(FieldnotesError):
    """The input was refused as given; nothing was changed."""

    exit_code = EXIT_BAD_INPUT


class ValidationError(InputError, ValueError):
    """A value that cannot be saved as given. `field` names the field at fault
    (a note field such as "end" or "organizations"), when one is."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class DateParseError(ValidationError):
    """Text that is not a date-time we can read without guessing."""

    def __init__(self, text: str, reason: str = "", *, field: str | None = None) -> None:
        self.text = text
        message = f"can't read {text!r} as a date and time"
        if reason:
            message += f": {reason}"
        message += " (try e.g. 'now', 'today 3pm', 'monday 9am', '17 Jan 2016 8:30')"
        super().__init__(message, field=field)


class NotFoundError(InputError, LookupError):
    """No note, organization, code, informant or backup goes by that name or id."""


class OutputExistsError(InputError):
    """The export's output is there already and replacing it was not asked for."""


class NothingToExportError(InputError):
    """The export would write nothing (no notes match, or the codebook is empty)."""


class UncheckedExportError(FieldnotesError):
    """An export's files were written and its name check could not finish (interrupted, or
    failed): the export is recorded in the ledger all the same, and the message says to
    check the names before sharing. `report` is the export's report, without the check."""

    def __init__(self, report: Any, reason: str) -> None:
        super().__init__(
            f"{report.target} was written, but its name check did not finish ({reason}): run "
            "`fieldnotes check-names` before you share it"
        )
        self.report = report


class ImportRefusedError(InputError):
    """A file cannot be imported as it is. The message lists why, row by row."""


class PassphraseError(InputError):
    """About the passphrase of an encrypted database."""


class PassphraseNeededError(PassphraseError):
    """The database is encrypted and no passphrase was given."""


class WrongPassphraseError(PassphraseError):
    """The passphrase does not open this file. Nothing was changed."""


class StorageError(FieldnotesError):
    """The database cannot be read or written. The message says what to do."""


class DamagedError(StorageError):
    """A file is damaged. It is left untouched. `backup` is the newest good backup, if any."""

    def __init__(self, path: Path, reason: str, backup: Path | None = None) -> None:
        self.path = path
        self.reason = reason
        self.backup = backup
        message = f"the database {path} is damaged ({reason}). It has not been touched."
        if backup is not None:
            message += (
                f"\nThe newest good backup is {backup}."
                f"\nRecover with:  fieldnotes --db '{path}' recover"
                "\n(it restores that backup, replays every intact change saved since, and keeps the"
                " damaged file among the backups)"
            )
        else:
            message += "\nNo good backup was found beside it."
        super().__init__(message)


class JournalDamagedError(DamagedError):
    """A complete journal entry does not read back (a flipped byte, an entry dropped,
    repeated or spliced in). The entries before it are intact."""

    def __init__(self, path: Path, journal: Path, entry: int, intact: int) -> None:
        self.journal = journal
        self.entry = entry
        self.intact = intact
        FieldnotesError.__init__(
            self,
            f"the journal {journal} has a damaged entry (entry {entry}); the {intact} entries before it "
            "are intact. Nothing has been changed.\n"
            f"Keep the database and every intact entry, and set the rest aside, with:  "
            f"fieldnotes --db '{path}' recover",
        )
        self.path = path
        self.reason = f"entry {entry} of the journal is damaged"
        self.backup = None
