"""The codebook's audit trail: every change to a code, when, by whom, and why.

An inductive-and-deductive study has to show how its codebook grew: which codes
were set up before fieldwork, which emerged and from which note, what was
renamed, merged or moved and for what reason. `Registries` records an entry
for each change it makes (create, rename, merge, move, a description, origin or
colour change, and a code's first use by a note) in the "codebook_history"
record table, inside the same atomic write as the change itself.

Entries are never edited or deleted. A code keeps its guid through renames, so
its history follows it; a merge is recorded on the code merged into, naming the
code that was folded in (`source_guid`), whose own history then belongs to it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fieldnotes.model import Record, new_id, now_stamp, stable_guid
from fieldnotes.text import tag_key

if TYPE_CHECKING:
    from fieldnotes.storage import Store

TABLE = "codebook_history"
ACTIONS: tuple[str, ...] = (
    "create",
    "rename",
    "merge",
    "move",
    "description",
    "origin",
    "colour",
    "first use",
)
TOP = "(top level)"


@dataclass
class HistoryEntry(Record):
    """One change to one code. `code` is its name just after the change; `before` and
    `after` the value that changed (names, parents, descriptions, origins)."""

    when: str  # YYYY-MM-DDTHH:MM:SS, local time
    action: str
    code: str
    code_guid: str = ""
    before: str = ""
    after: str = ""
    reason: str = ""
    author: str = ""
    note_id: str = ""  # first use: the note
    source_guid: str = ""  # merge: the code folded in
    guid: str = ""

    @classmethod
    def _complete(cls, values: dict[str, Any]) -> None:
        for name in ("when", "action", "code"):
            values.setdefault(name, "")
        values["guid"] = values.get("guid") or new_id()

    def describe(self) -> str:
        """The change in words, e.g. "renamed 'trust' to 'trust in services'"."""
        action, before, after = self.action, self.before, self.after
        if action == "create":
            return f"created ({after})" if after else "created"
        if action == "rename":
            return f"renamed {before!r} to {after!r}"
        if action == "merge":
            return f"{before!r} merged into it"
        if action == "move":
            return f"moved from {before or TOP} to {after or TOP}"
        if action == "description":
            return f"description changed to {after!r}" if after else "description removed"
        if action == "origin":
            return f"origin changed from {before} to {after}"
        if action == "colour":
            return f"colour changed to {after or 'none'}"
        if action == "first use":
            return f"first used by note {self.note_id[:8]}" + (f" ({after})" if after else "")
        return action

    def line(self) -> str:
        """One line for a terminal: when, code, what, by whom, why."""
        why = f" — {self.reason}" if self.reason else ""
        who = f" [{self.author}]" if self.author else ""
        return f"{self.when.replace('T', ' ')}  {self.code}: {self.describe()}{who}{why}"


class CodebookHistory:
    """The audit trail of one database's codebook. `clock` and `author` say when and who;
    `Registries` sets `author` to `authors.current_author`. A fixed clock (the committed
    sample) also makes the entries' guids fixed."""

    def __init__(self, store: Store, *, author: Callable[[], str] | None = None) -> None:
        self.store = store
        self.clock: Callable[[], str] = now_stamp
        self.author: Callable[[], str] = author or (lambda: "")
        self._count = 0

    def entries(self) -> list[HistoryEntry]:
        """Every entry, oldest first (in the order recorded, within a second)."""
        found = [HistoryEntry.from_dict(doc) for doc in self.store.records(TABLE)]
        return sorted(found, key=lambda entry: entry.when)

    def for_code(self, name: str, guid: str = "") -> list[HistoryEntry]:
        """The history of the code called `name` now (its `guid` when known), with the
        history of every code merged into it; or, for a name no code has now, of the
        codes that had it (a code renamed or merged away)."""
        entries = self.entries()
        guids = {guid} if guid else set()
        if not guids:
            key = tag_key(name)
            guids = {
                entry.code_guid
                for entry in entries
                if key in (tag_key(entry.code), tag_key(entry.before), tag_key(entry.after))
                and entry.action != "description"
            }
        merged = True
        while merged:  # codes merged into these, and codes merged into those
            more = {e.source_guid for e in entries if e.action == "merge" and e.code_guid in guids}
            merged = not more <= guids
            guids |= more
        return [entry for entry in entries if entry.code_guid in guids]

    def record(
        self,
        action: str,
        code: str,
        code_guid: str,
        *,
        before: str = "",
        after: str = "",
        reason: str = "",
        note_id: str = "",
        source_guid: str = "",
        when: str = "",
    ) -> HistoryEntry:
        """Append an entry (inside the caller's transaction, so it lands with the change)."""
        if action not in ACTIONS:
            raise ValueError(f"unknown codebook action {action!r}")
        stamp = when or self.clock()
        entry = HistoryEntry(
            when=stamp,
            action=action,
            code=code,
            code_guid=code_guid,
            before=before,
            after=after,
            reason=reason.strip(),
            author=self.author(),
            note_id=note_id,
            source_guid=source_guid,
        )
        if self.clock is now_stamp:
            entry.guid = new_id()
        else:  # a fixed clock: the same changes give the same guids
            self._count += 1
            entry.guid = stable_guid("codebook-history", stamp, action, code_guid, str(self._count))
        self.store.put_records(TABLE, [entry.to_dict()])
        return entry
