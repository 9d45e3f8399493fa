"""The service layer: every feature of fieldnotes, with no terminal in sight.

The CLI and the TUI both call this; tests call it directly. `FieldNotes` owns
one open database and composes the layers below it, with no cycle:

    service (notes, exports, imports, reports, drafts, backups)
      -> registries (organizations, codes, informants, project)
        -> index (notes as models: filters, ids, search)
          -> storage (the only code that knows TinyDB)
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fieldnotes.errors import NotFoundError, ValidationError
from fieldnotes.export.job import ExportJob, Protections, build_job
from fieldnotes.index import NoteFilter, NoteIndex
from fieldnotes.model import JOTTED, KINDS, MINUTE_FORMAT, Note, now_stamp
from fieldnotes.registries import Registries
from fieldnotes.storage import BackupInfo, Recovery, Store, convert_database, restore_backup
from fieldnotes.storage import change_passphrase as reseal
from fieldnotes.storage import recover as recover_database
from fieldnotes.text import one_line, tag_key

if TYPE_CHECKING:
    from fieldnotes.export.common import ExportReport
    from fieldnotes.importing.notes import ImportReport
    from fieldnotes.privacy import PossibleName
    from fieldnotes.reports import CodeRow, ContactRow, TieRow

__all__ = ["FieldNotes", "NoteFilter", "Protections"]


class FieldNotes:
    """One open database. Use as a context manager, or call `close()`."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.index = NoteIndex(store)
        self.registries = Registries(store, self.index)

    @classmethod
    def open(cls, path: Path | str, *, passphrase: str | None = None) -> FieldNotes:
        """Open (or create) the database at `path`; `passphrase` opens an encrypted one."""
        return cls(Store(path, passphrase=passphrase))

    @property
    def path(self) -> Path:
        return self.store.path

    def __enter__(self) -> FieldNotes:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.store.close()

    # ----------------------------------------------------------------- notes
    def count(self) -> int:
        return self.index.count()

    def resolve(self, prefix: str) -> str:
        """The full id of the note whose id is `prefix` or starts with it."""
        return self.index.resolve(prefix)

    def get(self, note_id: str) -> Note:
        """A copy of the note whose id is or starts with `note_id`."""
        return self.index.get(note_id)

    def notes(self, flt: NoteFilter | None = None) -> list[Note]:
        """Notes matching `flt`, newest first. Copies: edit them freely."""
        return self.index.notes(self.resolve_filter(flt))

    def note_views(self, flt: NoteFilter | None = None) -> list[Note]:
        """Like `notes`, without copying: read-only views for fast display."""
        return self.index.views(self.resolve_filter(flt))

    def resolve_filter(self, flt: NoteFilter | None) -> NoteFilter | None:
        """`flt` with the registries' knowledge: an organization matches by any of its
        spellings (name or alias), a code also matches the codes under it (unless
        `subcodes` is off). A name not in the registry matches as written."""
        if flt is None or not (flt.org or flt.code):
            return flt
        org_keys: frozenset[str] = frozenset()
        code_keys: frozenset[str] = frozenset()
        registries = self.registries
        if flt.org:
            try:
                org_keys = frozenset(registries.organization(flt.org).spellings())
            except NotFoundError:
                org_keys = frozenset({tag_key(flt.org)})
        if flt.code:
            code_keys = frozenset({tag_key(flt.code)})
            if flt.subcodes:
                code_keys = frozenset(tag_key(name) for name in self.code_family(flt.code))
        return replace(flt, org_keys=org_keys, code_keys=code_keys)

    def code_family(self, name: str) -> list[str]:
        """The code called `name` (as typed, if unknown) and every code under it, at any depth."""
        codes = self.registries.codes()
        by_key = {tag_key(code.name): code.name for code in codes}
        children: dict[str, list[str]] = {}
        for code in codes:
            if code.parent:
                children.setdefault(tag_key(code.parent), []).append(code.name)
        family = [by_key.get(tag_key(name), name)]
        seen = {tag_key(name)}
        for member in family:  # grows as it goes: breadth first, each code once
            for child in children.get(tag_key(member), []):
                if tag_key(child) not in seen:
                    seen.add(tag_key(child))
                    family.append(child)
        return family

    def field_values(self, name: str) -> list[str]:
        """Distinct values used in a note field, most used first (for completion)."""
        return self.index.field_values(name)

    def add(self, note: Note) -> Note:
        """Validate and save a new note; unknown tags join the registries."""
        note = replace(note)
        self.registries.canonicalise(note)
        stamp = now_stamp()
        note.created = note.created or stamp
        note.updated = note.updated or stamp
        if self.store.has_note(note.id):  # known without reading the notes
            raise ValidationError(f"a note with id {note.id} exists already", field="id")
        with self.store.transaction():  # the note and its new tags: all or nothing
            self.registries.register_tags(note)
            self.store.put_note(note.to_dict())
        self.index.remember(note)
        return replace(note)

    def update(self, note: Note) -> Note:
        """Save changes to an existing note (matched by id)."""
        note = replace(note)
        self.registries.canonicalise(note)
        old = self.index.view(note.id)
        if old is None:
            raise NotFoundError(f"no note has the id {note.id!r}")
        note.created = old.created or note.created
        note.updated = now_stamp()
        with self.store.transaction():  # the note and its new tags: all or nothing
            self.registries.register_tags(note)
            self.store.put_note(note.to_dict())
        self.index.remember(note)
        return replace(note)

    def upsert_many(self, notes: list[Note], *, keep_stamps: bool = False) -> tuple[int, int]:
        """Insert or update many notes in one atomic write. Returns (added, updated).

        With `keep_stamps`, created/updated given on the notes are kept (imports).
        Linear in the number of notes: the registries are read once, under the lock.
        """
        prepared = []
        added = 0
        stamp = now_stamp()
        with self.store.transaction():
            for original in notes:
                note = replace(original)
                self.registries.canonicalise(note)
                old = self.index.view(note.id)
                if old is None:
                    added += 1
                    note.created = note.created or stamp
                elif not (keep_stamps and note.created):
                    note.created = old.created or note.created
                note.updated = note.updated if keep_stamps and note.updated else stamp
                self.registries.register_tags(note)
                prepared.append(note)
            self.store.put_notes([note.to_dict() for note in prepared])
        for note in prepared:
            self.index.remember(note)
        return added, len(prepared) - added

    def jot(self, text: str, *, kind: str | None = None, now: datetime | None = None) -> Note:
        """Append `HH:MM text` to today's open jotting note, and return the note.

        The open jotting note is the latest note of today still `jotted` (of `kind`,
        when given). With none, a new one is made: a `kind` note (a meeting unless
        said) starting now, titled "Jottings" and the date, to be written up later."""
        line = one_line(text)
        if not line:
            raise ValidationError("a jotting needs some text", field="body")
        if kind is not None and kind not in KINDS:
            raise ValidationError(f"unknown kind {kind!r}: choose one of {', '.join(KINDS)}", field="kind")
        moment = (now or datetime.now()).replace(second=0, microsecond=0)
        stamp = f"{moment:%H:%M} {line}"
        note = self.open_jotting(moment, kind)
        if note is None:
            title = f"Jottings {moment:%a} {moment.day} {moment:%b %Y}"
            return self.add(
                Note(
                    kind=kind or "meeting",
                    title=title,
                    start=moment.strftime(MINUTE_FORMAT),
                    body=stamp,
                    status=JOTTED,
                )
            )
        note.body = f"{note.body.rstrip()}\n{stamp}" if note.body.strip() else stamp
        return self.update(note)

    def open_jotting(self, moment: datetime, kind: str | None = None) -> Note | None:
        """Today's open jotting note (see `jot`), or None."""
        day = moment.strftime("%Y-%m-%d")
        for view in self.index.views(NoteFilter(status=JOTTED, kind=kind)):  # newest first
            if view.start[:10] == day:
                return replace(view)
        return None

    def delete(self, note_id: str) -> Note:
        """Delete a note; a backup of the whole database is taken first."""
        note = self.index.get(note_id)
        self.store.delete_note(note.id)
        self.index.forget(note.id)
        return note

    # ------------------------------------------------------- export, import
    def prepare_export(
        self, flt: NoteFilter | None = None, protections: Protections | None = None
    ) -> ExportJob:
        """A snapshot of what to export, with the protections applied (see `build_job`)."""
        registries = self.registries
        return build_job(
            self.note_views(flt),
            registries.organizations(),
            registries.codes(),
            registries.informants(),
            protections or Protections(),
            self._known_names(),
        )

    def check_names(
        self, flt: NoteFilter | None = None, *, include_private: bool = True
    ) -> list[PossibleName]:
        """The pre-flight check on its own: possible names not in the registry."""
        from fieldnotes.privacy import find_possible_names

        return find_possible_names(self.note_views(flt), self._known_names(), include_private=include_private)

    def _known_names(self) -> list[str]:
        """Words the name check need not flag: registry names, aliases, codes, pseudonyms, roles."""
        registries = self.registries
        informants = registries.informants()
        return [
            *(name for org in registries.organizations() for name in [org.name, *org.aliases]),
            *(code.name for code in registries.codes()),
            *(person.pseudonym for person in informants),
            *(person.role for person in informants),
            *(name for person in informants for name in person.real_names),
        ]

    def export_nvivo(
        self,
        folder: Path,
        flt: NoteFilter | None = None,
        protections: Protections | None = None,
        **options: Any,
    ) -> ExportReport:
        """notes.csv, organizations.csv, informants.csv, codebook.csv and the how-to.

        Options: flatten_newlines, excel_safe, code_columns, force, progress."""
        return self.prepare_export(flt, protections).nvivo(folder, **options)

    def export_qdc(self, path: Path, *, force: bool = False, pseudonymise: bool = False) -> ExportReport:
        """The codebook as a REFI-QDA .qdc file."""
        return self.prepare_export(protections=Protections(pseudonymise=pseudonymise)).qdc(path, force=force)

    def export_qdpx(
        self,
        path: Path,
        flt: NoteFilter | None = None,
        protections: Protections | None = None,
        **options: Any,
    ) -> ExportReport:
        """A REFI-QDA project: sources, codes, codings, cases, variables, memos.

        Options: force, researcher, progress."""
        return self.prepare_export(flt, protections).qdpx(path, **options)

    def import_notes(
        self,
        path: Path,
        *,
        skip_bad: bool = False,
        excel_safe: bool = False,
        unflatten_newlines: bool = False,
    ) -> ImportReport:
        """Import notes.csv or .jsonl: all rows in one atomic write, or none.

        `excel_safe` and `unflatten_newlines` undo the export options of those names.
        """
        from fieldnotes.errors import ImportRefusedError
        from fieldnotes.importing.notes import ImportReport, parse_file, refuse_message

        parsed = parse_file(path, excel_safe=excel_safe, unflatten_newlines=unflatten_newlines)
        if parsed.bad and not skip_bad:
            raise ImportRefusedError(refuse_message(path, parsed.bad))
        report = ImportReport(skipped=parsed.bad)
        changed: list[Note] = []
        for _, note in parsed.notes:
            old = self.index.view(note.id)
            if old is not None and _same(old, note):
                report.unchanged += 1
                continue
            changed.append(note)
        if changed:
            report.added, report.updated = self.upsert_many(changed, keep_stamps=True)
        return report

    # --------------------------------------------------------------- reports
    def report_contacts(
        self, *, by: str = "month", kind: str | None = None, flt: NoteFilter | None = None
    ) -> list[ContactRow]:
        from fieldnotes.reports import contacts

        return contacts(self.note_views(flt), self.registries.organizations(), by=by, kind=kind)

    def report_ties(self, flt: NoteFilter | None = None) -> list[TieRow]:
        from fieldnotes.reports import ties

        return ties(self.note_views(flt), self.registries.organizations())

    def report_codes(self, *, by: str = "org-type", flt: NoteFilter | None = None) -> list[CodeRow]:
        from fieldnotes.reports import code_frequencies

        return code_frequencies(self.note_views(flt), self.registries.organizations(), by=by)

    # ---------------------------------------------------------------- drafts
    def keep_draft(self, draft_id: str, draft: dict[str, Any]) -> None:
        """Keep an unsaved form under its own id, to offer it back after a crash."""
        self.store.drafts.save(draft_id, draft)

    def drafts(self) -> list[tuple[str, dict[str, Any]]]:
        """Every kept draft as (id, draft), oldest first."""
        return self.store.drafts.all()

    def discard_draft(self, draft_id: str) -> None:
        self.store.drafts.delete(draft_id)

    # --------------------------------------------------------------- backups
    def backups(self) -> list[BackupInfo]:
        return self.store.list_backups()

    def backup(self, reason: str = "manual") -> Path:
        return self.store.backup(reason)


