"""Follow-ups as tracked items: one item per line of a note's follow-ups.

The note's `followups` text stays what the researcher wrote, untouched: each
non-blank line of it *is* an item, so a database from before items existed has
its items already, nothing is migrated, and nothing of the text can be lost.
What an item adds to its line (open or done, a due date, the organization or
person it concerns) is kept apart, in the "followups" record table, keyed by the
item's id.

An item's id is derived from its note, its text and which repeat of that text it
is, so it is the same on every read and short enough to type (`done 3f2a`).
When a line is edited, the service moves the state of the old line to the new
line in the same place (`carry_over`), so fixing a typo keeps the item done.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from fieldnotes.errors import DateParseError, NotFoundError, ValidationError
from fieldnotes.model import Note, Record, now_stamp
from fieldnotes.text import one_line, tag_key

if TYPE_CHECKING:
    from fieldnotes.index import NoteIndex
    from fieldnotes.registries import Registries
    from fieldnotes.storage import Store

TABLE = "followups"
STATUSES = ("open", "done")
ID_LENGTH = 16
SHORT = 6  # as shown; any unique prefix of 4 or more characters finds an item
MIN_PREFIX = 4


# --------------------------------------------------------------- the lines
def followup_lines(text: str) -> list[str]:
    """The items of a follow-ups text: every line that is not blank, without its surrounding
    spaces (a line break inside a line cannot exist, so every character of every line is kept)."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def item_ids(note_id: str, lines: list[str]) -> list[str]:
    """The id of each line: note, text and which repeat of that text it is (stable on reordering)."""
    seen: dict[str, int] = {}
    out = []
    for line in lines:
        repeat = seen.get(line, 0)
        seen[line] = repeat + 1
        digest = hashlib.sha1(f"{note_id}\x1f{line}\x1f{repeat}".encode("utf-8", "surrogatepass"))
        out.append(digest.hexdigest()[:ID_LENGTH])
    return out


# ---------------------------------------------------------------- records
@dataclass
class FollowupState(Record):
    """What an item adds to its line: stored in the "followups" table under the item's id."""

    guid: str
    note_id: str = ""
    text: str = ""  # the line, when the state was last saved
    status: str = "open"
    due: str = ""  # YYYY-MM-DD
    concerns: str = ""  # an organization (registry name), an informant (pseudonym) or a person
    done_at: str = ""  # YYYY-MM-DDTHH:MM:SS
    updated: str = ""

    @classmethod
    def _complete(cls, values: dict[str, Any]) -> None:
        values.setdefault("guid", "")
        values["status"] = values.get("status") or "open"


@dataclass
class Followup:
    """One item, as lists show it: its line, its state, and its note's facts."""

    id: str
    note_id: str
    note_title: str
    note_start: str
    text: str
    status: str = "open"
    due: str = ""
    concerns: str = ""
    done_at: str = ""
    note_concerns: list[str] = field(default_factory=list)  # its note's organizations (and informant)
    position: int = 0  # which line of its note (0 first)

    @property
    def short_id(self) -> str:
        return self.id[:SHORT]

    @property
    def is_open(self) -> bool:
        return self.status != "done"

    def overdue(self, today: str) -> bool:
        return self.is_open and bool(self.due) and self.due < today

    def concerning(self) -> list[str]:
        """What the item concerns: its own `concerns`, else its note's organizations and informant."""
        return [self.concerns] if self.concerns else list(self.note_concerns)

    def to_dict(self, today: str = "") -> dict[str, Any]:
        return {
            "id": self.short_id,
            "full_id": self.id,
            "note_id": self.note_id,
            "note_title": self.note_title,
            "note_date": self.note_start[:10],
            "text": self.text,
            "status": self.status,
            "due": self.due,
            "overdue": self.overdue(today) if today else False,
            "concerns": self.concerns,
            "done_at": self.done_at,
        }


def order(items: Iterable[Followup]) -> list[Followup]:
    """Open items first (by due date, undated last, then the note's date); then done ones,
    the most recently done first."""
    items = list(items)
    open_items = sorted(
        (i for i in items if i.is_open), key=lambda i: (i.due or "9999-99-99", i.note_start, i.position)
    )
    done = sorted((i for i in items if not i.is_open), key=lambda i: (i.done_at, i.note_start), reverse=True)
    return open_items + done


