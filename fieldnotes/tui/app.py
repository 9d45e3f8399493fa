"""The fieldnotes Textual app: wiring between screens and the service layer."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from textual.app import SystemCommand
from textual.binding import Binding
from textual.color import Color, ColorParseError
from textual.screen import Screen

from fieldnotes import config
from fieldnotes.errors import FieldnotesError, NotFoundError
from fieldnotes.index import NoteFilter
from fieldnotes.model import KINDS, Note
from fieldnotes.service import FieldNotes
from fieldnotes.tui.dialogs.confirm import ConfirmDialog
from fieldnotes.tui.dialogs.drafts import DraftsDialog, draft_kind
from fieldnotes.tui.dialogs.help import HelpScreen
from fieldnotes.tui.key_order import KeyOrder
from fieldnotes.tui.screens.main import MainScreen
from fieldnotes.tui.screens.note_detail import NoteDetailScreen
from fieldnotes.tui.screens.note_form import NoteFormScreen, edit_draft_id
from fieldnotes.tui.widgets.note_table import NoteTable

KIND_THEME_VARIABLE = {"meeting": "primary", "event": "warning", "interview": "success"}


class FieldnotesApp(KeyOrder):
    """`FieldnotesApp(service).run()`. `now` fixes the clock for tests."""

    CSS_PATH = "app.tcss"
    TITLE = "fieldnotes"
    # fieldwork: follow-ups and memos, from every screen (a screen may give the key its own meaning)
    BINDINGS = [
        Binding("ctrl+k", "conflicts", "Conflicts", show=False, id="conflicts"),
        Binding(
            "F", "followups", "Follow-ups", show=False, id="followups", tooltip="follow-ups: open, due, done"
        ),
        Binding(
            "M", "memos", "Memos", show=False, id="memos", tooltip="analytic memos (here: those about this)"
        ),
    ]

    def __init__(
        self,
        service: FieldNotes | None,
        *,
        dayfirst: bool | None = None,
        banner: str = "",
        now: Callable[[], datetime] = datetime.now,
        db_path: Path | None = None,
        prefill: dict[str, Any] | None = None,
        preferences: tuple[config.Preferences, str] | None = None,
    ) -> None:
        """`service` None means an encrypted database at `db_path` still to unlock.
        `dayfirst` None: the preference. `prefill` ({"kind", "fields"}) opens a new
        note's form at once, filled in. `preferences` (prefs, warning) default to the
        config file's."""
        super().__init__()
        self._service = service
        self.db_path = service.path if service is not None else db_path
        self.preferences, self._config_warning = preferences or config.load()
        self.dayfirst = self.preferences.dayfirst if dayfirst is None else dayfirst
        self.banner = banner
        self.now = now
        self.prefill = prefill
        self.sub_title = str(self.db_path)

    @property
    def service(self) -> FieldNotes:
        assert self._service is not None, "the database is still locked"
        return self._service

    @property
    def open_service(self) -> FieldNotes | None:
        """The database, or None while it is still locked (the passphrase screen)."""
        return self._service

    def get_default_screen(self) -> Screen[Any]:
        if self._service is None:
            from fieldnotes.tui.screens.unlock import UnlockScreen

            assert self.db_path is not None
            path = self.db_path
            return UnlockScreen(
                path.name, lambda passphrase: FieldNotes.open(path, passphrase=passphrase), self._unlocked
            )
        return MainScreen()

    def _unlocked(self, service: FieldNotes) -> None:
        self._service = service
        self.push_screen(MainScreen())
        self.call_after_refresh(self._database_ready)

    def on_mount(self) -> None:
        theme = self.preferences.theme
        if theme and theme in self.available_themes:
            self.theme = theme
        elif theme:
            self._config_warning = (
                f"The theme {theme!r} of your preferences is not available; using the default."
            )
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        if self._config_warning:
            self.notify(self._config_warning, title="Preferences", severity="warning", timeout=20)
        if self._service is not None:
            self._database_ready()

    def _database_ready(self) -> None:
        """Once the database is open: the retention warning, the drafts kept, a prefilled form."""
        warning = self.service.registries.retention_warning(self.now().strftime("%Y-%m-%d"))
        if warning:
            self.notify(warning, title="Data retention", severity="warning", timeout=30)
        if self.prefill:
            kind = self.prefill.get("kind", "")
            if kind in KINDS:
                self._push_form(kind, prefill=self.prefill.get("fields") or {})
            return
        if self.kept_drafts():
            self.show_drafts(on_start=True)
        from fieldnotes.tui.screens.conflicts import offer_conflict_copies

        offer_conflict_copies(self)

    # ---------------------------------------------------------- preferences
    def set_preferences(self, **changes: Any) -> None:
        """Change preferences and keep them in the config file (a failure is said, not fatal)."""
        self.preferences = replace(self.preferences, **changes)
        try:
            config.save(self.preferences)
        except OSError as exc:
            self.show_error(exc, title="Preferences not kept")

    def _theme_changed(self, theme: Any) -> None:
        if getattr(theme, "name", "") and theme.name != self.preferences.theme:
            self.set_preferences(theme=theme.name)
        if self._service is None:
            return
        main = self.main_screen
        if not main.query(NoteTable) or not main.table.columns:
            # The saved theme, set as the app starts: the list is not up yet, and takes the
            # theme's colours when it is (refilled now, it had rows and no columns: a crash).
            return
        main.table.kind_colors = self.kind_colors()
        main.refresh_notes()
        for screen in self.screen_stack:
            if isinstance(screen, NoteDetailScreen):
                with contextlib.suppress(NotFoundError):  # deleted meanwhile by another process
                    screen.show_note()  # its titles in the new theme's colours

    def toggle_dayfirst(self) -> None:
        self.dayfirst = not self.dayfirst
        self.set_preferences(dayfirst=self.dayfirst)
        order = "day first: 1/2 is 1 February" if self.dayfirst else "month first: 1/2 is 2 January"
        self.notify(f"Dates are read {order}.", title="Dates")

    # ------------------------------------------------------------ appearance
    def kind_colors(self) -> dict[str, str]:
        colors = self.theme_colors(*KIND_THEME_VARIABLE.values())
        return {kind: colors[name] for kind, name in KIND_THEME_VARIABLE.items()}

    def theme_colors(self, *names: str) -> dict[str, str]:
        """The theme's colours `names` ("accent", "error"...) as Rich reads them: the ANSI
        themes say "ansi_green", which Rich's styles do not know and silently drop."""
        variables = self.get_css_variables()
        colors = {}
        for name in names:
            try:
                rich = Color.parse(variables.get(name, "")).rich_color
            except ColorParseError:
                rich = None
            colors[name] = rich.name if rich is not None else ""
        return colors

    @property
    def main_screen(self) -> MainScreen:
        """The notes list: the bottom screen, or the one above the passphrase screen."""
        return next(screen for screen in self.screen_stack if isinstance(screen, MainScreen))

    def show_error(
        self, error: FieldnotesError | OSError, *, title: str = "", timeout: float | None = None
    ) -> None:
        """Report an error the researcher must see: its message, which says what to do.
        Every screen that reports a caught error in a notification does it here."""
        self.notify(str(error), title=title, severity="error", timeout=timeout, markup=False)

    def show_help(self, origin: Screen[Any]) -> None:
        """Every key, starting with those of the screen `origin`."""
        from fieldnotes.tui.screens.conflicts import ConflictsScreen
        from fieldnotes.tui.screens.followups import FollowupsScreen
        from fieldnotes.tui.screens.memos import MemosScreen
        from fieldnotes.tui.screens.registries.base import RegistryScreen
        from fieldnotes.tui.screens.registries.codebook import CodebookScreen
        from fieldnotes.tui.screens.reports import ReportsScreen

        documented = [
            MainScreen,
            NoteFormScreen,
            NoteDetailScreen,
            RegistryScreen,
            CodebookScreen,
            ReportsScreen,
            FollowupsScreen,
            MemosScreen,
            ConflictsScreen,
        ]
        self.push_screen(HelpScreen(origin, documented))

    # --------------------------------------------------------------- drafts
    def open_forms(self) -> list[NoteFormScreen]:
        return [screen for screen in self.screen_stack if isinstance(screen, NoteFormScreen)]

    def kept_drafts(self) -> list[tuple[str, dict[str, Any]]]:
        """The drafts kept on disk, but those of the forms open now."""
        open_ids = {form.draft_id for form in self.open_forms()}
        try:
            kept = self.service.drafts()
        except (FieldnotesError, OSError) as exc:
            self.show_error(exc, title="Drafts could not be read")
            return []
        return [
            (draft_id, draft) for draft_id, draft in kept if draft_id not in open_ids and draft_kind(draft)
        ]

    def show_drafts(self, *, on_start: bool = False) -> None:
        """The drafts kept: resume or discard each; "later" keeps them all."""
        drafts = self.kept_drafts()
        if not drafts:
            self.notify("No unsaved drafts are kept.", title="Drafts")
            return

        def answered(choice: tuple[str, str] | None) -> None:
            if choice is None:
                return
            action, draft_id = choice
            draft = dict(self.kept_drafts()).get(draft_id)
            if draft is not None and action == "resume":
                self.resume_draft(draft_id, draft)

        self.push_screen(DraftsDialog(drafts, on_start=on_start), answered)

    def resume_draft(self, draft_id: str, draft: dict[str, Any]) -> None:
        """Open the form a draft was kept from, as it was."""
        note = None
        if draft.get("note_id"):
            try:
                note = self.service.get(str(draft["note_id"]))
            except FieldnotesError:
                self.notify(
                    "The note this draft edits is gone; it opens as a new note.", title="Draft", timeout=10
                )
        self._push_form(draft_kind(draft), note=note, draft=draft, draft_id=draft_id)

    # ---------------------------------------------------------------- flows
    def new_note(self, kind: str) -> None:
        self._push_form(kind)

    def edit_note(self, note_id: str) -> None:
        """The note's form; with its unsaved changes when a draft of them is kept."""
        note = self.service.get(note_id)
        draft_id = edit_draft_id(note.id)
        open_form = next((form for form in self.open_forms() if form.draft_id == draft_id), None)
        if open_form is not None:
            self.notify("This note is already open in a form.", title="Edit")
            return
        draft = dict(self.kept_drafts()).get(draft_id)
        if draft is not None:
            self.notify(
                f"Your unsaved changes of {draft.get('saved_at', 'earlier')} are back in the form.",
                title="Draft resumed",
            )
        self._push_form(note.kind, note=note, draft=draft, draft_id=draft_id)

    def _push_form(
        self,
        kind: str,
        *,
        note: Note | None = None,
        draft: dict[str, Any] | None = None,
        draft_id: str | None = None,
        prefill: dict[str, Any] | None = None,
    ) -> None:
        form = NoteFormScreen(kind, note=note, draft=draft, draft_id=draft_id, prefill=prefill, now=self.now)
        self.push_screen(form, self._form_done)

    def _form_done(self, saved_id: str | None) -> None:
        if saved_id is None:
            return
        self.main_screen.refresh_notes(keep=saved_id)
        if isinstance(self.screen, NoteDetailScreen):
            self.screen.show_note()

    def open_note(self, note_id: str) -> None:
        self.push_screen(NoteDetailScreen(note_id))

    def delete_note(self, note_id: str, then_close: Screen[Any] | None = None) -> None:
        note = self.service.get(note_id)

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            self.service.delete(note_id)
            self.notify(f"Deleted “{note.title}”. A backup was taken first.")
            if then_close is not None:
                then_close.dismiss(None)
            self.main_screen.refresh_notes()

        self.push_screen(
            ConfirmDialog(f"Delete the {note.kind} “{note.title}”?", yes="Delete", danger=True), answered
        )

    def jot(self, text: str) -> Note | None:
        """Jot a line into today's open jotting note (see `FieldNotes.jot`)."""
        try:
            note = self.service.jot(text, now=self.now(), kind=self.preferences.jot_kind)
        except (FieldnotesError, OSError) as exc:
            self.show_error(exc, title="Not jotted")
            return None
        self.main_screen.refresh_notes()
        return note

    def action_registry(self, which: str) -> None:
        """Open the organizations, informants or codebook screen."""
        from fieldnotes.tui.screens.registries.codebook import CodebookScreen
        from fieldnotes.tui.screens.registries.informants import InformantsScreen
        from fieldnotes.tui.screens.registries.organizations import OrganizationsScreen

        screens = {
            "organizations": OrganizationsScreen,
            "informants": InformantsScreen,
            "codebook": CodebookScreen,
        }
        self.push_screen(screens[which](self.service))

    def action_project(self) -> None:
        """Ethics metadata: protocol number, destroy-by date, consent form versions."""
        from fieldnotes.tui.dialogs.project import ProjectDialog

        self.push_screen(ProjectDialog(self.service.registries.project()))

    def action_conflicts(self) -> None:
        """What merges could not decide: pick a value or edit a combined one."""
        from fieldnotes.tui.screens.conflicts import ConflictsScreen

        if self.open_service is not None:
            self.push_screen(ConflictsScreen())

    def action_reports(self) -> None:
        from fieldnotes.tui.screens.reports import ReportsScreen

        self.push_screen(ReportsScreen())

    def action_exports(self) -> None:
        """The export ledger."""
        from fieldnotes.tui.screens.exports import ExportsScreen

        self.push_screen(ExportsScreen())

    # ------------------------------------------------- fieldwork: follow-ups, memos
    def action_followups(self, concerning: str | None = None) -> None:
        """Every note's follow-ups as items (or those concerning one organization)."""
        from fieldnotes.tui.screens.followups import FollowupsScreen

        self.push_screen(FollowupsScreen(concerning))

    def action_memos(self, kind: str | None = None, target: str = "", label: str = "") -> None:
        """The analytic memos; with `kind` and `target`, those linked to one code, organization,
        informant or note."""
        from fieldnotes.tui.screens.memos import MemosScreen

        self.push_screen(MemosScreen((kind, target) if kind else None, label=label))

    def action_new_memo(self) -> None:
        from fieldnotes.tui.screens.memos import MemoForm

        self.push_screen(MemoForm())

    def action_codebook_history(self) -> None:
        from fieldnotes.tui.screens.code_history import CodeHistoryDialog

        self.push_screen(CodeHistoryDialog())

    def apply_filter(self, **changes: Any) -> None:
        main = self.main_screen
        base = NoteFilter(text=main.filter.text) if changes.pop("reset", False) else main.filter
        main.set_filter(replace(base, **changes))

    # ------------------------------------------------------ command palette
    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        for kind in KINDS:
            yield SystemCommand(f"New {kind}", f"Open a blank {kind} form", partial(self.new_note, kind))
        yield SystemCommand("Jot…", "Jot a line into today's jotting note (j)", self.main_screen.action_jot)
        yield SystemCommand(
            "Drafts…", "Unsaved forms kept: resume or discard each", partial(self.show_drafts)
        )
        yield SystemCommand(
            "Show jotted notes",
            "The write-ups still to do",
            partial(self.apply_filter, reset=True, status="jotted"),
        )
        yield SystemCommand(
            "Filter…", "Filter by kind, organization, code and dates", self.main_screen.action_filter
        )
        yield SystemCommand("Clear filters", "Show every note", self.main_screen.action_clear)
        for kind in KINDS:
            yield SystemCommand(
                f"Show only {kind}s", f"Filter the list to {kind}s", partial(self.apply_filter, kind=kind)
            )
        for org in self.service.registries.organizations():
            yield SystemCommand(
                f"Organization: {org.name}",
                "Show notes tagging this organization",
                partial(self.apply_filter, org=org.name),
                discover=False,
            )
        for code in self.service.registries.codes():
            yield SystemCommand(
                f"Code: {code.name}",
                "Show notes tagged with this code or a code under it",
                partial(self.apply_filter, code=code.name, subcodes=True),
                discover=False,
            )
        yield SystemCommand(
            "Organizations", "The organization registry (o)", partial(self.action_registry, "organizations")
        )
        yield SystemCommand(
            "Informants", "Interview informants by pseudonym (p)", partial(self.action_registry, "informants")
        )
        yield SystemCommand(
            "Codebook",
            "Codes as a tree: deductive and inductive (c)",
            partial(self.action_registry, "codebook"),
        )
        yield SystemCommand(
            "Project settings", "Ethics protocol, destroy-by date, consent forms", self.action_project
        )
        yield SystemCommand("Reports", "Contacts over time, ties, code frequencies (r)", self.action_reports)
        yield SystemCommand(
            "Conflicts", "Values two merged copies disagree on (ctrl+k)", self.action_conflicts
        )
        yield SystemCommand(
            "Follow-ups", "Every note's follow-ups: open first, overdue marked (F)", self.action_followups
        )
        yield SystemCommand(
            "Memos", "Analytic memos linked to codes, organizations, notes (M)", self.action_memos
        )
        yield SystemCommand("New memo", "Write an analytic memo", self.action_new_memo)
        yield SystemCommand(
            "Codebook history",
            "Every change to the codebook: when, by whom, why",
            self.action_codebook_history,
        )
        yield SystemCommand(
            "Export…",
            "NVivo CSV or Excel, documents, REFI-QDA .qdpx or .qdc, GraphML",
            self.main_screen.action_export,
        )
        yield SystemCommand(
            "Export ledger", "Every export written: when, where, protections", self.action_exports
        )
        order = "month first (1/2 = 2 Jan)" if self.dayfirst else "day first (1/2 = 1 Feb)"
        yield SystemCommand(f"Dates: read {order}", "Kept in your preferences", self.toggle_dayfirst)
        yield SystemCommand("Help", "Every key binding", partial(self.show_help, screen))
        yield from super().get_system_commands(screen)

    async def action_quit(self) -> None:
        for form in self.open_forms():
            form.save_draft()
        self.exit()

    def on_unmount(self) -> None:
        for form in self.open_forms():
            form.save_draft()


__all__ = ["FieldnotesApp"]
