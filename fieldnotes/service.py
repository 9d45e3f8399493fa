"""The service layer: every feature of fieldnotes, with no terminal in sight.

The CLI and the TUI both call this; tests call it directly. It turns stored
dicts into model dataclasses, keeps tags consistent with the registries, and
keeps an in-memory index so listing and searching stay fast at 10,000 notes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fieldnotes.model import (
    Code,
    Note,
    Organization,
    ValidationError,
    dedupe_tags,
    now_stamp,
    tag_key,
)
from fieldnotes.registries import RegistryMixin
from fieldnotes.storage import BackupInfo, Store, restore_backup

if TYPE_CHECKING:
    from fieldnotes.export.common import ExportReport, Progress
    from fieldnotes.export.importer import ImportReport
    from fieldnotes.privacy import PossibleName
    from fieldnotes.reports import CodeRow, ContactRow, TieRow

MIN_PREFIX = 4
EXPORT_PROTECTIONS = ("include_private", "include_unconsented", "pseudonymise")


class NotFoundError(LookupError):
    """No note has that id (or prefix)."""


@dataclass(frozen=True)
class NoteFilter:
    """What to show. Empty fields do not filter. `until` is inclusive: a bare
    date (midnight) means the whole of that day."""

    kind: str | None = None
    org: str | None = None
    code: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    text: str = ""

    @property
    def is_empty(self) -> bool:
        return self == NoteFilter()


class _Entry:
    """A note with what filtering needs. The search text is built on the first search,
    not at start-up: most sessions open, capture a note and close."""

    __slots__ = ("_haystack", "code_keys", "note", "org_keys")

    def __init__(self, note: Note) -> None:
        self.note = note
        self.org_keys = frozenset(tag_key(o) for o in note.organizations)
        self.code_keys = frozenset(tag_key(c) for c in note.codes)
        self._haystack: str | None = None

    @property
    def haystack(self) -> str:
        if self._haystack is None:
            note = self.note
            self._haystack = "\n".join(
                (note.title, note.body, note.memo, *note.people, *note.organizations, *note.codes)
            ).casefold()
        return self._haystack


def _sort_key(entry: _Entry) -> tuple[str, str]:
    return (entry.note.start, entry.note.created)


class FieldNotes(RegistryMixin):
    """One open database. Use as a context manager, or call `close()`."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._entries: dict[str, _Entry] = {}
        self._ordered: list[_Entry] | None = None
        self._values: dict[str, list[str]] = {}
        self._generation = -1

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

    # ------------------------------------------------------------- the index
    def _sync(self) -> None:
        generation = self.store.generation
        if generation != self._generation:
            self._entries = {}
            for doc in self.store.all_notes():
                note = Note.from_dict(doc)
                self._entries[note.id] = _Entry(note)
            self._changed()
            self._generation = generation

    def _ordered_entries(self) -> list[_Entry]:
        self._sync()
        if self._ordered is None:
            self._ordered = sorted(self._entries.values(), key=_sort_key, reverse=True)
        return self._ordered

    def _remember(self, note: Note) -> None:
        self._entries[note.id] = _Entry(note)
        self._changed()

    def _changed(self) -> None:
        """Drop what is derived from the notes; it is rebuilt when next asked."""
        self._ordered = None
        self._values.clear()

    # ----------------------------------------------------------------- notes
    def prepare_search(self) -> None:
        """Build the search text of every note now (e.g. just after the first screen shows)."""
        for entry in self._ordered_entries():
            entry.haystack  # noqa: B018 - computed and cached on first access

    def count(self) -> int:
        self._sync()
        return len(self._entries)

    def resolve(self, prefix: str) -> str:
        """The full id of the note whose id is `prefix` or starts with it."""
        self._sync()
        prefix = prefix.strip().lower()
        if prefix in self._entries:
            return prefix
        if len(prefix) < MIN_PREFIX:
            raise NotFoundError(f"note id {prefix!r} is too short: give at least {MIN_PREFIX} characters")
        matches = [note_id for note_id in self._entries if note_id.startswith(prefix)]
        if not matches:
            raise NotFoundError(f"no note has an id starting with {prefix!r}")
        if len(matches) > 1:
            raise NotFoundError(
                f"{len(matches)} notes have ids starting with {prefix!r}; give more characters"
            )
        return matches[0]

    def get(self, note_id: str) -> Note:
        full = self.resolve(note_id)
        return replace(self._entries[full].note)

    def notes(self, flt: NoteFilter | None = None) -> list[Note]:
        """Notes matching `flt`, newest first. Copies: edit them freely."""
        return [replace(entry.note) for entry in self._matching(flt or NoteFilter())]

    def note_views(self, flt: NoteFilter | None = None) -> list[Note]:
        """Like `notes`, without copying: read-only views for fast display."""
        return [entry.note for entry in self._matching(flt or NoteFilter())]

    def _matching(self, flt: NoteFilter) -> list[_Entry]:
        entries = self._ordered_entries()
        if flt.is_empty:
            return entries
        needle = flt.text.casefold().strip()
        org = tag_key(flt.org) if flt.org else None
        code = tag_key(flt.code) if flt.code else None
        since = flt.since.strftime("%Y-%m-%dT%H:%M") if flt.since else None
        until = None
        if flt.until is not None:
            end = flt.until
            if (end.hour, end.minute) == (0, 0):
                end = end + timedelta(days=1) - timedelta(minutes=1)
            until = end.strftime("%Y-%m-%dT%H:%M")
        out = []
        for entry in entries:
            note = entry.note
            if flt.kind and note.kind != flt.kind:
                continue
            if since and note.start < since:
                continue
            if until and note.start > until:
                continue
            if org and org not in entry.org_keys:
                continue
            if code and code not in entry.code_keys:
                continue
            if needle and needle not in entry.haystack:
                continue
            out.append(entry)
        return out

    def add(self, note: Note) -> Note:
        """Validate and save a new note; unknown tags join the registries."""
        note = replace(note)
        self._prepare(note)
        stamp = now_stamp()
        note.created = note.created or stamp
        note.updated = note.updated or stamp
        self._sync()
        if note.id in self._entries:
            raise ValidationError(f"a note with id {note.id} exists already")
        with self.store.transaction():  # the note and its new tags: all or nothing
            self._register_tags(note)
            self.store.put_note(note.to_dict())
        self._remember(note)
        return replace(note)

    def update(self, note: Note) -> Note:
        """Save changes to an existing note (matched by id)."""
        note = replace(note)
        self._prepare(note)
        self._sync()
        old = self._entries.get(note.id)
        if old is None:
            raise NotFoundError(f"no note has the id {note.id!r}")
        note.created = old.note.created or note.created
        note.updated = now_stamp()
        with self.store.transaction():  # the note and its new tags: all or nothing
            self._register_tags(note)
            self.store.put_note(note.to_dict())
        self._remember(note)
        return replace(note)

    def upsert_many(self, notes: list[Note], *, keep_stamps: bool = False) -> tuple[int, int]:
        """Insert or update many notes in one atomic write. Returns (added, updated).

        With `keep_stamps`, created/updated given on the notes are kept (imports).
        """
        self._sync()
        prepared = []
        added = 0
        stamp = now_stamp()
        for original in notes:
            note = replace(original)
            self._prepare(note)
            old = self._entries.get(note.id)
            if old is None:
                added += 1
                note.created = note.created or stamp
            elif not (keep_stamps and note.created):
                note.created = old.note.created or note.created
            note.updated = note.updated if keep_stamps and note.updated else stamp
            prepared.append(note)
        with self.store.transaction():
            for note in prepared:
                self._register_tags(note)
            self.store.put_notes([note.to_dict() for note in prepared])
        for note in prepared:
            self._remember(note)
        return added, len(prepared) - added

    def delete(self, note_id: str) -> Note:
        """Delete a note; a backup of the whole database is taken first."""
        full = self.resolve(note_id)
        note = self._entries[full].note
        self.store.delete_note(full)
        self._entries.pop(full, None)
        self._changed()
        return replace(note)

    def _prepare(self, note: Note) -> None:
        note.title = note.title.strip()
        note.location = note.location.strip()
        note.people = dedupe_tags(note.people)
        note.organizations = self._canonical(dedupe_tags(note.organizations), self._org_names())
        note.codes = self._canonical(dedupe_tags(note.codes), self._code_names())
        note.organizers = self._canonical(dedupe_tags(note.organizers), self._org_names())
        if note.host.strip():
            note.host = self._canonical([note.host.strip()], self._org_names())[0]
        note.validate()

    @staticmethod
    def _canonical(names: list[str], registry: dict[str, str]) -> list[str]:
        return dedupe_tags([registry.get(tag_key(name), name) for name in names])

    # ------------------------------------------------------- export, import
    def prepare_export(
        self,
        flt: NoteFilter | None = None,
        *,
        include_private: bool = False,
        include_unconsented: bool = False,
        pseudonymise: bool = False,
    ) -> ExportJob:
        """A snapshot of what to export, with the protections applied: private fields
        and interviews without recorded consent left out unless asked for, real
        names replaced by pseudonyms on request, and the pre-flight name check.
        Its methods only write files, so a front end may run them on a worker thread."""
        from fieldnotes.privacy import Pseudonymiser, describe_possible_names, find_possible_names

        notes = self.note_views(flt)  # read-only views: any change below makes a copy
        codes = self.codes()
        warnings: list[str] = []
        if not include_unconsented:
            kept = [note for note in notes if not note.unconsented]
            if len(kept) < len(notes):
                warnings.append(
                    f"{len(notes) - len(kept)} interview(s) without recorded consent were left out "
                    "(--include-unconsented exports them)"
                )
            notes = kept
        if not include_private:
            notes = [replace(note, private="") if note.private else note for note in notes]
        informants = self.informants()
        real_names = [name for person in informants for name in person.real_names]
        if pseudonymise:
            pseudonymiser = Pseudonymiser(informants)
            if not pseudonymiser:
                warnings.append("--pseudonymise: no real names or aliases are recorded for any informant")
            notes = [pseudonymiser.note(note) for note in notes]
            codes = [replace(code, description=pseudonymiser.text(code.description)) for code in codes]
        elif real_names:
            leaking = Pseudonymiser(informants)
            hits = sum(
                1
                for note in notes
                if any(
                    leaking.text(getattr(note, f)) != getattr(note, f)
                    for f in ("title", "body", "memo", "followups", "private")
                )
            )
            if hits:
                warnings.append(
                    f"{hits} note(s) contain an informant's real name or alias; "
                    "add --pseudonymise to replace them"
                )
        possible = find_possible_names(notes, self._known_names(), include_private=include_private)
        if possible:
            warnings.append(
                f"pre-flight: {len(possible)} capitalised word(s) look like names and are not in the "
                "registry; review before sharing:\n    " + "\n    ".join(describe_possible_names(possible))
            )
        return ExportJob(
            notes, self.organizations(), codes, include_private=include_private, warnings=warnings
        )

    def check_names(
        self, flt: NoteFilter | None = None, *, include_private: bool = True
    ) -> list[PossibleName]:
        """The pre-flight check on its own: possible names not in the registry."""
        from fieldnotes.privacy import find_possible_names

        return find_possible_names(self.note_views(flt), self._known_names(), include_private=include_private)

    def _known_names(self) -> list[str]:
        """Words the name check need not flag: registry names, aliases, codes, pseudonyms, roles."""
        informants = self.informants()
        return [
            *(name for org in self.organizations() for name in [org.name, *org.aliases]),
            *(code.name for code in self.codes()),
            *(person.pseudonym for person in informants),
            *(person.role for person in informants),
            *(name for person in informants for name in person.real_names),
        ]

    def _protected_job(self, flt: NoteFilter | None, options: dict[str, Any]) -> ExportJob:
        """The export snapshot, taking the protection switches out of `options`."""
        switches = {name: bool(options.pop(name)) for name in EXPORT_PROTECTIONS if name in options}
        return self.prepare_export(flt, **switches)

    def export_nvivo(self, folder: Path, flt: NoteFilter | None = None, **options: Any) -> ExportReport:
        """notes.csv, organizations.csv, informants.csv, codebook.csv and the how-to.

        Options: the protections (include_private, include_unconsented, pseudonymise)
        and the CSV ones (flatten_newlines, excel_safe, code_columns, force, progress)."""
        return self._protected_job(flt, options).nvivo(folder, **options)

    def export_qdc(self, path: Path, *, force: bool = False, pseudonymise: bool = False) -> ExportReport:
        """The codebook as a REFI-QDA .qdc file."""
        return self.prepare_export(pseudonymise=pseudonymise).qdc(path, force=force)

    def export_qdpx(self, path: Path, flt: NoteFilter | None = None, **options: Any) -> ExportReport:
        """A REFI-QDA project: sources, codes, codings, cases, variables, memos.

        Options: the protections, and force, researcher, progress."""
        return self._protected_job(flt, options).qdpx(path, **options)

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
        from fieldnotes.export.importer import ImportError_, ImportReport, parse_file, refuse_message

        parsed = parse_file(path, excel_safe=excel_safe, unflatten_newlines=unflatten_newlines)
        if parsed.bad and not skip_bad:
            raise ImportError_(refuse_message(path, parsed.bad))
        self._sync()
        report = ImportReport(skipped=parsed.bad)
        changed: list[Note] = []
        for _, note in parsed.notes:
            old = self._entries.get(note.id)
            if old is not None and self._same(old.note, note):
                report.unchanged += 1
                continue
            changed.append(note)
        if changed:
            report.added, report.updated = self.upsert_many(changed, keep_stamps=True)
        return report

    @staticmethod
    def _same(a: Note, b: Note) -> bool:
        skip = {"created", "updated"}
        return all(getattr(a, name) == getattr(b, name) for name in a.field_names() if name not in skip)

    # --------------------------------------------------------------- reports
    def report_contacts(
        self, *, by: str = "month", kind: str | None = None, flt: NoteFilter | None = None
    ) -> list[ContactRow]:
        from fieldnotes.reports import contacts

        return contacts(self.note_views(flt), self.organizations(), by=by, kind=kind)

    def report_ties(self, flt: NoteFilter | None = None) -> list[TieRow]:
        from fieldnotes.reports import ties

        return ties(self.note_views(flt), self.organizations())

    def report_codes(self, *, by: str = "org-type", flt: NoteFilter | None = None) -> list[CodeRow]:
        from fieldnotes.reports import code_frequencies

        return code_frequencies(self.note_views(flt), self.organizations(), by=by)

    # ---------------------------------------------------------------- drafts
    def save_draft(self, draft: dict[str, Any]) -> None:
        """Keep an unsaved form, to offer it back after a crash."""
        self.store.drafts.save(draft)

    def load_draft(self) -> dict[str, Any] | None:
        return self.store.drafts.load()

    def clear_draft(self) -> None:
        self.store.drafts.clear()

    # ----------------------------------------------------------- suggestions
    def field_values(self, name: str) -> list[str]:
        """Distinct values used in a note field, most used first (for completion)."""
        self._sync()
        if name not in self._values:
            counts: dict[str, int] = {}
            for entry in self._entries.values():
                value = getattr(entry.note, name)
                for item in value if isinstance(value, list) else [value]:
                    if item:
                        counts[item] = counts.get(item, 0) + 1
            self._values[name] = sorted(counts, key=lambda item: (-counts[item], item.casefold()))
        return self._values[name]

    # --------------------------------------------------------------- backups
    def backups(self) -> list[BackupInfo]:
        return self.store.list_backups()

    def backup(self, reason: str = "manual") -> Path:
        return self.store.backup(reason)


