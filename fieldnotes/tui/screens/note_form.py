"""The quick-entry form for a meeting, an event or an interview."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from time import monotonic
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Footer, Input, Label, Select, Static, TextArea

from fieldnotes.dates import to_iso
from fieldnotes.errors import DateParseError, FieldnotesError, ValidationError
from fieldnotes.model import FIELD, Note
from fieldnotes.text import tag_key
from fieldnotes.tui.dialogs.confirm import ConfirmDialog
from fieldnotes.tui.screens.base import FieldnotesScreen
from fieldnotes.tui.widgets.open_followups import OpenFollowups  # fieldwork
from fieldnotes.tui.widgets.suggest import NamesSuggester, complete
from fieldnotes.tui.widgets.tag_input import TagInput
from fieldnotes.tui.widgets.ties_editor import TiesEditor  # fieldwork
from fieldnotes.tui.widgets.when_input import WhenInput

DRAFT_QUIET_S = 1.0  # keep a draft once typing pauses this long...
DRAFT_CHECK_S = 0.5  # ...checked this often: a draft is never more than 1.5 s behind


def _display_dt(iso: str | None) -> str:
    return iso.replace("T", " ") if iso else ""


class NoteFormScreen(FieldnotesScreen[str | None]):
    """Create or edit a note. Dismisses with the saved note's id, or None.

    Labels, placeholders and choices come from the field vocabulary
    (`model.FIELD`). Each widget's id is its note field's name, but for the
    start's: "when"."""

    HELP_TITLE = "Note form"
    HELP_TIPS = (
        ("enter in a one-line field", "next field"),
        ("enter in a tag field", "add the tag, completing a known name"),
        (",", "add the tag exactly as typed"),
        ("backspace in an empty tag field", "remove the last tag"),
        ("→ at the end of a field", "accept the grey completion"),
        ("🔒 Private box", "never exported unless you ask"),
    )
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True, id="save-note", tooltip="save, from any field"),
        Binding(
            "escape",
            "leave",
            "Back",
            id="leave-form",
            tooltip="leave (asks when there are unsaved changes)",
        ),
    ]

    def __init__(
        self,
        kind: str,
        *,
        note: Note | None = None,
        draft: dict[str, Any] | None = None,
        now: Callable[[], datetime] = datetime.now,
    ) -> None:
        super().__init__(classes=f"kind-{kind}")
        self.kind = kind
        self.note = note
        self.draft = draft
        self.now = now
        self._initial: dict[str, Any] = {}
        self._last_edit: float | None = None  # monotonic time of an edit not yet in a draft
        self._saved = False
        self.complete = False  # True once every field is mounted

    # ---------------------------------------------------------------- layout
    def compose(self) -> ComposeResult:
        service = self.service
        verb = "Edit" if self.note else "New"
        yield Static(
            f" {verb} [b]{self.kind}[/]  ·  ctrl+s saves  ·  esc leaves  ·  tab moves",
            classes=f"form-title kind-{self.kind}",
        )
        with VerticalScroll(id="form-body"):
            yield from self._field("title", self._input("title"))
            with Horizontal(classes="row"):
                yield from self._row_field(
                    "start",
                    WhenInput(
                        _display_dt(self.note.start) if self.note else f"{self.now():%Y-%m-%d %H:%M}",
                        dayfirst=self.fn_app.dayfirst,
                        now=self.now,
                        placeholder=FIELD["start"].placeholder,
                        id="when",
                    ),
                )
                yield from self._row_field(
                    "end",
                    WhenInput(
                        _display_dt(self.note.end) if self.note else "",
                        optional=True,
                        dayfirst=self.fn_app.dayfirst,
                        now=self.now,
                        base=self._start_or_none,
                        placeholder=FIELD["end"].placeholder,
                        id="end",
                    ),
                )
            yield from self._field(
                "location", self._input("location", lambda: service.field_values("location"))
            )
            yield from self._field("organizations", self._tag_input("organizations", self._org_names))
            if self.note is None:  # fieldwork: a new note shows its organizations' open follow-ups
                yield OpenFollowups(
                    service.followups.open_for, lambda: f"{self.now():%Y-%m-%d}", id="open-followups"
                )
            yield from self._field(
                "codes", self._tag_input("codes", lambda: [c.name for c in service.registries.codes()])
            )
            yield Static("", id="form-error", classes="error-line")
        yield Footer()

    def compose_rest(self) -> ComposeResult:
        """The fields below the first screenful, mounted just after the form first paints,
        so the form is ready for typing at once (see `_mount_rest`)."""
        service = self.service
        yield from self._kind_fields()
        yield from self._field("people", self._tag_input("people", lambda: service.field_values("people")))
        yield from self._field("body", self._area("body"))
        yield from self._field("memo", self._area("memo", short=True))
        yield from self._field("followups", self._area("followups", short=True))
        yield from self._field("private", self._area("private", short=True).add_class("private-area"))

    def _kind_fields(self) -> ComposeResult:
        service = self.service
        if self.kind == "meeting":
            yield from self._field("host", self._input("host", self._org_names))
            yield from self._field("agenda", self._input("agenda"))
        elif self.kind == "event":
            yield from self._field("event_type", self._select("event_type"))
            yield from self._field("organizers", self._tag_input("organizers", self._org_names))
        else:
            with Horizontal(classes="row"):
                yield from self._row_field(
                    "informant",
                    self._input("informant", lambda: [p.pseudonym for p in service.registries.informants()]),
                )
                yield from self._row_field(
                    "informant_role",
                    self._input("informant_role", lambda: service.field_values("informant_role")),
                )
            with Horizontal(classes="row"):
                yield from self._row_field(
                    "interview_format", self._select("interview_format", default="semi-structured")
                )
                yield from self._row_field("consent", self._select("consent"))
            yield from self._field("recording_ref", self._input("recording_ref"))
        if self.kind in FIELD["ties"].kinds:  # fieldwork: the ties editor (a TagInput: drafts work as is)
            ties = list(self.note.ties) if self.note else []
            placeholder = FIELD["ties"].placeholder
            yield from self._field(
                "ties", TiesEditor(self._org_names, ties=ties, placeholder=placeholder, id="ties")
            )

    def _org_names(self) -> list[str]:
        return [org.name for org in self.service.registries.organizations()]

    def _value(self, name: str, default: str = "") -> str:
        """The note's text in field `name`; `default` for a new note."""
        return getattr(self.note, name) if self.note else default

    @staticmethod
    def _field(name: str, widget: Widget) -> ComposeResult:
        """A label over a field, straight in the form: no wrapper, fewer widgets, a faster form."""
        yield Label(FIELD[name].form_title, classes="field-label")
        yield widget

    @staticmethod
    def _row_field(name: str, widget: Widget) -> ComposeResult:
        """A labelled field sharing a row with others."""
        with Vertical(classes="field"):
            yield Label(FIELD[name].form_title, classes="field-label")
            yield widget

    def _input(self, name: str, suggestions: Callable[[], list[str]] | None = None) -> Input:
        """A one-line field, completing from `suggestions` when given."""
        return Input(
            self._value(name),
            id=name,
            placeholder=FIELD[name].placeholder,
            suggester=NamesSuggester(suggestions) if suggestions else None,
        )

    def _tag_input(self, name: str, source: Callable[[], list[str]]) -> TagInput:
        return TagInput(
            source,
            tags=getattr(self.note, name) if self.note else [],
            id=name,
            placeholder=FIELD[name].placeholder,
        )

    def _area(self, name: str, *, short: bool = False) -> TextArea:
        area = TextArea(
            self._value(name),
            id=name,
            soft_wrap=True,
            tab_behavior="focus",
            classes="short" if short else "long",
        )
        area.show_line_numbers = False
        return area

    def _select(self, name: str, *, default: str = "") -> Select[str]:
        return Select(
            [(choice, choice) for choice in FIELD[name].choices],
            value=self._value(name, default) or Select.NULL,
            prompt="(not recorded)",
            id=name,
        )

    def on_mount(self) -> None:
        self.query_one("#title", Input).focus()
        self.call_after_refresh(self._mount_rest)

    async def _mount_rest(self) -> None:
        """Mount the rest of the form, then restore a draft and note the starting values."""
        await self.query_one("#form-body").mount(_RestOfForm(self), before="#form-error")
        if self.draft:
            self._restore(self.draft.get("fields", {}))
        # The starting values, to know later whether anything changed (a draft is a change).
        self._initial = self.values() if not self.draft else {}
        self.set_interval(DRAFT_CHECK_S, self._autosave)
        self.complete = True

    # ---------------------------------------------------------------- values
    def values(self) -> dict[str, Any]:
        """Every field's raw value, exactly as typed (the draft's content)."""
        out: dict[str, Any] = {}
        for widget in self.query(
            "#form-body Input, #form-body TextArea, #form-body Select, "
            "#form-body TagInput, #form-body WhenInput"
        ):
            if widget.id is None:
                continue
            if isinstance(widget, TagInput):
                out[widget.id] = widget.tags
            elif isinstance(widget, (WhenInput, TextArea)):
                out[widget.id] = widget.text
            elif isinstance(widget, Select):
                out[widget.id] = widget.value if isinstance(widget.value, str) else ""
            elif isinstance(widget, Input):
                out[widget.id] = widget.value
        return out

    def _restore(self, fields: dict[str, Any]) -> None:
        for field_id, value in fields.items():
            matches = self.query(f"#{field_id}")
            if not matches:
                continue
            widget = matches.first()
            if isinstance(widget, TagInput):
                widget.set_tags(list(value))
            elif isinstance(widget, WhenInput):
                widget.entry.value = str(value)
            elif isinstance(widget, TextArea):
                widget.text = str(value)
            elif isinstance(widget, Select):
                widget.value = value or Select.NULL
            elif isinstance(widget, Input):
                widget.value = str(value)

    @property
    def dirty(self) -> bool:
        return not self._saved and self.values() != self._initial

    def _start_or_none(self) -> datetime | None:
        try:
            return self.query_one("#when", WhenInput).parse()
        except DateParseError:
            return None

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        """Enter in a one-line field moves on, like Tab."""
        event.stop()
        if event.input.id == "informant":
            self._fill_from_informant(complete_prefix=True)
        self.focus_next()

    @on(TagInput.Changed, "#organizations")
    def _organizations_changed(self) -> None:  # fieldwork: open follow-ups of the organizations typed
        tags = self.query_one("#organizations", TagInput)
        pending = tag_key(tags.entry.value)  # still being typed: not yet an organization
        for panel in self.query("#open-followups").results(OpenFollowups):
            panel.show_for([name for name in tags.tags if not pending or tag_key(name) != pending])

    @on(Input.Blurred, "#informant")
    def _left_informant(self) -> None:
        self._fill_from_informant(complete_prefix=False)

    def _fill_from_informant(self, *, complete_prefix: bool) -> None:
        """A known informant fills role, organization and consent. Enter also
        completes a typed prefix (like the grey suggestion); leaving the field
        only recognises an exact pseudonym."""
        entry = self.query_one("#informant", Input)
        service = self.service
        typed = entry.value.strip()
        if not typed:
            return
        names = [p.pseudonym for p in service.registries.informants()]
        if complete_prefix:
            match = complete(typed, names)
        else:
            match = next((name for name in names if tag_key(name) == tag_key(typed)), None)
        if match is None:
            return
        person = service.registries.informant(match)
        entry.value = person.pseudonym
        role = self.query_one("#informant_role", Input)
        if not role.value.strip() and person.role:
            role.value = person.role
        consent = self.query_one("#consent", Select)
        if not isinstance(consent.value, str) and person.consent:
            consent.value = person.consent
        if person.organization:
            self.query_one("#organizations", TagInput).add(person.organization)

    # ---------------------------------------------------------------- drafts
    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Select.Changed)
    @on(TagInput.Changed)
    def _edited(self) -> None:
        if not self.is_mounted or self._saved:
            return
        self._last_edit = monotonic()
        if self.query("#end"):
            self.query_one("#end", WhenInput).update_echo()

    def _autosave(self) -> None:
        """Debounced autosave: once typing has paused, keep a draft."""
        if self._last_edit is not None and monotonic() - self._last_edit >= DRAFT_QUIET_S:
            self.save_draft()

    def save_draft(self) -> None:
        """Keep what is typed, so a crash or a closed lid loses nothing."""
        self._last_edit = None
        if self._saved or not self.dirty:
            return
        draft = {
            "kind": self.kind,
            "note_id": self.note.id if self.note else None,
            "saved_at": datetime.now().strftime("%Y-%m-%d %H:%M"),
            "fields": self.values(),
        }
        try:
            self.service.save_draft(draft)
        except OSError as exc:
            self.notify(f"Could not keep a draft: {exc.strerror}", severity="warning")

    # ---------------------------------------------------------------- saving
    def _fail(self, field_id: str, error: FieldnotesError) -> None:
        """Show why the note can't be saved, and put the cursor on the field at fault."""
        self.query_one("#form-error", Static).update(f"✗ {error}")
        target = self.query_one(f"#{field_id}")
        if isinstance(target, (WhenInput, TagInput)):
            target.entry.focus()
        else:
            target.focus()
        target.scroll_visible()
        self.fn_app.show_error(error, title="Not saved")

    def _field_of(self, exc: ValidationError) -> str:
        """The form field to put the cursor on for an error: the field it names."""
        field_id = {"start": "when"}.get(exc.field or "", exc.field or "")
        return field_id if field_id and self.query(f"#{field_id}") else "title"

    def build_note(self) -> Note | None:
        """The note from the form, or None after pointing at the bad field."""
        values = self.values()
        try:
            start = self.query_one("#when", WhenInput).parse()
        except DateParseError as exc:
            self._fail("when", exc)
            return None
        try:
            end = self.query_one("#end", WhenInput).parse()
        except DateParseError as exc:
            self._fail("end", exc)
            return None
        if not values["title"].strip():
            self._fail("title", ValidationError("a note needs a title", field="title"))
            return None
        assert start is not None
        note = self.note or Note(kind=self.kind, title="", start="")
        note.kind = self.kind
        note.start = to_iso(start)
        note.end = to_iso(end) if end else None
        for name, value in values.items():
            if name in ("when", "end"):
                continue
            setattr(note, name, value)
        return note

    def action_save(self) -> None:
        if not self.complete:
            return  # the rest of the form mounts within a frame
        note = self.build_note()
        if note is None:
            return
        service = self.service
        try:
            saved = service.update(note) if self.note else service.add(note)
        except ValidationError as exc:
            self._fail(self._field_of(exc), exc)
            return
        except (FieldnotesError, OSError) as exc:  # storage trouble: keep the form and the draft
            self.save_draft()
            self.fn_app.show_error(exc, title="Not saved — your text is kept", timeout=10)
            return
        self._saved = True
        service.clear_draft()
        self.notify(f"Saved “{saved.title}”", title=saved.kind.capitalize())
        if saved.unconsented:
            self.notify(
                "No consent is recorded for this interview: exports leave it out until you record it.",
                title="Consent",
                severity="warning",
                timeout=8,
            )
        self.dismiss(saved.id)

    def action_leave(self) -> None:
        if not self.complete:
            return
        if not self.dirty:
            self.service.clear_draft()
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self._saved = True
                self.service.clear_draft()
                self.dismiss(None)

        self.app.push_screen(
            ConfirmDialog(
                "Leave without saving? What you typed will be lost.",
                yes="Discard",
                no="Keep editing",
                danger=True,
            ),
            answered,
        )


class _RestOfForm(Vertical):
    """The lower part of a note form (see `NoteFormScreen.compose_rest`)."""

    DEFAULT_CSS = "_RestOfForm { height: auto; }"

    def __init__(self, form: NoteFormScreen) -> None:
        super().__init__(id="form-rest")
        self.form = form

    def compose(self) -> ComposeResult:
        yield from self.form.compose_rest()
