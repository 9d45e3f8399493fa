"""The unsaved form, kept beside the database so a crash loses no typing."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import orjson

from fieldnotes.errors import FieldnotesError
from fieldnotes.files import atomic_write_bytes
from fieldnotes.storage.durable import DurableStorage


class Drafts:
    """One draft at a time: `<db>.draft`, owner-only, replaced atomically, and
    sealed like the database when the database is encrypted."""

    def __init__(self, db_path: Path, storage: DurableStorage) -> None:
        self.path = db_path.with_name(db_path.name + ".draft")
        self.storage = storage

    def save(self, draft: dict[str, Any]) -> None:
        atomic_write_bytes(self.path, self.storage.seal(orjson.dumps(draft)))

    def load(self) -> dict[str, Any] | None:
        """The saved draft, or None. A damaged draft is kept aside, not lost."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            draft = orjson.loads(self.storage.open_sealed(raw, name=str(self.path)))
        except (orjson.JSONDecodeError, FieldnotesError):
            draft = None
        if not isinstance(draft, dict):
            with contextlib.suppress(OSError):
                self.path.replace(self.path.with_name(self.path.name + ".damaged"))
            return None
        return draft

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)