# ------------------------------------------------------------------ dates
_IN = re.compile(r"^in\s+(\d{1,4})\s+(day|week|month)s?$")
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def parse_due(text: str, *, today: date | None = None, dayfirst: bool = False) -> str:
    """A due date as people say it, as YYYY-MM-DD ("" clears it): today, tomorrow, friday (the
    coming one), next friday (the one after), in 3 days, in 2 weeks, 1 Feb 2016, 2016-02-01..."""
    today = today or date.today()
    words = " ".join(text.strip().casefold().split())
    if words in ("", "none", "-", "no date", "clear"):
        return ""
    if words == "today":
        return today.isoformat()
    if words == "tomorrow":
        return (today + timedelta(days=1)).isoformat()
    head, _, rest = words.partition(" ")
    weekday = rest if head == "next" else words
    for index, name in enumerate(_WEEKDAYS):
        if weekday in (name, name[:3]):
            ahead = (index - today.weekday()) % 7
            if head == "next":
                ahead = ahead or 7
            return (today + timedelta(days=ahead)).isoformat()
    match = _IN.match(words)
    if match:
        count, unit = int(match[1]), match[2]
        days = count * (1 if unit == "day" else 7 if unit == "week" else 30)
        return (today + timedelta(days=days)).isoformat()
    from fieldnotes.dates import parse_when

    try:
        moment = parse_when(text, dayfirst=dayfirst, now=datetime.combine(today, datetime.min.time()))
    except DateParseError as exc:
        raise ValidationError(f"the due date: {exc}", field="due") from None
    return moment.date().isoformat()


