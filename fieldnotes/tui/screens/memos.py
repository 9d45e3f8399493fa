"""The Memos screen (M): analytic memos, and the form that writes one.

`MemosScreen(about=("code", "legitimacy"))` shows only the memos linked to one
code, organization, informant or note: what the codebook, organization and
note screens open. A memo written from there is linked to it already.
"""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.suggester import Suggester
from textual.widgets import Button, DataTable, Input, Label, Select, Static, TextArea

from fieldnotes.errors import InputError
from fieldnotes.memos import LINK_WORDS, MEMO_TYPES, Memo, describe_link
from fieldnotes.tui.dialogs.confirm import ConfirmDialog
from fieldnotes.tui.screens.base import FieldnotesModal, FieldnotesScreen
from fieldnotes.tui.widgets.chrome import ScreenFooter, ScreenHeader
from fieldnotes.tui.widgets.suggest import complete

LINKS_SEPARATOR = ";"


class LinksSuggester(Suggester):
    """Completes the link being typed after the last ';': code:, org:, informant: names."""

    def __init__(self, names: object) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.names = names

    async def get_suggestion(self, value: str) -> str | None:
        typed = value.rsplit(LINKS_SEPARATOR, 1)[-1].lstrip()
        if not typed:
            return None
        match = complete(typed, self.names())  # type: ignore[operator]
        if match is None or len(match) <= len(typed):
            return None
        return value + match[len(typed) :]


