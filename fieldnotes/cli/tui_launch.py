"""Start the full-screen app, or explain in one line why it cannot start."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fieldnotes.cli.common import fail


def run_tui(
    db_path: Path,
    *,
    dayfirst: bool | None = None,
    banner: str = "",
    passphrase: str | None = None,
    prefill: dict[str, Any] | None = None,
) -> None:
    """Open the database and run the app; an encrypted database without a
    passphrase opens on a passphrase screen instead. `prefill` ({"kind", "fields"})
    opens it on a new note's form, filled in."""
    from fieldnotes.errors import FieldnotesError, PassphraseNeededError
    from fieldnotes.service import FieldNotes

    service: FieldNotes | None
    try:
        service = FieldNotes.open(db_path, passphrase=passphrase)
    except PassphraseNeededError:
        service = None
    except FieldnotesError as exc:
        fail(str(exc), exc.exit_code)
    from fieldnotes.tui.app import FieldnotesApp

    app = FieldnotesApp(service, dayfirst=dayfirst, banner=banner, db_path=db_path, prefill=prefill)
    try:
        app.run()
    finally:
        if app.open_service is not None:
            app.open_service.close()
