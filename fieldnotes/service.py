"""The service layer: every feature of fieldnotes, with no terminal in sight.

The CLI and the TUI both call this; tests call it directly. `FieldNotes` owns
one open database and composes the layers below it, with no cycle:

    service (notes, exports, imports, reports, drafts, backups)
      -> registries (organizations, codes, informants, project)
        -> index (notes as models: filters, ids, search)
          -> storage (the only code that knows TinyDB)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fieldnotes.errors import NotFoundError, ValidationError
from fieldnotes.index import NoteFilter, NoteIndex, NoteViews
from fieldnotes.merge.revisions import BOOKKEEPING, TOMBSTONES, stamp, tombstone, tombstone_guid
from fieldnotes.model import JOTTED, KINDS, MINUTE_FORMAT, Note, now_stamp
from fieldnotes.registries import Registries
from fieldnotes.storage import BackupInfo, Store
from fieldnotes.storage.durable import bulk_load
from fieldnotes.text import one_line, tag_key

if TYPE_CHECKING:
    # Imported where used: `add` (a whole process) does not load exports, memos or follow-ups.
    from fieldnotes.export.common import ExportReport
    from fieldnotes.export.job import ExportJob, Protections
    from fieldnotes.followups import Followup, Followups
    from fieldnotes.importing.notes import ImportReport
    from fieldnotes.ledger import ExportRecord
    from fieldnotes.memos import Memos
    from fieldnotes.privacy import NameCheck
    from fieldnotes.reports import CodeRow, ContactRow, StrongestTieRow, TieRow, WeightedTieRow
    from fieldnotes.storage.lifecycle import Recovery

__all__ = ["FieldNotes", "NoteFilter", "Protections"]


def __getattr__(name: str) -> Any:
    if name == "Protections":  # re-exported, loaded on first use
        from fieldnotes.export.job import Protections

        return Protections
    raise AttributeError(name)


class FieldNotes:
    """One open database. Use as a context manager, or call `close()`."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.index = NoteIndex(store)
        self.registries = Registries(store, self.index)
        # Every rename or merge reaches the memos' links and the follow-up items' concerns,
        # in the write that makes it, whether or not this process has used either yet (they
        # load only when needed: `fieldnotes orgs rename` once left both on the old name).
        self.registries.listeners.append(self._renamed)

    def _renamed(self, kind: str, old_keys: set[str], new: str) -> None:
        self.memos.renamed(kind, old_keys, new)
        self.followups.renamed(kind, old_keys, new)

    @cached_property
    def memos(self) -> Memos:
        from fieldnotes.memos import Memos

        return Memos(self.store, self.registries, self.index)

    @cached_property
    def followups(self) -> Followups:
        from fieldnotes.followups import Followups

        return Followups(self.store, self.index, self.registries, self.update)

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
        self.index.release()  # the notes go before the fold at close reads the main file
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

    def note_views(self, flt: NoteFilter | None = None) -> NoteViews:
        """Like `notes`, without copying: read-only views for fast display, each built as
        it is first read."""
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
        if self.registries.first_use_needs_notes(note):  # once per code: did older notes use it?
            self.index.sync()
        with self.store.transaction():  # the note and its new tags: all or nothing
            self.registries.register_tags(note)
            note = _revised(note, None, self.registries.author())
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
        with self.store.transaction():  # the note, its new tags, its follow-ups: all or nothing
            self.registries.register_tags(note)
            self.followups.carry_over([(old, note)])
            note = _revised(note, old, self.registries.author())
            self.store.put_note(note.to_dict())
        self.index.remember(note)
        return replace(note)

    def upsert_many(self, notes: list[Note], *, keep_stamps: bool = False) -> tuple[int, int]:
        """Insert or update many notes in one atomic write. Returns (added, updated).

        With `keep_stamps`, created/updated given on the notes are kept (imports).
        Linear in the number of notes: the registries are read once, under the lock.
        """
        prepared = []
        replaced: list[tuple[Note, Note]] = []
        added = 0
        now = now_stamp()
        self.store.expect_writes(len(notes))
        with self.store.transaction():
            author = self.registries.author()
            tombs = {
                doc.get("key"): doc for doc in self.store.records(TOMBSTONES) if doc.get("table") == "notes"
            }
            for original in notes:
                note = replace(original)
                self.registries.canonicalise(note)
                old = self.index.view(note.id)
                if old is None:
                    added += 1
                    note.created = note.created or now
                elif not (keep_stamps and note.created):
                    note.created = old.created or note.created
                if old is not None:
                    replaced.append((old, note))
                note.updated = note.updated if keep_stamps and note.updated else now
                self.registries.register_tags(note)
                tomb = tombs.get(note.id) if old is None else None  # a deleted note, saved again
                note = _revised(note, old, author, tomb)
                prepared.append(note)
            self.followups.carry_over(replaced)
            self.store.put_notes([note.to_dict() for note in prepared])
            gone = [tombstone_guid("notes", note.id) for note in prepared if note.id in tombs]
            self.store.delete_records(TOMBSTONES, gone)
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
        mark = tombstone("notes", note.id, note.to_dict(), author=self.registries.author(), when=now_stamp())
        with self.store.transaction():  # the note goes, its tombstone stays: all or nothing
            self.store.delete_note(note.id)
            self.store.put_records(TOMBSTONES, [mark])
        self.index.forget(note.id)
        return note

    # ------------------------------------------------------- export, import
    @bulk_load()  # no collector pass over every note while the job is made (see export/job.py)
    def prepare_export(
        self,
        flt: NoteFilter | None = None,
        protections: Protections | None = None,
        *,
        check: bool = True,
        followups: bool = True,
        fold: bool = True,
    ) -> ExportJob:
        """A snapshot of what to export, with the protections applied (see `build_job`).
        `followups`: with the notes' follow-up items, which only the NVivo sheets carry
        (the 17,000 of 50,000 notes take 0.2 s to build, and the name check reads them).
        `fold`: fold the journal into the main file first; without it, the caller does
        (the service's exports fold beside the writing: `_written`).

        A front end that writes the job itself (on a worker thread) calls
        `record_export(job, report)` afterwards, on its own thread, for the ledger. Without
        `check`, the name checks are left to the writer, which runs them beside its writing
        (2 to 6 s at 50,000 notes; see `export/beside.py`), or to the job's `checked()`,
        run first to say so."""
        from fieldnotes.export.job import Protections, build_job

        if fold and self.store.fold_due:
            self.store.flush()  # what leaves the laptop is also whole in the main file
        registries = self.registries
        notes: Sequence[Note] = self.note_views(flt)
        if not fold:  # every model built now: a fold beside the writing leaves the index alone
            notes = list(notes)
        items: list[Followup] = []
        if followups:
            states = self.followups.states()
            of_note = self.followups.of_note
            items = [item for note in notes if note.followups for item in of_note(note, states)]
        job = build_job(
            notes,
            registries.organizations(),
            registries.codes(),
            registries.informants(),
            protections or Protections(),
            self._known_names(),
            memos=self.memos.all(),
            followups=items,
            history=registries.history.entries(),
            filtered=flt is not None and not flt.is_empty,
            defer_check=not check,
        )
        return replace(job, filters=flt.describe(with_text=True) if flt else "")

    def check_names(self, flt: NoteFilter | None = None, *, include_private: bool = True) -> NameCheck:
        """The pre-flight check on its own, over the notes and the registries: possible names
        not in the registry, and tags (organizations, codes, locations...) holding a real name."""
        from fieldnotes.privacy import check_names

        registries = self.registries
        return check_names(
            self.note_views(flt),
            registries.organizations(),
            registries.codes(),
            registries.informants(),
            self._known_names(),
            include_private=include_private,
        )

    def _known_names(self) -> list[str]:
        """Words the name check need not flag: registry names, aliases, codes, pseudonyms, roles,
        informants' organizations and registered real names (`--pseudonymise` replaces those)."""
        registries = self.registries
        informants = registries.informants()
        return [
            *(name for org in registries.organizations() for name in [org.name, *org.aliases]),
            *(code.name for code in registries.codes()),
            *(person.pseudonym for person in informants),
            *(person.role for person in informants),
            *(person.organization for person in informants),
            *(name for person in informants for name in person.real_names),
        ]

    def _export_job(
        self, flt: NoteFilter | None, protections: Protections | None, *, followups: bool = False
    ) -> ExportJob:
        """The snapshot of one of the service's exports: checked as it is written, and the
        journal folded beside the writing (`_written`)."""
        return self.prepare_export(flt, protections, check=False, followups=followups, fold=False)

    def _written(self, job: ExportJob, write: Callable[[ExportJob], ExportReport]) -> ExportReport:
        """Run an export's writer on `job` (a snapshot taken without folding), the journal
        folded into the main file meanwhile on a thread of its own (`storage/folding.py`): the
        files wait for the fold before they go in place (`ExportJob.settled`), so a fold that
        fails stops them, as a fold before the export did. Meanwhile the store is the fold's: a
        `progress` callback given to an export must not use the service. Files written whose
        name check could not finish are still recorded in the ledger (what an ethics audit
        reads) before the error goes on."""
        from fieldnotes.errors import UncheckedExportError
        from fieldnotes.storage.folding import FoldBeside

        fold = None
        try:
            if self.store.fold_due:
                fold = FoldBeside(self.store.flush)  # the store is the fold's until it is waited for
                job = replace(job, settle=fold.wait)
            report = write(job)
        except BaseException as exc:
            if fold is not None:
                try:
                    fold.wait()
                except Exception as failed:  # the writer's error is the one raised; this one told too
                    exc.add_note(
                        f"The database's journal could not be folded into its main file either "
                        f"({failed}); every note is safe in the journal."
                    )
            if isinstance(exc, UncheckedExportError):
                self.record_export(job, exc.report)
            raise
        if fold is not None:
            fold.wait()  # each writer waited for it already: this only makes sure
        return report

    def record_export(self, job: ExportJob, report: ExportReport) -> ExportRecord:
        """Append a finished export to the ledger (call it only once the files are written)."""
        from fieldnotes.export.job import Protections
        from fieldnotes.ledger import ExportRecord, Ledger

        protections = job.protections
        real_names = any(person.real_names for person in self.registries.informants())
        record = ExportRecord(
            when="",
            format=report.format,
            path=_storable(str(Path(report.target).absolute())) if report.target else "",
            notes=report.notes,
            filters=job.filters,
            protections=[name for name in Protections.names() if getattr(protections, name)],
            names_exposed=real_names and not protections.pseudonymise and report.format != "qdc",
            options=dict(report.options),
            note_ids=list(report.note_ids),
        )
        if record.names_exposed:
            report.warnings.append(
                "real names are registered for informants and this export was not pseudonymised: "
                "the export ledger marks it (fieldnotes exports)"
            )
        return Ledger(self.store).append(record)

    def exports(self) -> list[ExportRecord]:
        """The export ledger, newest first (for `fieldnotes exports` and the app)."""
        from fieldnotes.ledger import Ledger

        return list(reversed(Ledger(self.store).records()))

    def export_nvivo(
        self,
        folder: Path,
        flt: NoteFilter | None = None,
        protections: Protections | None = None,
        **options: Any,
    ) -> ExportReport:
        """notes, organizations, informants, codebook and the relation sheets (CSV or xlsx), and the how-to.

        Options: format (csv, xlsx), flatten_newlines, excel_safe, code_columns, force, progress."""
        job = self._export_job(flt, protections, followups=True)
        report = self._written(job, lambda job: job.nvivo(folder, **options))
        self.record_export(job, report)
        return report

    def export_qdc(self, path: Path, *, force: bool = False, pseudonymise: bool = False) -> ExportReport:
        """The codebook as a REFI-QDA .qdc file."""
        from fieldnotes.export.job import Protections

        protections = Protections(pseudonymise=pseudonymise)
        job = self._export_job(None, protections)
        report = self._written(job, lambda job: job.qdc(path, force=force))
        self.record_export(job, report)
        return report

    def export_qdpx(
        self,
        path: Path,
        flt: NoteFilter | None = None,
        protections: Protections | None = None,
        **options: Any,
    ) -> ExportReport:
        """A REFI-QDA project: sources, codes, codings, cases, variables, memos.

        Options: target (nvivo, atlas, maxqda, qualcoder), force, researcher, moment, progress."""
        job = self._export_job(flt, protections)
        report = self._written(job, lambda job: job.qdpx(path, **options))
        self.record_export(job, report)
        return report

    def export_documents(
        self,
        folder: Path,
        flt: NoteFilter | None = None,
        protections: Protections | None = None,
        *,
        new_only: bool = False,
        **options: Any,
    ) -> ExportReport:
        """One document per note with the file classification and case sheets (see export/documents.py).

        `new_only`: only the notes no earlier documents export carried (the ledger says which).
        Options: format (txt, docx), force, moment, progress."""
        from fieldnotes.errors import NothingToExportError
        from fieldnotes.export.common import plural
        from fieldnotes.ledger import Ledger

        job = self._export_job(flt, protections)
        changed: list[Note] = []
        if new_only:
            seen = Ledger(self.store).exported_ids(("documents-txt", "documents-docx"))
            changed = [note for note in job.notes if note.id in seen and note.updated > seen[note.id]]
            if job.notes and all(note.id in seen for note in job.notes):
                last = max(seen.values())
                raise NothingToExportError(
                    f"no new notes since the last documents export ({last.replace('T', ' ')}): "
                    "nothing was written"
                )
            job = job.without(set(seen))
        report = self._written(job, lambda job: job.documents(folder, **options))
        if new_only:
            report.options["new_only"] = "yes"
        if changed:
            shown = ", ".join(f"{note.id[:8]} {note.title!r}" for note in changed[:5])
            report.warnings.append(
                f"{plural(len(changed), 'note')} changed since an earlier documents export and "
                f"{'was' if len(changed) == 1 else 'were'} not written again (NVivo already has "
                f"{'it' if len(changed) == 1 else 'them'}; update by hand): {shown}"
                + (" …" if len(changed) > 5 else "")
            )
        self.record_export(job, report)
        return report

    def import_notes(
        self,
        path: Path,
        *,
        skip_bad: bool = False,
        excel_safe: bool = False,
        unflatten_newlines: bool = False,
        overwrite_newer: bool = False,
    ) -> ImportReport:
        """Import notes.csv/.xlsx, a .qdpx or .jsonl: all rows in one atomic write, or none.

        Every row is checked first; a bad row (or an id on two rows) refuses the
        whole file unless `skip_bad`. A note that exists is changed only in the
        fields the file carries, and not at all when it changed here after the
        file was written (its `updated` is newer) unless `overwrite_newer`. A
        backup is taken before anything changes. `excel_safe` and
        `unflatten_newlines` undo the export options of those names.
        """
        from fieldnotes.errors import ImportRefusedError
        from fieldnotes.importing.codebook import read_codebook
        from fieldnotes.importing.notes import BadRow, ImportReport, parse_file, refuse_message

        parsed = parse_file(path, excel_safe=excel_safe, unflatten_newlines=unflatten_newlines)
        if parsed.bad and not skip_bad:
            raise ImportRefusedError(refuse_message(path, parsed.bad))
        report = ImportReport(skipped=list(parsed.bad))
        changed: list[Note] = []
        stamp = now_stamp()
        for item in parsed.notes:
            old = self.index.view(item.note.id)
            if old is None:
                changed.append(item.note)
                continue
            merged = replace(old)
            for name in item.carried - {"id", "created", "updated"}:
                new = getattr(item.note, name)
                lossy = parsed.lossy.get(name)
                if lossy is not None and isinstance(new, str) and lossy(getattr(old, name)) == new:
                    continue  # what the export made of the stored value: keep the stored one
                setattr(merged, name, list(new) if isinstance(new, list) else new)
            try:
                self.registries.canonicalise(merged)
            except ValidationError as exc:
                report.skipped.append(BadRow(item.line, str(exc), item.where))
                continue
            if _same(old, merged):
                report.unchanged += 1
                continue
            file_updated = item.note.updated if "updated" in item.carried else ""
            if old.updated and file_updated and old.updated > file_updated and not overwrite_newer:
                report.newer.append(old)
                continue
            merged.updated = stamp
            changed.append(merged)
        if len(report.skipped) > len(parsed.bad) and not skip_bad:
            raise ImportRefusedError(refuse_message(path, report.skipped))
        new_codes = []
        if parsed.codebook:
            known = {tag_key(code.name) for code in self.registries.codes()}
            new_codes = [code for code in read_codebook(path) if tag_key(code.name) not in known]
        if changed or new_codes:
            report.backup = self.backup("before-import")
            with self.store.transaction():  # the codebook and the notes: all or nothing
                if new_codes:
                    report.codes_added = self.registries.import_codebook(path)[0]
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

    def report_weighted_ties(self, flt: NoteFilter | None = None) -> list[WeightedTieRow]:
        """The recorded ties: per pair of organizations and type, how many, how intense, when."""
        from fieldnotes.reports import weighted_ties

        return weighted_ties(self.note_views(flt), self.registries.organizations())

    def report_strongest_ties(
        self, *, by: str = "month", flt: NoteFilter | None = None
    ) -> list[StrongestTieRow]:
        """Each organization's strongest recorded tie in each period (the app's Network tab)."""
        from fieldnotes.reports import strongest_ties

        return strongest_ties(self.note_views(flt), self.registries.organizations(), by=by)

    def export_graphml(
        self,
        path: Path,
        flt: NoteFilter | None = None,
        protections: Protections | None = None,
        *,
        force: bool = False,
    ) -> ExportReport:
        """The recorded ties as a weighted network in GraphML (Gephi, networkx, Cytoscape)."""
        job = self._export_job(flt, protections)
        report = self._written(job, lambda job: job.graphml(path, force=force))
        self.record_export(job, report)
        return report

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


