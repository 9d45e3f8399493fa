"""The export dialog: format, where to, which notes; progress, then a summary."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import (
    Button,
    Checkbox,
    Input,
    Label,
    ProgressBar,
    RadioButton,
    RadioSet,
    Select,
    Static,
)

from fieldnotes.errors import FieldnotesError, NothingToExportError, OutputExistsError
from fieldnotes.export.job import Protections
from fieldnotes.export.profiles import DEFAULT_PROFILE, PROFILES
from fieldnotes.index import NoteFilter
from fieldnotes.tui.screens.base import FieldnotesModal
from fieldnotes.tui.widgets.field_input import FieldInput

if TYPE_CHECKING:
    from fieldnotes.export.common import ExportReport, Progress
    from fieldnotes.export.job import ExportJob

FORMATS = {
    "nvivo": "NVivo CSV: a folder of sheets (dataset + classifications)",
    "xlsx": "NVivo Excel: the same sheets as .xlsx workbooks",
    "documents": "Documents: one .txt per note + classification sheets",
    "docx": "Word documents: one .docx per note + classification sheets",
    "qdpx": "REFI-QDA project .qdpx (NVivo, ATLAS.ti, MAXQDA, QualCoder)",
    "qdc": "REFI-QDA codebook .qdc (codes only)",
    "graphml": "GraphML: the recorded ties as a network (Gephi, networkx)",
}
NVIVO_SHEETS = ("nvivo", "xlsx")
"""The formats with the spreadsheet options (flatten, Excel-safe, code columns)."""
CODEBOOK_ONLY = ("qdc",)
"""The formats that carry no notes: the filters and the note protections do not apply."""


REPLACE_BOX = "Replace existing files"


def app_message(exc: FieldnotesError | OSError, path: Path) -> str:
    """What went wrong, said for the dialog (its checkboxes, not the command line's flags)."""
    if isinstance(exc, OutputExistsError):
        if path.exists() and not path.is_dir() and "folder" in str(exc):
            return f"{path} is a file, not a folder: choose another place to write to."
        if path.is_dir() and "is a folder" in str(exc):
            return f"{path} is a folder: give a file name to write to."
        return (
            f"{path} exists already and nothing was written. Tick “{REPLACE_BOX}” to overwrite it, "
            "or change where to write to."
        )
    if isinstance(exc, NothingToExportError):
        return f"Nothing to export, so nothing was written: {exc}."
    if isinstance(exc, OSError):
        where = f" ({exc.filename})" if exc.filename else ""
        return f"Could not write the export: {exc.strerror or exc}{where}. Nothing was left half-written."
    return (
        str(exc)
        .replace("--include-unconsented", "the “no consent recorded” box")
        .replace("--include-private", "the “private fields” box")
    )


def default_target(fmt: str, now: datetime) -> Path:
    base = Path.home() / "fieldnotes-exports"
    stamp = f"{now:%Y-%m-%d-%H%M}"
    return {
        "nvivo": base / f"nvivo-{stamp}",
        "xlsx": base / f"nvivo-xlsx-{stamp}",
        "documents": base / f"documents-{stamp}",
        "docx": base / f"documents-docx-{stamp}",
        "qdpx": base / f"fieldnotes-{stamp}.qdpx",
        "qdc": base / f"codebook-{stamp}.qdc",
        "graphml": base / f"ties-{stamp}.graphml",
    }[fmt]


def write(job: ExportJob, fmt: str, path: Path, options: dict[str, Any], progress: Progress) -> ExportReport:
    """Write the export `fmt` of `job` (files only: safe in a worker thread)."""
    force = bool(options.get("force"))
    if fmt in NVIVO_SHEETS:
        return job.nvivo(path, format="xlsx" if fmt == "xlsx" else "csv", progress=progress, **options)
    if fmt in ("documents", "docx"):
        return job.documents(path, format="docx" if fmt == "docx" else "txt", force=force, progress=progress)
    if fmt == "qdpx":
        return job.qdpx(path, force=force, target=options.get("target"), progress=progress)
    if fmt == "graphml":
        return job.graphml(path, force=force)
    return job.qdc(path, force=force)


class ExportDialog(FieldnotesModal[None]):
    """Exports in a worker thread from a snapshot taken at once. The options scroll; the
    summary (or what went wrong) and the buttons stay in view, the summary until closed."""

    HELP_TITLE = "Export"
    BINDINGS = [
        Binding(
            "escape", "close", "Close", priority=True, id="close", tooltip="close (not while an export runs)"
        ),
        Binding("ctrl+s", "export", "Export", priority=True, id="run-export", tooltip="write the export"),
        Binding(
            "ctrl+l",
            "ledger",
            "Ledger",
            priority=True,
            id="export-ledger",
            tooltip="every export written so far (the export ledger)",
        ),
    ]

    def __init__(self, flt: NoteFilter) -> None:
        super().__init__()
        self.filter = flt
        self.format = "nvivo"
        self.running = False
        self.target = Path()

    def compose(self) -> ComposeResult:
        described = self.filter.describe(with_text=True)
        with Vertical(classes="dialog export-dialog"):
            yield Static("Export notes  [dim](ctrl+s writes, esc closes)[/]", classes="dialog-question")
            with VerticalScroll(classes="dialog-body", id="x-options"):
                yield from self._options(described)
            yield ProgressBar(id="x-progress", show_eta=False)
            with VerticalScroll(id="x-summary-box"):
                yield Static("", id="x-summary", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Export (ctrl+s)", id="x-go", variant="primary")
                yield Button("Ledger (ctrl+l)", id="x-ledger")
                yield Button("Close (esc)", id="x-close")

    def _options(self, described: str) -> ComposeResult:
        with RadioSet(id="x-format"):
            for key, label in FORMATS.items():
                yield RadioButton(label, value=key == "nvivo", id=f"fmt-{key}")
        yield Select(
            [(f"for {p.tool}", p.name) for p in PROFILES.values()],
            value=DEFAULT_PROFILE,
            allow_blank=False,
            id="x-target",
        )
        yield Label("Write to", classes="field-label")
        # A suggested place: a path typed replaces it (→ or End keeps it, to edit it).
        yield FieldInput(str(default_target("nvivo", self.fn_app.now())), id="x-path", select_on_focus=True)
        yield Checkbox(
            f"Only the notes shown now ({described})" if described else "All notes (no filter is set)",
            value=bool(described),
            id="x-filtered",
            disabled=not described,
        )
        yield Checkbox("Flatten line breaks to ' ¶ ' (one record per line)", id="x-flatten")
        yield Checkbox("Excel-safe: prefix cells starting with = + - @ with '", id="x-excel")
        yield Checkbox("One 0/1 column per code", id="x-codecols")
        yield Checkbox(
            "Pseudonymise: replace informants' real names and aliases with pseudonyms", id="x-pseudo"
        )
        yield Checkbox("Include private fields (never by default)", id="x-private")
        yield Checkbox("Include interviews with no consent recorded (never by default)", id="x-unconsented")
        yield Checkbox(REPLACE_BOX, id="x-force")

    def on_mount(self) -> None:
        self.query_one("#x-progress").display = False
        self.query_one("#x-summary-box").display = False
        self.query_one("#x-target").display = False
        self.set_focus(self.query_one("#x-format", RadioSet))

    @on(RadioSet.Changed, "#x-format")
    def _format(self, event: RadioSet.Changed) -> None:
        self.format = (event.pressed.id or "fmt-nvivo").removeprefix("fmt-")
        self.query_one("#x-path", Input).value = str(default_target(self.format, self.fn_app.now()))
        for box in ("#x-flatten", "#x-excel", "#x-codecols"):
            self.query_one(box).display = self.format in NVIVO_SHEETS
        for box in ("#x-filtered", "#x-private", "#x-unconsented"):
            self.query_one(box).display = self.format not in CODEBOOK_ONLY
        self.query_one("#x-target").display = self.format == "qdpx"

    @on(Button.Pressed, "#x-ledger")
    def action_ledger(self) -> None:
        from fieldnotes.tui.screens.exports import ExportsScreen

        self.app.push_screen(ExportsScreen())

    @on(Button.Pressed, "#x-close")
    def action_close(self) -> None:
        if not self.running:
            self.dismiss(None)

    @on(Button.Pressed, "#x-go")
    def action_export(self) -> None:
        if self.running:
            return
        path_text = self.query_one("#x-path", Input).value.strip()
        if not path_text:
            self._summary("✗ Say where to write the export (the “Write to” box).", error=True)
            self.set_focus(self.query_one("#x-path", Input))
            return
        filtered = self.query_one("#x-filtered", Checkbox).value
        job = self.service.prepare_export(
            self.filter if filtered else NoteFilter(),
            Protections(
                pseudonymise=self.query_one("#x-pseudo", Checkbox).value,
                include_private=self.query_one("#x-private", Checkbox).value,
                include_unconsented=self.query_one("#x-unconsented", Checkbox).value,
            ),
            check=False,  # on the export's thread: the dialog answers keys meanwhile
            followups=self.format in NVIVO_SHEETS,  # the only sheets with the follow-up items
        )
        options: dict[str, Any] = {"force": self.query_one("#x-force", Checkbox).value}
        if self.format == "qdpx":
            options["target"] = self.query_one("#x-target", Select).value
        if self.format in NVIVO_SHEETS:
            options.update(
                flatten_newlines=self.query_one("#x-flatten", Checkbox).value,
                excel_safe=self.query_one("#x-excel", Checkbox).value,
                code_columns=self.query_one("#x-codecols", Checkbox).value,
            )
        if self.format not in CODEBOOK_ONLY and not job.notes and job.withheld:
            count = f"{job.withheld:,} interview{'' if job.withheld == 1 else 's'}"
            self._summary(
                f"✗ Nothing was written: the only notes that match are {count} with no consent "
                "recorded, left out by default. Record consent in the interview (e), or tick "
                "“Include interviews with no consent recorded”.",
                error=True,
            )
            return
        if self.format not in CODEBOOK_ONLY and not job.notes:
            said = self.filter.describe(with_text=True) if filtered else ""
            self._summary(
                f"✗ No notes match{f' ({said})' if said else ''}, so nothing was written. "
                + (
                    "Untick “Only the notes shown now”, or change the filters."
                    if said
                    else "Write a note first."
                ),
                error=True,
            )
            return
        self.running = True
        self.query_one("#x-go", Button).disabled = True
        bar = self.query_one("#x-progress", ProgressBar)
        bar.display = True
        bar.update(total=max(len(job.notes), 1), progress=0)
        self._summary(f"Exporting {len(job.notes):,} notes…")
        self.target = Path(path_text).expanduser()
        self.run_export(job, self.target, options)

    @work(thread=True, exclusive=True, group="export")
    def run_export(self, job: ExportJob, path: Path, options: dict[str, Any]) -> None:
        """Files only: the snapshot was taken on the UI thread, and the ledger is written
        there too, once the files are."""

        def progress(done: int, total: int) -> None:
            self.app.call_from_thread(self._progress, done, total)

        if job.preflight is not None:
            self.app.call_from_thread(self._summary, "Checking the notes for names before they leave…")
        try:
            job = job.checked()
            self.app.call_from_thread(self._summary, f"Exporting {len(job.notes):,} notes…")
            report = write(job, self.format, path, options, progress)
        except (FieldnotesError, OSError) as exc:
            self.app.call_from_thread(self._failed, exc)
            return
        self.app.call_from_thread(self._written, job, report)

    def _written(self, job: ExportJob, report: ExportReport) -> None:
        """Record the export in the ledger (what an ethics audit reads), then summarise."""
        try:
            self.service.record_export(job, report)
        except (FieldnotesError, OSError) as exc:
            report.warnings.append(f"the export was written but could not be recorded in the ledger: {exc}")
        self._finished(report.lines(warnings_first=True), False)  # names to review first

    def _failed(self, exc: FieldnotesError | OSError) -> None:
        self._finished([f"✗ {app_message(exc, self.target)}"], True)

    def _progress(self, done: int, total: int) -> None:
        self.query_one("#x-progress", ProgressBar).update(total=max(total, 1), progress=done)

    def _finished(self, lines: list[str], error: bool) -> None:
        self.running = False
        self.query_one("#x-go", Button).disabled = False
        self.query_one("#x-progress").display = False  # the summary says it all, where the eye is
        self._summary(
            ("" if error else "Done. Files are readable by you only.\n") + "\n".join(lines), error=error
        )

    def _summary(self, text: str, *, error: bool = False) -> None:
        """The summary or the error, in the box above the buttons, always in view."""
        box = self.query_one("#x-summary-box", VerticalScroll)
        box.display = bool(text)
        summary = self.query_one("#x-summary", Static)
        summary.update(text)
        summary.set_class(error, "error-line")
        box.scroll_home(animate=False)