# ---------------------------------------------------------------- service
class Followups:
    """The follow-up items of one database (`service.followups`). `save_note` is the service's
    `update`, used to add a line to a note."""

    def __init__(
        self, store: Store, index: NoteIndex, registries: Registries, save_note: Callable[[Note], Note]
    ) -> None:
        self.store = store
        self.index = index
        self.registries = registries
        self.save_note = save_note

    def states(self) -> dict[str, FollowupState]:
        """Every saved item state, by item id (lines never marked have none)."""
        return {state.guid: state for state in map(FollowupState.from_dict, self.store.records(TABLE))}

    # ---------------------------------------------------------------- reading
    def of_note(self, note: Note, states: dict[str, FollowupState] | None = None) -> list[Followup]:
        """The items of one note, in the order of its lines."""
        lines = followup_lines(note.followups)
        if not lines:
            return []
        states = self.states() if states is None else states
        concerns = [
            *note.organizations,
            *([note.informant] if note.kind == "interview" and note.informant else []),
        ]
        items = []
        for position, (item_id, line) in enumerate(zip(item_ids(note.id, lines), lines, strict=True)):
            state = states.get(item_id)
            item = Followup(
                item_id,
                note.id,
                note.title,
                note.start,
                line,
                note_concerns=concerns,
                position=position,
            )
            if state is not None:
                item.status, item.due, item.concerns, item.done_at = (
                    state.status,
                    state.due,
                    state.concerns,
                    state.done_at,
                )
            items.append(item)
        return items

    def items(self, *, open_only: bool = False, concerning: str | None = None) -> list[Followup]:
        """Every item (open first, see `order`), or only open ones, or those concerning an
        organization or person (by their own `concerns`, else their note's organizations)."""
        states = self.states()
        found: list[Followup] = []
        for note in self.index.views():
            if note.followups:
                found += self.of_note(note, states)
        if open_only:
            found = [item for item in found if item.is_open]
        if concerning:
            keys = self._spellings(concerning)
            found = [i for i in found if any(tag_key(name) in keys for name in i.concerning())]
        return order(found)

    def open_for(self, organizations: Iterable[str]) -> list[Followup]:
        """The open items concerning any of `organizations` (what a new note with them shows)."""
        keys: set[str] = set()
        for name in organizations:
            keys |= self._spellings(name)
        if not keys:
            return []
        return [
            item
            for item in self.items(open_only=True)
            if any(tag_key(name) in keys for name in item.concerning())
        ]

    def get(self, prefix: str) -> Followup:
        """The item whose id starts with `prefix` (4 characters at least)."""
        prefix = prefix.strip().lower()
        if len(prefix) < MIN_PREFIX:
            raise NotFoundError(
                f"follow-up id {prefix!r} is too short: give at least {MIN_PREFIX} characters"
            )
        owners = [  # the notes holding a matching id: only their items are built
            note
            for note in self.index.views()
            if note.followups
            and any(i.startswith(prefix) for i in item_ids(note.id, followup_lines(note.followups)))
        ]
        states = self.states() if owners else {}
        found = [item for note in owners for item in self.of_note(note, states) if item.id.startswith(prefix)]
        if not found:
            raise NotFoundError(f"no follow-up has an id starting with {prefix!r} (fieldnotes followups)")
        if len(found) > 1:
            raise NotFoundError(
                f"{len(found)} follow-ups have ids starting with {prefix!r}; give more characters"
            )
        return found[0]

    # ---------------------------------------------------------------- writing
    def set_done(self, prefix: str, done: bool = True) -> Followup:
        """Mark an item done (or open again)."""
        item = self.get(prefix)
        status = "done" if done else "open"
        return self._save(item, status=status, done_at=now_stamp() if done else "")

    def edit(self, prefix: str, *, due: str | None = None, concerns: str | None = None) -> Followup:
        """Set an item's due date (YYYY-MM-DD or "") or what it concerns ("" clears it)."""
        item = self.get(prefix)
        changes: dict[str, str] = {}
        if due is not None:
            if due and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", due):
                raise ValidationError(f"the due date {due!r} is not YYYY-MM-DD", field="due")
            changes["due"] = due
        if concerns is not None:
            changes["concerns"] = self.canonical_concern(concerns)
        return self._save(item, **changes)

    def add(self, note_id: str, text: str, *, due: str = "", concerns: str = "") -> Followup:
        """Add a line to a note's follow-ups, as an item with a due date and what it concerns."""
        line = one_line(text)
        if not line:
            raise ValidationError("a follow-up needs some text", field="text")
        note = self.index.get(note_id)  # before the transaction: reading the notes inside it is not safe
        with self.store.transaction():
            before = note.followups.rstrip("\r\n")
            note.followups = f"{before}\n{line}" if before.strip() else line
            saved = self.save_note(note)
            item = self.of_note(saved)[-1]
            if due or concerns:
                item = self._save(item, due=due, concerns=self.canonical_concern(concerns))
        return item

    def _save(self, item: Followup, **changes: str) -> Followup:
        updated = replace(item, **changes)
        state = FollowupState(
            updated.id,
            note_id=updated.note_id,
            text=updated.text,
            status=updated.status,
            due=updated.due,
            concerns=updated.concerns,
            done_at=updated.done_at,
            updated=now_stamp(),
        )
        self.store.put_records(TABLE, [state.to_dict()])
        return updated

    def put_states(self, states: Iterable[FollowupState]) -> None:
        """Save states as given (the sample study)."""
        self.store.put_records(TABLE, [state.to_dict() for state in states])

    def canonical_concern(self, text: str) -> str:
        """An organization as the registry spells it, an informant's pseudonym, or the text."""
        text = one_line(text)
        if not text:
            return ""
        for org in self.registries.organizations():
            if tag_key(text) in org.spellings():
                return org.name
        for person in self.registries.informants():
            if tag_key(text) == tag_key(person.pseudonym):
                return person.pseudonym
        return text

    def _spellings(self, name: str) -> set[str]:
        try:
            return self.registries.organization(name).spellings()
        except NotFoundError:
            return {tag_key(name)}

    def carry_over(self, pairs: Iterable[tuple[Note, Note]]) -> None:
        """Notes saved over older versions (old, new): the state of a line that changed moves to
        the new line in the same place; the state of a line removed goes. Call it inside the
        transaction that saves the notes."""
        changed = [(old, new) for old, new in pairs if old.followups != new.followups]
        if not changed:
            return
        states = self.states()
        put: list[FollowupState] = []
        gone: list[str] = []
        for old, new in changed:
            old_lines, new_lines = followup_lines(old.followups), followup_lines(new.followups)
            old_ids, new_ids = item_ids(old.id, old_lines), item_ids(new.id, new_lines)
            keep, before = set(new_ids), set(old_ids)
            free = {i: item_id for i, item_id in enumerate(new_ids) if item_id not in before}
            for position, item_id in enumerate(old_ids):
                if item_id in keep or item_id not in states:
                    continue
                gone.append(item_id)
                target = free.pop(position, None)
                if target is not None and target not in states:
                    put.append(replace(states[item_id], guid=target, text=new_lines[position]))
        if put:
            self.store.put_records(TABLE, [state.to_dict() for state in put])
        if gone:
            self.store.delete_records(TABLE, gone)

    def renamed(self, kind: str, old_keys: set[str], new: str) -> None:
        """An organization or informant was renamed or merged: what items concern follows
        (same write; the service passes every rename on, see `FieldNotes.__init__`)."""
        if kind == "code":
            return
        changed = [
            replace(state, concerns=new)
            for state in self.states().values()
            if state.concerns and tag_key(state.concerns) in old_keys
        ]
        if changed:
            self.store.put_records(TABLE, [state.to_dict() for state in changed])
