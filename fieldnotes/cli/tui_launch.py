"""Start the full-screen app, or explain in one line why it cannot start."""

from __future__ import annotations

from pathlib import Path

from fieldnotes.cli.common import EXIT_STORAGE, fail


def run_tui(db_path: Path, *, dayfirst: bool = False, banner: str = "") -> None:
    from fieldnotes.service import FieldNotes
    from fieldnotes.storage import StorageError

    try:
        service = FieldNotes.open(db_path)
    except StorageError as exc:
        fail(str(exc), EXIT_STORAGE)
    from fieldnotes.tui.app import FieldnotesApp

    try:
        FieldnotesApp(service, dayfirst=dayfirst, banner=banner).run()
    finally:
        service.close()