class MemoForm(FieldnotesModal[Memo | None]):
    """Write or edit a memo: title, type, what it is about, the memo. Dismisses with the saved memo."""

    HELP_TITLE = "Memo form"
    HELP_TIPS = (("about", "code:NAME; org:NAME; informant:P-03; note:1a2b (→ completes)"),)
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="cancel-memo", tooltip="close, saving nothing"),
        Binding("ctrl+s", "save", "Save", priority=True, id="save-memo", tooltip="save the memo"),
    ]

    def __init__(self, memo: Memo | None = None, *, about: list[str] | None = None) -> None:
        super().__init__()
        self.memo = memo
        self.about = list(memo.about) if memo else list(about or [])

    def compose(self) -> ComposeResult:
        memo = self.memo
        with Vertical(classes="dialog memo-form"):
            yield Static("Edit memo" if memo else "New memo", classes="dialog-question")
            yield Label("Title")
            yield Input(
                memo.title if memo else "",
                id="memo-title",
                placeholder="e.g. Legitimacy is claimed through clients",
            )
            yield Label("Type")
            yield Select(
                [(kind, kind) for kind in MEMO_TYPES],
                value=memo.type if memo else "theoretical",
                allow_blank=False,
                id="memo-type",
            )
            yield Label("About (separate with ;)")
            yield Input(
                f"{LINKS_SEPARATOR} ".join(self.about),
                id="memo-about",
                placeholder="code:legitimacy; org:Harbor Rights Collective; note:1a2b3c4d",
                suggester=LinksSuggester(self._link_names),
            )
            yield Label("Memo")
            area = TextArea(memo.body if memo else "", id="memo-body", soft_wrap=True, tab_behavior="focus")
            area.show_line_numbers = False
            yield area
            yield Static("", id="memo-error", classes="error-line")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save (ctrl+s)", id="memo-save", variant="primary")
                yield Button("Cancel (esc)", id="memo-cancel")

    def on_mount(self) -> None:
        self.query_one(".memo-form").styles.width = 96  # wider than a dialog: links and prose
        self.query_one("#memo-title", Input).focus()

    def _link_names(self) -> list[str]:
        registries = self.service.registries
        return [
            *(f"code:{code.name}" for code in registries.codes()),
            *(f"org:{org.name}" for org in registries.organizations()),
            *(f"informant:{person.pseudonym}" for person in registries.informants()),
        ]

    def built(self) -> Memo:
        select = self.query_one("#memo-type", Select)
        links = [
            link.strip()
            for link in self.query_one("#memo-about", Input).value.split(LINKS_SEPARATOR)
            if link.strip()
        ]
        values = {
            "title": self.query_one("#memo-title", Input).value,
            "type": select.value if isinstance(select.value, str) else "other",
            "about": links,
            "body": self.query_one("#memo-body", TextArea).text,
        }
        return replace(self.memo, **values) if self.memo else Memo(**values)  # type: ignore[arg-type]

    @on(Input.Submitted)
    def _next(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    @on(Button.Pressed, "#memo-save")
    def action_save(self) -> None:
        memos = self.service.memos
        try:
            memo = self.built()
            saved = memos.update(memo) if self.memo else memos.add(memo)
        except InputError as exc:
            self.query_one("#memo-error", Static).update(f"✗ {exc}")
            return
        self.dismiss(saved)

    @on(Button.Pressed, "#memo-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class MemosScreen(FieldnotesScreen[None]):
    """The memos, newest first, with the highlighted one below; or only those about one thing."""

    HELP_TITLE = "Memos"
    BINDINGS = [
        Binding("escape", "back", "Back", id="back", tooltip="back"),
        Binding(
            "a", "add", "New memo", id="add-memo", tooltip="write a memo (linked to what this list is about)"
        ),
        Binding("e", "edit", "Edit", id="edit-memo", tooltip="edit the highlighted memo"),
        Binding(
            "d", "delete", "Delete", id="delete-memo", tooltip="delete the highlighted memo (asks first)"
        ),
    ]

    def __init__(self, about: tuple[str, str] | None = None, *, label: str = "") -> None:
        """`about`: (kind, target), e.g. ("org", "Lantern Legal Aid"); `label` names it for people."""
        super().__init__()
        self.about = about
        self.label = label or (f"{LINK_WORDS[about[0]]} {about[1]}" if about else "")
        self.memos: list[Memo] = []

    def compose(self) -> ComposeResult:
        yield ScreenHeader()
        yield Static("", id="memo-summary")
        yield DataTable(id="memo-table", zebra_stripes=True, cursor_type="row")
        with VerticalScroll(id="memo-preview"):
            yield Static("", id="memo-text", markup=False)
        yield ScreenFooter()

    def on_mount(self) -> None:
        self.sub_title = "Memos" + (f" about {self.label}" if self.label else "")
        table = self.table
        table.add_column("Id", key="id", width=9)
        table.add_column("Date", key="date", width=11)
        table.add_column("Type", key="type", width=15)
        table.add_column("Title", key="title")
        table.add_column("About", key="about")
        self.refresh_memos()
        table.focus()

    @property
    def table(self) -> DataTable[object]:
        return self.query_one("#memo-table", DataTable)

    def refresh_memos(self, keep: str | None = None) -> None:
        memos = self.service.memos
        self.memos = memos.about(*self.about) if self.about else memos.all()
        table = self.table
        table.clear()
        for memo in self.memos:
            about = "; ".join(describe_link(link) for link in memo.about)
            table.add_row(memo.short_id, memo.created[:10], memo.type, memo.title, about, key=memo.guid)
        if keep is not None and any(memo.guid == keep for memo in self.memos):
            table.move_cursor(row=table.get_row_index(keep))
        count = len(self.memos)
        where = f" about {self.label}" if self.label else ""
        self.query_one("#memo-summary", Static).update(
            f" {count} memo{'s' if count != 1 else ''}{where}"
            if count
            else f" No memos{where} yet: a writes one."
        )
        self._preview()

    @property
    def current(self) -> Memo | None:
        row = self.table.cursor_row
        return self.memos[row] if self.memos and 0 <= row < len(self.memos) else None

    @on(DataTable.RowHighlighted, "#memo-table")
    def _preview(self) -> None:
        memo = self.current
        text = Text()
        if memo is not None:
            titles = (
                {note.id: note.title for note in self.service.note_views()} if memo.targets("note") else {}
            )
            text.append(f"{memo.title}\n", style="bold")
            text.append(f"{memo.type} memo · {memo.author} · {memo.created.replace('T', ' ')}\n", style="dim")
            for link in memo.about:
                text.append(f"  → {describe_link(link, titles)}\n", style="dim")
            text.append(f"\n{memo.body}")
        self.query_one("#memo-text", Static).update(text)

    @on(DataTable.RowSelected, "#memo-table")
    def _selected(self) -> None:
        self.action_edit()

    def action_back(self) -> None:
        self.dismiss(None)

    def _link(self) -> list[str]:
        return [f"{self.about[0]}:{self.about[1]}"] if self.about else []

    def action_add(self) -> None:
        self.app.push_screen(MemoForm(about=self._link()), self._saved)

    def action_edit(self) -> None:
        memo = self.current
        if memo is not None:
            self.app.push_screen(MemoForm(memo), self._saved)

    def _saved(self, memo: Memo | None) -> None:
        if memo is not None:
            self.notify(f"Saved the memo “{memo.title}”")
            self.refresh_memos(keep=memo.guid)

    def action_delete(self) -> None:
        memo = self.current
        if memo is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.service.memos.delete(memo.guid)
                self.notify(f"Deleted the memo “{memo.title}”. A backup was taken first.")
                self.refresh_memos()

        self.app.push_screen(
            ConfirmDialog(f"Delete the memo “{memo.title}”?", yes="Delete", danger=True), answered
        )