def _storable(path: str) -> str:
    """A path as the ledger can keep it: a file name that is not UTF-8 is written with
    backslash escapes for its odd bytes (the ledger is a record to read, not to open)."""
    import os

    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _same(a: Note, b: Note) -> bool:
    """Equal but for the stamps."""
    skip = {"created", "updated", *BOOKKEEPING}
    return all(getattr(a, name) == getattr(b, name) for name in a.field_names() if name not in skip)


def _revised(note: Note, old: Note | None, author: str, tomb: dict[str, Any] | None = None) -> Note:
    """`note` with the revision bookkeeping of a version saved over `old` (see merge/revisions.py)."""
    extra = (str(tomb["rev"]),) if tomb and tomb.get("rev") else ()
    doc = stamp(note.to_dict(), old.to_dict() if old is not None else None, author, extra_parents=extra)
    unrevised: dict[str, Any] = {"author": "", "rev": "", "history": [], "field_revs": {}}
    return replace(note, **{key: doc.get(key, unrevised[key]) for key in BOOKKEEPING})


# ------------------------------------------------------ whole-database operations
def restore(db_path: Path | str, name: str, *, passphrase: str | None = None) -> Path:
    """Restore a backup over the database at `db_path` (which may be damaged)."""
    from fieldnotes.storage.lifecycle import restore_backup

    return restore_backup(db_path, name, passphrase=passphrase)


