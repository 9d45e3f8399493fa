"""Unsaved forms, kept beside the database so a crash loses no typing: one draft per form.

Each draft is `<db>.drafts/<draft id>.json`, owner-only, replaced atomically, and
sealed like the database when the database is encrypted. A new note's form has
a fresh id; an edit's draft is keyed by the note, so no form ever overwrites
another's draft. A draft that cannot be read is kept aside (`.damaged`), never
deleted. The single `<db>.draft` of earlier versions is read as one more draft.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path
from typing import Any

import orjson

from fieldnotes.errors import FieldnotesError, ValidationError
from fieldnotes.files import atomic_write_bytes, ensure_private_dir
from fieldnotes.storage.durable import DurableStorage

_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,80}$")
LEGACY_ID = "legacy"


def check_draft_id(draft_id: str) -> str:
    """A draft id is a file name we make: lowercase letters, digits and dashes, nothing else."""
    if not _ID.match(draft_id):
        raise ValidationError(f"{draft_id!r} is not a draft id", field="draft")
    return draft_id


class Drafts:
    def __init__(self, db_path: Path, storage: DurableStorage) -> None:
        self.folder = db_path.with_name(db_path.name + ".drafts")
        self.legacy = db_path.with_name(db_path.name + ".draft")
        self.storage = storage

    def _path(self, draft_id: str) -> Path:
        return self.legacy if draft_id == LEGACY_ID else self.folder / f"{check_draft_id(draft_id)}.json"

    def files(self) -> list[Path]:
        """Every draft file (for conversions: encrypt, decrypt, passphrase changes)."""
        found = sorted(self.folder.glob("*.json")) if self.folder.is_dir() else []
        damaged = sorted(self.folder.glob("*.damaged")) if self.folder.is_dir() else []
        legacy = [
            p for p in (self.legacy, self.legacy.with_name(self.legacy.name + ".damaged")) if p.exists()
        ]
        return [*found, *damaged, *legacy]

    def save(self, draft_id: str, draft: dict[str, Any]) -> None:
        """Keep `draft`, sealed when the database is (checked on disk first: another
        process may have encrypted it since we opened it)."""
        path = self._path(draft_id)
        with self.storage.locked():
            self.storage.check_mode()
            ensure_private_dir(self.folder)
            atomic_write_bytes(path, self.storage.seal(orjson.dumps(draft)))

    def load(self, draft_id: str) -> dict[str, Any] | None:
        """The draft, or None. A damaged draft is kept aside, not lost."""
        path = self._path(draft_id)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            draft = orjson.loads(self.storage.open_sealed(raw, name=str(path)))
        except (orjson.JSONDecodeError, FieldnotesError):
            draft = None
        if not isinstance(draft, dict):
            with contextlib.suppress(OSError):
                path.replace(path.with_name(path.name + ".damaged"))
            return None
        return draft

    def all(self) -> list[tuple[str, dict[str, Any]]]:
        """Every readable draft as (id, draft), oldest first."""
        ids = [p.stem for p in sorted(self.folder.glob("*.json"))] if self.folder.is_dir() else []
        if self.legacy.exists():
            ids.append(LEGACY_ID)
        out = []
        for draft_id in ids:
            draft = self.load(draft_id)
            if draft is not None:
                out.append((draft_id, draft))
        return sorted(out, key=lambda item: str(item[1].get("saved_at", "")))

    def delete(self, draft_id: str) -> None:
        self._path(draft_id).unlink(missing_ok=True)
