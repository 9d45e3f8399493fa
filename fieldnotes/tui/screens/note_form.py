"""The quick-entry form for a meeting, an event or an interview.

Laid out for the two minutes after a meeting on an 80x24 screen: Title, When
and the Notes box first, then organizations and codes; the place and people
after them; the fields of the kind (host, event type, informant...) folded in a
section that ctrl+o opens; the memo, follow-ups and private box last.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable
from datetime import datetime
from time import monotonic
from typing import Any

from textual import on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Select, Static, TextArea

from fieldnotes.dates import show, to_iso
from fieldnotes.errors import DateParseError, FieldnotesError, ValidationError
from fieldnotes.model import FIELD, JOTTED, KIND_FIELDS, WRITTEN_UP, Note
from fieldnotes.names import Vocabulary
from fieldnotes.text import tag_key
from fieldnotes.tui.dialogs.confirm import ConfirmDialog
from fieldnotes.tui.screens.base import FieldnotesScreen
from fieldnotes.tui.widgets.chrome import ScreenFooter
from fieldnotes.tui.widgets.field_input import FieldInput
from fieldnotes.tui.widgets.letter_select import LetterSelect
from fieldnotes.tui.widgets.open_followups import OpenFollowups  # fieldwork
from fieldnotes.tui.widgets.suggest import NamesSuggester, complete
from fieldnotes.tui.widgets.tag_input import TagEntry, TagInput
from fieldnotes.tui.widgets.ties_editor import TiesEditor  # fieldwork
from fieldnotes.tui.widgets.when_input import WhenInput

DRAFT_QUIET_S = 1.0  # keep a draft once typing pauses this long...
DRAFT_CHECK_S = 0.5  # ...checked this often: a draft is never more than 1.5 s behind
ORG_FIELDS = ("organizations", "organizers")
DETAILS_TITLE = {"meeting": "Meeting details", "event": "Event details", "interview": "Interview details"}
_DRAFT_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,80}$")


def new_draft_id() -> str:
    """A fresh draft id for a new note's form: no form ever takes another's draft."""
    return f"new-{uuid.uuid4().hex}"


def edit_draft_id(note_id: str) -> str:
    """The draft id of an edit of note `note_id`: one draft per note."""
    candidate = f"note-{note_id}"
    if _DRAFT_ID.match(candidate):
        return candidate
    return f"note-{hashlib.sha1(note_id.encode('utf-8', 'surrogatepass')).hexdigest()}"


class NoteFormScreen(FieldnotesScreen[str | None]):
    """Create or edit a note. Dismisses with the saved note's id, or None.

    Labels, placeholders and choices come from the field vocabulary
    (`model.FIELD`). Each widget's id is its note field's name, but for the
    start's: "when". Every form keeps its own draft (`draft_id`)."""

    HELP_TITLE = "Note form"
    HELP_TIPS = (
        ("enter in a one-line field", "next field (completing the grey suggestion)"),
        ("enter in a tag field", "add the tag, completing a known name or alias"),
        (",", "add the tag exactly as typed"),
        ("backspace in an empty tag field", "remove the last tag"),
        ("→ at the end of a field", "accept the grey completion"),
        ("a letter in a list", "picks the next choice starting with it"),
        ("🔒 Private box", "never exported unless you ask"),
    )
    # Priority bindings run in the App as it takes the key off its queue, before it
    # sends the next key anywhere: so focus has moved before the next key is sent.
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True, id="save-note", tooltip="save, from any field"),
        Binding(
            "escape",
            "leave",
            "Back",
            priority=True,
            id="leave-form",
            tooltip="leave (asks when there are unsaved changes)",
        ),
        Binding("ctrl+n", "jump_notes", "Notes", priority=True, id="jump-notes", tooltip="to the Notes box"),
        Binding(
            "ctrl+o",
            "toggle_details",
            "Details",
            priority=True,
            id="toggle-details",
            tooltip="open (or fold) the fields of the kind: host, event type, informant…",
        ),
        Binding("tab", "next_field", "Next field", show=False, priority=True, id="next-field"),
        Binding(
            "shift+tab", "previous_field", "Previous field", show=False, priority=True, id="previous-field"
        ),
        Binding("enter", "enter", "Next field", show=False, priority=True, id="enter-next"),
    ]
    holds_input_until_ready = True  # keys wait until every field is mounted (see `_mount_rest`)

    def __init__(
        self,
        kind: str,
        *,
        note: Note | None = None,
        draft: dict[str, Any] | None = None,
        draft_id: str | None = None,
        prefill: dict[str, Any] | None = None,
        now: Callable[[], datetime] = datetime.now,
    ) -> None:
        super().__init__(classes=f"kind-{kind}")
        self.kind = kind
        self.note = note
        self.draft = draft
        self.prefill = prefill or {}
        self.draft_id = draft_id or (edit_draft_id(note.id) if note else new_draft_id())
        self.now = now
        self._initial: dict[str, Any] = {}
        self._last_edit: float | None = None  # monotonic time of an edit not yet in a draft
        self._saved = False
        self._confirmed_new: set[str] = set()  # near-duplicate names the researcher chose to create
        self.complete = False  # True once every field is mounted

    # ---------------------------------------------------------------- layout
    def compose(self) -> ComposeResult:
        verb = "Write up" if self.note and self.note.jotted else "Edit" if self.note else "New"
        yield Static(f" {verb} [b]{self.kind}[/]", classes=f"form-title kind-{self.kind}")
        with VerticalScroll(id="form-body"):
            yield from self._field("title", self._input("title"))
            when = self.prefill.get("when") or (
                show(self.note.start) if self.note else f"{self.now():%Y-%m-%d %H:%M}"
            )
            with Horizontal(classes="row"):
                yield from self._row_field(
                    "start",
                    WhenInput(
                        when,
                        dayfirst=self.fn_app.dayfirst,
                        now=self.now,
                        placeholder=FIELD["start"].placeholder,
                        select_on_focus=self.note is None,  # a new note's "now" is replaced by typing
                        id="when",
                    ),
                )
                yield from self._row_field(
                    "end",
                    WhenInput(
                        self.prefill.get("end") or (show(self.note.end) if self.note else ""),
                        optional=True,
                        dayfirst=self.fn_app.dayfirst,
                        now=self.now,
                        base=self._start_or_none,
                        placeholder=FIELD["end"].placeholder,
                        id="end",
                    ),
                )
            if self.note is not None and self.note.jotted:
                yield Label("Jottings, as jotted (the Notes box starts from them)", classes="field-label")
                with VerticalScroll(id="jottings"):
                    yield Static(self.note.body, markup=False)
            # The Notes box is mounted with the rest, just after the first paint (a text area
            # costs as much as the whole top of the form); a frame of its size holds its place.
            yield Label(FIELD["body"].form_title, classes="field-label")
            yield Static("", id="body-placeholder", classes="long")
            yield from self._field("organizations", self._tag_input("organizations"))
            if self.note is None:  # fieldwork: a new note shows its organizations' open follow-ups
                yield OpenFollowups(
                    self.service.followups.open_for, lambda: f"{self.now():%Y-%m-%d}", id="open-followups"
                )
            yield from self._field("codes", self._tag_input("codes"))
            yield Static("", id="form-error", classes="error-line")
        yield ScreenFooter(compact=True)

    def compose_rest(self) -> ComposeResult:
        """The fields below the first screenful, mounted just after the form first paints,
        so the form is ready for typing at once (see `_mount_rest`)."""
        service = self.service
        yield from self._field("location", self._input("location", lambda: service.field_values("location")))
        yield from self._field("people", self._tag_input("people"))
        names = ", ".join(FIELD[name].label.lower() for name in KIND_FIELDS[self.kind])
        yield Static(
            f"▸ {DETAILS_TITLE[self.kind]} [dim](ctrl+o)[/]: {names}",
            id="details-title",
            classes="field-label",
        )
        with Vertical(id="details"):
            yield from self._kind_fields()
        yield from self._field("memo", self._area("memo", short=True))
        yield from self._field("followups", self._area("followups", short=True))
        yield from self._field("private", self._area("private", short=True).add_class("private-area"))
        if self.note is not None and self.note.jotted:
            yield Checkbox("Still jotted: keep the write-up on the to-do list", id="still-jotted")

    def _kind_fields(self) -> ComposeResult:
        service = self.service
        if self.kind == "meeting":
            yield from self._field("host", self._input("host", lambda: self._org_names("host")))
            yield from self._field("agenda", self._input("agenda"))
        elif self.kind == "event":
            yield from self._field(
                "event_type",
                self._input(
                    "event_type",
                    lambda: [*FIELD["event_type"].suggestions, *service.field_values("event_type")],
                ),
            )
            yield from self._field("organizers", self._tag_input("organizers"))
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
                "ties",
                TiesEditor(
                    lambda: self._org_names("organizations"), ties=ties, placeholder=placeholder, id="ties"
                ),
            )

    # ----------------------------------------------------------- vocabulary
    def vocabulary(self, name: str) -> Vocabulary:
        """What a tag field knows: the registry's names and aliases, and the names chosen in
        the form's other fields of the same sort (organizations, codes or people)."""
        registries = self.service.registries
        if name in (*ORG_FIELDS, "host"):
            orgs = registries.organizations()
            spellings = {alias: org.name for org in orgs for alias in org.aliases}
            return Vocabulary([org.name for org in orgs], spellings, self._chosen(ORG_FIELDS, "host"))
        if name == "codes":
            return Vocabulary([code.name for code in registries.codes()])
        people = self.service.field_values("people")
        informants = [p.pseudonym for p in registries.informants()]
        return Vocabulary([*people, *(p for p in informants if p not in people)])

    def _chosen(self, fields: tuple[str, ...], single: str = "") -> list[str]:
        out: list[str] = []
        for name in fields:
            found = self.query(f"#{name}")
            if found and isinstance(found.first(), TagInput):
                out.extend(found.first(TagInput).tags)
        if single and self.query(f"#{single}"):
            value = self.query_one(f"#{single}", Input).value.strip()
            if value:
                out.append(value)
        return out

    def _org_names(self, field: str) -> list[str]:
        return self.vocabulary(field).suggestions()

    def _value(self, name: str, default: str = "") -> str:
        """The note's text in field `name` (or the prefilled one); `default` for a new note."""
        if name in self.prefill:
            return str(self.prefill[name])
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
        """A one-line field, completing from `suggestions` when given. It never selects its
        text on focus: typing right after `e` must not replace a title."""
        return FieldInput(
            self._value(name),
            id=name,
            placeholder=FIELD[name].placeholder,
            suggester=NamesSuggester(suggestions) if suggestions else None,
        )

    def _tag_input(self, name: str) -> TagInput:
        tags = self.prefill.get(name) or (getattr(self.note, name) if self.note else [])
        return TagInput(
            lambda: self.vocabulary(name), tags=list(tags), id=name, placeholder=FIELD[name].placeholder
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
        return LetterSelect(
            [(choice, choice) for choice in FIELD[name].choices],
            value=self._value(name, default) or Select.NULL,
            prompt="(not recorded)",
            id=name,
        )

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#title", Input))
        self.call_after_refresh(self._mount_rest)

    async def _mount_rest(self) -> None:
        """Mount the rest of the form, then restore a draft and note the starting values."""
        placeholder = self.query_one("#body-placeholder")
        await self.query_one("#form-body").mount(self._area("body"), before=placeholder)
        await placeholder.remove()
        await self.query_one("#form-body").mount(_RestOfForm(self), before="#form-error")
        if self.draft:
            self._restore(self.draft.get("fields", {}))
        self.show_details(self.fn_app.preferences.details_open or self._details_filled(), focus=False)
        # The starting values, to know later whether anything changed (a draft is a change).
        self._initial = self.values() if not self.draft else {}
        self.set_interval(DRAFT_CHECK_S, self._autosave)
        self.complete = True
        # Keys typed since the form was asked for waited (see `KeyOrder.push_screen`).
        # Let them go once the new fields are laid out: focus order follows the layout,
        # so Tab from the last top field then reaches the next one, not a field at (0, 0).
        self.call_after_refresh(self.fn_app.release_input, self)

    def on_unmount(self) -> None:
        self.fn_app.release_input(self)

    def _details_filled(self) -> bool:
        """The kind's own fields hold something (an edit, a draft): show them."""
        return any(
            isinstance(value, str) and value.strip() and name != "interview_format"
            for name, value in self.values().items()
            if name in KIND_FIELDS[self.kind]
        )

    # ------------------------------------------------------------- details
    @property
    def details_open(self) -> bool:
        found = self.query("#details")
        return bool(found) and found.first().display

    def show_details(self, visible: bool, *, focus: bool = True) -> None:
        details = self.query_one("#details", Vertical)
        details.display = visible
        names = ", ".join(FIELD[name].label.lower() for name in KIND_FIELDS[self.kind])
        self.query_one("#details-title", Static).update(
            f"{'▾' if visible else '▸'} {DETAILS_TITLE[self.kind]} [dim](ctrl+o)[/]: {names}"
        )
        if visible and focus:
            first = next(iter(details.query("Input, Select, TextArea")), None)
            if isinstance(first, TagInput):
                first = first.entry
            if first is not None:
                self.set_focus(first)
                first.scroll_visible(animate=False)
        elif not visible and self.focused is not None and details in self.focused.ancestors:
            self.set_focus(self.query_one("#location", Input))

    def action_toggle_details(self) -> None:
        """Open the kind's fields and go to the first; from inside them, fold them. The
        choice is remembered: the next form opens the same way."""
        if not self.complete:
            return
        details = self.query_one("#details", Vertical)
        inside = self.focused is not None and details in self.focused.ancestors
        visible = not (self.details_open and inside)
        self.show_details(visible)
        if visible != self.fn_app.preferences.details_open:
            self.fn_app.set_preferences(details_open=visible)

    def action_jump_notes(self) -> None:
        body = self.query_one("#body", TextArea)
        self.set_focus(body)
        body.scroll_visible(animate=False)

    # ---------------------------------------------------------------- values
    def values(self) -> dict[str, Any]:
        """Every field's raw value, exactly as typed (the draft's content)."""
        out: dict[str, Any] = {}
        for widget in self.query(
            "#form-body Input, #form-body TextArea, #form-body Select, "
            "#form-body TagInput, #form-body WhenInput, #form-body Checkbox"
        ):
            if widget.id is None:
                continue
            if isinstance(widget, TagInput):
                out[widget.id] = widget.tags
            elif isinstance(widget, (WhenInput, TextArea)):
                out[widget.id] = widget.text
            elif isinstance(widget, Select):
                out[widget.id] = widget.value if isinstance(widget.value, str) else ""
            elif isinstance(widget, (Checkbox, Input)):
                out[widget.id] = widget.value
        return out

    def _restore(self, fields: dict[str, Any]) -> None:
        for field_id, value in fields.items():
            if not isinstance(field_id, str) or not re.fullmatch(r"[a-z_-]+", field_id):
                continue
            matches = self.query(f"#{field_id}")
            if not matches:
                continue
            widget = matches.first()
            if isinstance(widget, TagInput):
                widget.set_tags([str(tag) for tag in value] if isinstance(value, list) else [])
            elif isinstance(widget, WhenInput):
                widget.entry.value = str(value)
            elif isinstance(widget, TextArea):
                widget.text = str(value)
            elif isinstance(widget, Select):
                widget.value = value or Select.NULL
            elif isinstance(widget, Checkbox):
                widget.value = bool(value)
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

    # ---------------------------------------------------------------- keys
    def _typing_fields(self) -> list[Widget]:
        """Every widget keys can have been sent to."""
        return list(self.query("#form-body Input, #form-body TextArea, #form-body Select"))

    def action_next_field(self) -> None:
        self._tab(1)

    def action_previous_field(self) -> None:
        self._tab(-1)

    def _tab(self, direction: int) -> None:
        focused = self.focused
        if focused is not None and focused.id == "informant":
            # A known informant fills role, organization and consent from the final text,
            # before focus moves on (so keys typed into Role after Tab are not overwritten).
            def leave() -> None:
                self._fill_from_informant(complete_prefix=False)
                self._focus_step(direction)

            self.fn_app.after_typed_keys([focused], leave)
            return
        self._focus_step(direction)

    def _focus_step(self, direction: int) -> None:
        if direction > 0:
            self.focus_next()
        else:
            self.focus_previous()

    def action_enter(self) -> None:
        """Enter in a one-line field moves on, like Tab, completing the grey suggestion; in
        a tag field it first adds the typed name; in a text area, a list or a checkbox it
        does what it does there."""
        focused = self.focused
        if not isinstance(focused, Input) or self.query_one("#form-body") not in focused.ancestors:
            raise SkipAction()
        if isinstance(focused, TagEntry):
            # Whether Enter adds a tag or moves on depends on the text: wait for the keys
            # typed before Enter to reach the box.
            tag_input = focused.tag_input
            self.fn_app.after_typed_keys([focused], lambda: tag_input.commit() or self.focus_next())
        elif focused.id == "informant":

            def complete_informant() -> None:
                role = self.query_one("#informant_role", Input)
                was_empty = not role.value.strip()
                self._fill_from_informant(complete_prefix=True)
                self.focus_next()
                if was_empty and role.value.strip() and self.focused is role:
                    self.focus_next()  # the registry filled the role: on to the format

            self.fn_app.after_typed_keys([focused], complete_informant)
        elif isinstance(focused.suggester, NamesSuggester):
            suggester = focused.suggester

            def completed() -> None:
                typed = focused.value
                match = complete(typed, suggester.source()) if typed.strip() else None
                if match is not None:
                    focused.value = match
                self.focus_next()

            self.fn_app.after_typed_keys([focused], completed)
        else:
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
    @on(Checkbox.Changed)
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
        """Keep what is typed under this form's own draft id, so a crash or a closed lid loses nothing."""
        self._last_edit = None
        if self._saved or not self.complete or not self.dirty:
            return
        draft = {
            "kind": self.kind,
            "note_id": self.note.id if self.note else None,
            "saved_at": datetime.now().strftime("%Y-%m-%d %H:%M"),
            "fields": self.values(),
        }
        try:
            self.service.keep_draft(self.draft_id, draft)
        except (FieldnotesError, OSError) as exc:
            self.notify(
                f"Could not keep a draft: {getattr(exc, 'strerror', None) or exc}", severity="warning"
            )

    def discard_draft(self) -> None:
        """Remove this form's own draft, and no other."""
        try:
            self.service.discard_draft(self.draft_id)
        except (FieldnotesError, OSError) as exc:
            self.fn_app.show_error(exc, title="The draft could not be removed")

    # ---------------------------------------------------------------- saving
    def _fail(self, field_id: str, error: FieldnotesError) -> None:
        """Show why the note can't be saved, and put the cursor on the field at fault."""
        self.query_one("#form-error", Static).update(f"✗ {error}")
        if field_id in KIND_FIELDS[self.kind] and not self.details_open:
            self.show_details(True, focus=False)
        target = self.query_one(f"#{field_id}")
        if isinstance(target, (WhenInput, TagInput)):
            self.set_focus(target.entry)
        else:
            self.set_focus(target)
        target.scroll_visible(animate=False)
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
        still_jotted = bool(values.pop("still-jotted", False))
        for name, value in values.items():
            if name in ("when", "end"):
                continue
            setattr(note, name, value)
        if self.note is not None and self.note.jotted:
            note.status = JOTTED if still_jotted else WRITTEN_UP
        return note

    def action_save(self) -> None:
        if not self.complete:
            return  # the rest of the form mounts within a frame
        # Save what was typed, all of it: keys sent to the fields before ctrl+s first.
        self.fn_app.after_typed_keys(self._typing_fields(), self._save)

    def _doubtful(self) -> list[tuple[str, str, str]]:
        """(field, new name, existing name) for each new name close to an existing one."""
        out = []
        for tag_input in self.query("#form-body TagInput").results(TagInput):
            for tag in tag_input.doubtful():
                if tag_key(tag.name) not in self._confirmed_new:
                    out.append((tag_input.id or "", tag.name, tag.near))
        return out

    def _save(self) -> None:
        doubtful = self._doubtful()
        if doubtful:
            self._ask_new_names(doubtful)
            return
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
        self.discard_draft()
        self.notify(f"Saved “{saved.title}”", title=saved.kind.capitalize())
        if saved.unconsented:
            self.notify(
                "No consent is recorded for this interview: exports leave it out until you record it.",
                title="Consent",
                severity="warning",
                timeout=8,
            )
        self.dismiss(saved.id)

    def _ask_new_names(self, doubtful: list[tuple[str, str, str]]) -> None:
        """Before creating a name close to an existing one: ask."""
        lines = "\n".join(
            f"  • “{name}” ({FIELD[field].label.lower()}), close to “{near}”"
            for field, name, near in doubtful
        )

        def answered(create: bool | None) -> None:
            if create:
                self._confirmed_new.update(tag_key(name) for _, name, _ in doubtful)
                self._save()
                return
            field = doubtful[0][0]
            self.set_focus(self.query_one(f"#{field}", TagInput).entry)

        self.app.push_screen(
            ConfirmDialog(
                f"Saving creates new names that look like existing ones:\n{lines}\n"
                "Create them? (Esc goes back: backspace removes a tag, and typing a few letters "
                "then Enter picks the existing name.)",
                yes="Create them",
                no="Back to the form",
            ),
            answered,
        )

    def action_leave(self) -> None:
        if not self.complete:
            return
        self.skip_in_open_list()  # escape closes an open drop-down list first
        self.fn_app.after_typed_keys(self._typing_fields(), self._leave)

    def _leave(self) -> None:
        if not self.dirty:
            if not self.draft:
                self.discard_draft()  # an untouched form: only its own draft
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self._saved = True
                self.discard_draft()
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

    def __init__(self, form: NoteFormScreen) -> None:
        super().__init__(id="form-rest")
        self.form = form

    def compose(self) -> ComposeResult:
        yield from self.form.compose_rest()