def encrypt_database(db_path: Path | str, passphrase: str) -> list[Path]:
    """Encrypt the database, its backups and its drafts. Returns the files converted."""
    from fieldnotes.storage.lifecycle import convert_database

    return convert_database(db_path, passphrase, encrypt=True)


def decrypt_database(db_path: Path | str, passphrase: str) -> list[Path]:
    """Turn an encrypted database (and its backups and drafts) back into plain TinyDB files."""
    from fieldnotes.storage.lifecycle import convert_database

    return convert_database(db_path, passphrase, encrypt=False)


def recover(db_path: Path | str, *, passphrase: str | None = None) -> Recovery:
    """Keep everything still readable after damage; set the rest aside (see `lifecycle.recover`)."""
    from fieldnotes.storage.lifecycle import recover as recover_database

    return recover_database(db_path, passphrase=passphrase)


def change_passphrase(db_path: Path | str, old: str, new: str) -> list[Path]:
    """Re-seal the database, its backups and drafts with a new passphrase. Returns the files."""
    from fieldnotes.storage.lifecycle import change_passphrase as reseal

    return reseal(db_path, old, new)


def destroy(db_path: Path | str) -> list[Path]:
    """Remove the database, its journal, index, lock, drafts and backups. Returns what was removed."""
    from fieldnotes.storage.lifecycle import destroy_database

    return destroy_database(db_path)


def database_files(db_path: Path | str) -> list[Path]:
    """Every file and folder fieldnotes keeps for the database at `db_path`."""
    from fieldnotes.storage.lifecycle import database_files as files

    return files(db_path)