def _same(a: Note, b: Note) -> bool:
    """Equal but for the stamps."""
    skip = {"created", "updated"}
    return all(getattr(a, name) == getattr(b, name) for name in a.field_names() if name not in skip)


def restore(db_path: Path | str, name: str, *, passphrase: str | None = None) -> Path:
    """Restore a backup over the database at `db_path` (which may be damaged)."""
    return restore_backup(db_path, name, passphrase=passphrase)


def encrypt_database(db_path: Path | str, passphrase: str) -> list[Path]:
    """Encrypt the database, its backups and its draft. Returns the files converted."""
    return convert_database(db_path, passphrase, encrypt=True)


def decrypt_database(db_path: Path | str, passphrase: str) -> list[Path]:
    """Turn an encrypted database (and its backups and draft) back into plain TinyDB files."""
    return convert_database(db_path, passphrase, encrypt=False)


def recover(db_path: Path | str, *, passphrase: str | None = None) -> Recovery:
    """Keep everything still readable after damage; set the rest aside (see `storage.recover`)."""
    return recover_database(db_path, passphrase=passphrase)


def change_passphrase(db_path: Path | str, old: str, new: str) -> list[Path]:
    """Re-seal the database, its backups and drafts with a new passphrase. Returns the files."""
    return reseal(db_path, old, new)