@dataclass(frozen=True)
class ExportJob:
    """Notes and registries, copied out of the database and protected, ready to be written."""

    notes: list[Note]
    organizations: list[Organization]
    codes: list[Code]
    include_private: bool = False
    warnings: list[str] = field(default_factory=list)

    def _finish(self, report: ExportReport) -> ExportReport:
        report.warnings[:0] = self.warnings
        return report

    def nvivo(
        self,
        folder: Path,
        *,
        flatten_newlines: bool = False,
        excel_safe: bool = False,
        code_columns: bool = False,
        force: bool = False,
        progress: Progress | None = None,
    ) -> ExportReport:
        from fieldnotes.export.nvivo import CsvOptions, write_folder

        options = CsvOptions(flatten_newlines, excel_safe, code_columns, force, self.include_private)
        return self._finish(
            write_folder(folder, self.notes, self.organizations, self.codes, options, progress)
        )

    def qdc(self, path: Path, *, force: bool = False) -> ExportReport:
        from fieldnotes.export.refi import write_qdc

        return write_qdc(path, self.codes, force=force)

    def qdpx(
        self,
        path: Path,
        *,
        force: bool = False,
        researcher: str | None = None,
        progress: Progress | None = None,
    ) -> ExportReport:
        from fieldnotes.export.refi import write_qdpx

        report = write_qdpx(
            path,
            self.notes,
            self.organizations,
            self.codes,
            force=force,
            researcher=researcher,
            progress=progress,
            include_private=self.include_private,
        )
        return self._finish(report)


def restore(db_path: Path | str, name: str, *, passphrase: str | None = None) -> Path:
    """Restore a backup over the database at `db_path` (which may be damaged)."""
    return restore_backup(db_path, name, passphrase=passphrase)


def encrypt_database(db_path: Path | str, passphrase: str) -> list[Path]:
    """Encrypt the database, its backups and its draft. Returns the files converted."""
    from fieldnotes.storage.store import convert_database

    return convert_database(db_path, passphrase, encrypt=True)


def decrypt_database(db_path: Path | str, passphrase: str) -> list[Path]:
    """Turn an encrypted database (and its backups and draft) back into plain TinyDB files."""
    from fieldnotes.storage.store import convert_database

    return convert_database(db_path, passphrase, encrypt=False)
