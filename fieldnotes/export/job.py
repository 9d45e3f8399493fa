"""An export job: the notes and registries to write, copied out and protected.

`build_job` applies the protections a researcher chose (`Protections`): private
fields and interviews without recorded consent are left out unless asked for,
real names are replaced by pseudonyms on request, and the pre-flight name check
runs. The job's methods only write files, so a front end may run them on a
worker thread.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from functools import wraps
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING, Concatenate, ParamSpec

from fieldnotes.errors import NothingToExportError, UncheckedExportError, ValidationError
from fieldnotes.export import beside
from fieldnotes.export.common import ExportReport, Progress, nothing_to_export, plural
from fieldnotes.model import Code, Informant, Note, Organization

# While an export is made, no collector pass walks every note (at 50,000 notes, a fifth of the time).
from fieldnotes.storage.durable import bulk_load

if TYPE_CHECKING:
    from fieldnotes.codebook_history import HistoryEntry
    from fieldnotes.followups import Followup
    from fieldnotes.memos import Memo
    from fieldnotes.privacy import NameCheck, PossibleName, Pseudonymiser, TextLayout


@dataclass(frozen=True)
class Protections:
    """What an export may carry beyond the default, and whether names are replaced."""

    include_private: bool = False
    include_unconsented: bool = False
    pseudonymise: bool = False

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))


_P = ParamSpec("_P")


class PendingChecks:
    """A job's name checks under way: the possible names looked for beside the writing (in
    a helper process, `NamesBeside`, when there are many notes), the rest done here when the
    result is asked. Leaving the block stops the helper."""

    def __init__(
        self,
        helper: beside.NamesBeside | None,
        here: Callable[[], list[PossibleName]],
        finish: Callable[[list[PossibleName]], tuple[list[str], list[str]]],
    ) -> None:
        self._helper = helper
        self._here = here  # the possible names, looked for in this process
        self._finish = finish

    @property
    def helped(self) -> bool:
        return self._helper is not None

    def result(self) -> tuple[list[str], list[str]]:
        """(export warnings, codebook warnings)."""
        names = self._helper.result() if self._helper is not None else None
        return self._finish(self._here() if names is None else names)  # no answer: checked here

    def __enter__(self) -> PendingChecks:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._helper is not None:
            self._helper.cancel()


NameChecks = Callable[[bool], PendingChecks]
"""The name checks of a job, still to run: called, they gather the texts to check and start
(in a helper when told they may and there are many notes, or else here at once)."""


def _reason(exc: BaseException) -> str:
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted"
    return str(exc) or type(exc).__name__


def _writer(
    *, codebook: bool = False
) -> Callable[
    [Callable[Concatenate[ExportJob, _P], ExportReport]], Callable[Concatenate[ExportJob, _P], ExportReport]
]:
    """An `ExportJob` method that writes files, without the collector's passes over every
    note. Its report starts with the job's warnings (the codebook's alone, with `codebook`:
    what the notes hold is not in a codebook), the name checks' among them.

    The name checks, when still to run, start first (`PendingChecks`: with many notes, in a
    helper process on the other core) and their result is taken once the files are written.
    No export goes out unchecked: a writer that fails stops the helper, and files written
    whose check then cannot finish raise `UncheckedExportError` (the service still records
    them in the ledger)."""

    def decorate(
        method: Callable[Concatenate[ExportJob, _P], ExportReport],
    ) -> Callable[Concatenate[ExportJob, _P], ExportReport]:
        @wraps(method)
        def write(job: ExportJob, *args: _P.args, **kwargs: _P.kwargs) -> ExportReport:
            with bulk_load():
                if job.preflight is None:
                    report = method(job, *args, **kwargs)
                else:
                    with job.preflight(not codebook) as checks:  # a codebook: no helper
                        report = method(job, *args, **kwargs)
                        try:
                            job = job.with_checks(*checks.result())
                        except BaseException as exc:  # the files are there: never silently
                            raise UncheckedExportError(report, _reason(exc)) from exc
            report.warnings[:0] = job.codebook_warnings if codebook else job.warnings
            return report

        return write

    return decorate


@dataclass(frozen=True)
class ExportJob:
    """Notes and registries, copied out of the database and protected, ready to be written."""

    notes: list[Note]
    organizations: list[Organization]
    codes: list[Code]
    informants: list[Informant]  # real names already removed
    protections: Protections = Protections()
    warnings: list[str] = field(default_factory=list)
    filters: str = ""  # the note filter in words, for the export ledger ("" = every note)
    memos: list[Memo] = field(default_factory=list)  # analytic memos (memos.py)
    followups: list[Followup] = field(default_factory=list)  # the exported notes' follow-up items
    history: list[HistoryEntry] = field(default_factory=list)  # the codebook's audit trail
    codebook_warnings: list[str] = field(default_factory=list)  # the pre-flight of the codes alone
    preflight: NameChecks | None = field(default=None, repr=False, compare=False)
    """The name checks, while they are still to run (see `build_job`'s `defer_check`): they
    give the warnings to add to `warnings` and to `codebook_warnings`."""
    settle: Callable[[], object] | None = field(default=None, repr=False, compare=False)
    """What the files wait for before they are put in place (`settled`): the service's fold
    of the journal into the main file, running beside the writing."""
    withheld: int = 0  # interviews that matched but were left out for want of recorded consent

    def nothing_to_export(self) -> NothingToExportError:
        """Why a writer given no notes writes nothing: the notes that matched may all be
        interviews without recorded consent, which no filter explains."""
        if self.withheld:
            which = (
                "the one note that matches is an interview"
                if self.withheld == 1
                else f"the {plural(self.withheld, 'note')} that match are interviews"
            )
            return NothingToExportError(
                f"nothing was written: {which} without recorded consent, left out unless asked "
                "for (--include-unconsented exports them)"
            )
        return nothing_to_export()

    def settled(self) -> None:
        """Wait for `settle`; each writer calls this just before its files go in place (an
        error from it stops them, and they are never put there)."""
        if self.settle is not None:
            self.settle()

    def checked(self) -> ExportJob:
        """The job with its name checks run and their warnings added (itself, once they have).
        Writers run them beside the writing instead (`_writer`)."""
        if self.preflight is None:
            return self
        # On the app's export thread too, no collector pass over every note.
        with bulk_load(), self.preflight(False) as checks:  # nothing to overlap: no helper
            return self.with_checks(*checks.result())

    def with_checks(self, found: list[str], codebook: list[str]) -> ExportJob:
        """The job with the name checks' warnings added: `found` for the export, `codebook`
        for a codebook alone."""
        return replace(
            self,
            warnings=[*self.warnings, *found],
            codebook_warnings=[*self.codebook_warnings, *codebook],
            preflight=None,
        )

    def without(self, note_ids: set[str]) -> ExportJob:
        """The same job less the notes whose ids are given (`--new-only`)."""
        return replace(
            self,
            notes=[note for note in self.notes if note.id not in note_ids],
            followups=[item for item in self.followups if item.note_id not in note_ids],
        )

    @_writer()
    def nvivo(
        self,
        folder: Path,
        *,
        format: str = "csv",
        flatten_newlines: bool = False,
        excel_safe: bool = False,
        code_columns: bool = False,
        force: bool = False,
        progress: Progress | None = None,
    ) -> ExportReport:
        from fieldnotes.export.nvivo import FORMATS, CsvOptions, write_folder

        if format not in FORMATS:
            raise ValidationError(f"unknown format {format!r}: choose csv or xlsx", field="format")
        options = CsvOptions(
            flatten_newlines, excel_safe, code_columns, force, self.protections.include_private, format
        )
        report = write_folder(folder, self, options, progress)
        report.options = {
            name: "yes"
            for name, on in (
                ("flatten_newlines", flatten_newlines),
                ("excel_safe", excel_safe),
                ("code_columns", code_columns),
            )
            if on
        }
        return report

    @_writer(codebook=True)
    def qdc(self, path: Path, *, force: bool = False) -> ExportReport:
        from fieldnotes.export.refi import write_qdc

        report = write_qdc(path, self.codes, force=force, history=self.history, before_replace=self.settled)
        return report

    @_writer()
    def graphml(self, path: Path, *, force: bool = False) -> ExportReport:
        """The recorded collaboration ties as a weighted network (Gephi, networkx)."""
        from fieldnotes.export.graphml import write_graphml

        return write_graphml(path, self, force=force)

    @_writer()
    def qdpx(
        self,
        path: Path,
        *,
        force: bool = False,
        researcher: str | None = None,
        target: str | None = None,
        moment: datetime | None = None,
        progress: Progress | None = None,
    ) -> ExportReport:
        """`target`: nvivo (default), atlas, maxqda or qualcoder (see export/profiles.py).
        `moment`: the project's time stamp (default now; fixed for the committed sample)."""
        from fieldnotes.export.profiles import profile
        from fieldnotes.export.refi import write_qdpx

        report = write_qdpx(
            path, self, force=force, researcher=researcher, target=target, moment=moment, progress=progress
        )
        report.options["target"] = profile(target).name
        return report

    @_writer()
    def documents(
        self,
        folder: Path,
        *,
        format: str = "txt",
        force: bool = False,
        moment: datetime | None = None,
        progress: Progress | None = None,
    ) -> ExportReport:
        """One document per note (.txt or .docx), the file classification sheet and the case
        sheets: the way NVivo users bring field notes in (see export/documents.py)."""
        from fieldnotes.export.documents import write_documents

        report = write_documents(folder, self, format=format, force=force, moment=moment, progress=progress)
        return report


def build_job(
    notes: list[Note],
    organizations: list[Organization],
    codes: list[Code],
    informants: list[Informant],
    protections: Protections,
    known_names: list[str],
    *,
    memos: Sequence[Memo] = (),
    followups: Sequence[Followup] = (),
    history: Sequence[HistoryEntry] = (),
    filtered: bool = False,
    defer_check: bool = False,
) -> ExportJob:
    """Apply the protections to read-only note views (any change makes a copy).

    With `pseudonymise`, the whole job is pseudonymised before any writer sees it:
    every free-text note field, organizations, codes and informants, memos, follow-up
    items and the codebook's history (see `Pseudonymiser`), so every format, present
    or future, carries the same text.

    `followups` are the items of `notes` (those of notes left out go too). A memo linked
    to a note left out for want of consent is left out; with `filtered` notes, only memos
    linked to something exported (a note, or an organization, code or informant of one) go.
    """
    from fieldnotes.privacy import (
        CheckedTexts,
        NameCheck,
        Pseudonymiser,
        check_names,
        find_named_tags,
        gather_texts,
        job_others,
        possible_names,
    )

    warnings: list[str] = []
    left_out: set[str] = set()
    if not protections.include_unconsented:
        kept = [note for note in notes if not note.unconsented]
        if len(kept) < len(notes):
            warnings.append(
                f"{len(notes) - len(kept)} interview(s) without recorded consent were left out "
                "(--include-unconsented exports them)"
            )
            left_out = {note.id for note in notes if note.unconsented}
        notes = kept
    if not protections.include_private:
        notes = [replace(note, private="") if note.private else note for note in notes]
    exported = {note.id for note in notes}
    items = [item for item in followups if item.note_id in exported]
    chosen = _memos_to_export(memos, notes, left_out, filtered)
    if len(chosen) < len(memos) and left_out:
        unconsented = sum(1 for memo in memos if set(memo.targets("note")) & left_out)
        if unconsented:
            warnings.append(
                f"{unconsented} memo(s) linked to an interview without recorded consent were left out "
                "(--include-unconsented exports them)"
            )
    entries = list(history)
    pseudonymiser = Pseudonymiser(informants)
    if protections.pseudonymise:
        if not pseudonymiser:
            warnings.append("--pseudonymise: no real names or aliases are recorded for any informant")
        warnings += [f"--pseudonymise: {warning}" for warning in pseudonymiser.warnings]
        organizations, codes, informants, renames = pseudonymiser.registries(organizations, codes, informants)
        notes = [pseudonymiser.note(note, renames) for note in notes]
        chosen = [pseudonymiser.memo(memo, renames) for memo in chosen]
        items = [pseudonymiser.followup(item, renames) for item in items]
        entries = [pseudonymiser.history_entry(entry, renames) for entry in entries]
    others = job_others(chosen, items, entries)  # the memos', follow-ups' and history's texts
    history_texts = job_others([], [], entries)
    private = protections.include_private

    def name_checks(beside_the_writing: bool) -> PendingChecks:
        """Real names left in (unless pseudonymised) and the pre-flight check: for the
        export, and for a codebook alone (a .qdc carries the codes and their history only).
        With many notes, the texts go to a helper once gathered (`NamesBeside`)."""

        def gathered() -> tuple[list[str], TextLayout]:
            return gather_texts(
                notes, organizations, codes, informants, include_private=private, others=others
            )

        def here() -> list[PossibleName]:
            return possible_names(CheckedTexts.joining(*gathered()), known_names)

        helper = None
        names: list[PossibleName] | None = None
        if beside_the_writing and len(notes) >= beside.HELPER_MIN_NOTES:
            helper = beside.NamesBeside(known_names)
        if helper is not None and helper.running:
            try:
                helper.send(*gathered())  # the texts are the notes' own strings, not copies
            except BaseException:  # not yet in a PendingChecks' block: stopped here
                helper.cancel()
                raise
        else:
            helper, names = None, here()  # at once, before the writing

        def finish(found_names: list[PossibleName]) -> tuple[list[str], list[str]]:
            found: list[str] = []
            codebook: list[str] = []
            if not protections.pseudonymise and pseudonymiser:
                found += _real_name_warning(pseudonymiser, notes, organizations, codes, informants, others)
                codebook += _real_name_warning(pseudonymiser, [], [], codes, [], history_texts)
            tags = find_named_tags(pseudonymiser, notes, organizations, codes, informants)
            found += _preflight(NameCheck(found_names, tags))
            alone = check_names(
                [], [], codes, [], known_names, pseudonymiser=pseudonymiser, others=history_texts
            )
            codebook += _preflight(alone)
            return found, codebook

        return PendingChecks(helper, here if names is None else lambda: names, finish)

    public = [replace(person, real_names=[]) for person in informants]
    job = ExportJob(
        notes,
        organizations,
        codes,
        public,
        protections,
        warnings,
        memos=chosen,
        followups=items,
        history=entries,
        preflight=name_checks,
        withheld=len(left_out),
    )
    return job if defer_check else job.checked()


def _preflight(check: NameCheck) -> list[str]:
    """The pre-flight name check's findings, as export warnings."""
    from fieldnotes.privacy import describe_named_tags, describe_possible_names

    lines = []
    if check.possible:
        lines.append(
            f"pre-flight: {len(check.possible)} capitalised word(s) look like names and are not in "
            "the registry; review before sharing:\n    "
            + "\n    ".join(describe_possible_names(check.possible))
        )
    if check.named_tags:
        lines.append(
            f"pre-flight: {len(check.named_tags)} tag(s) hold a registered real name (add "
            "--pseudonymise to replace it; rename the tag to keep it out of your tag lists):\n    "
            + "\n    ".join(describe_named_tags(check.named_tags))
        )
    return lines


def _memos_to_export(
    memos: Sequence[Memo], notes: list[Note], left_out: set[str], filtered: bool
) -> list[Memo]:
    """The memos an export carries (see `build_job`)."""
    chosen = [memo for memo in memos if not set(memo.targets("note")) & left_out]
    if not filtered:
        return chosen
    from fieldnotes.text import tag_key

    present: set[tuple[str, str]] = set()
    for note in notes:
        present.add(("note", note.id))
        present.update(("org", tag_key(org)) for org in note.organizations)
        present.update(("code", tag_key(code)) for code in note.codes)
        if note.kind == "interview" and note.informant:
            present.add(("informant", tag_key(note.informant)))
    return [
        memo
        for memo in chosen
        if any(
            (kind, target if kind == "note" else tag_key(target)) in present for kind, target in memo.links()
        )
    ]


def _real_name_warning(
    pseudonymiser: Pseudonymiser,
    notes: list[Note],
    organizations: list[Organization],
    codes: list[Code],
    informants: list[Informant],
    extra: list[tuple[str, str]] | None = None,
) -> list[str]:
    """Without --pseudonymise: how many notes and registry entries (and memos, follow-ups,
    codebook history entries) hold a registered real name."""
    from fieldnotes.privacy import export_texts, note_strings

    in_notes = sum(1 for note in notes if pseudonymiser.contains_any(note_strings(note)))
    registry = export_texts([], organizations, codes, informants, others=extra or [])
    others = sum(
        1
        for _, group in groupby(registry, key=lambda item: item[0].rsplit(" ", 1)[0])
        if pseudonymiser.contains_any(text for _, text in group)
    )
    if not in_notes and not others:
        return []
    what = " and ".join(
        part
        for part in (
            f"{in_notes} note(s)" if in_notes else "",
            f"{others} organization(s), code(s), informant record(s), memo(s) or other record(s)"
            if others
            else "",
        )
        if part
    )
    return [f"{what} contain an informant's real name or alias; add --pseudonymise to replace them"]
