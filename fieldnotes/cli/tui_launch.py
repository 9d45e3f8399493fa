"""Start the full-screen app, or explain in one line why it cannot start."""

from __future__ import annotations

from pathlib import Path

from fieldnotes.cli.common import EXIT_STORAGE, fail


def run_tui(
    db_path: Path, *, dayfirst: bool = False, banner: str = "", passphrase: str | None = None
) -> None:
    """Open the database and run the app; an encrypted database without a
    passphrase opens on a passphrase screen instead."""
    from fieldnotes.service import FieldNotes
    from fieldnotes.storage import StorageError
    from fieldnotes.storage.crypto import PassphraseNeededError

    service: FieldNotes | None
    try:
        service = FieldNotes.open(db_path, passphrase=passphrase)
    except PassphraseNeededError:
        service = None
    except StorageError as exc:
        fail(str(exc), EXIT_STORAGE)
    from fieldnotes.tui.app import FieldnotesApp

    app = FieldnotesApp(service, dayfirst=dayfirst, banner=banner, db_path=db_path)
    try:
        app.run()
    finally:
        if app.service is not None:
            app.service.close()
