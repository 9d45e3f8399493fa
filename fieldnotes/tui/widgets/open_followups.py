"""What a new note's organizations still have open: shown in the form as they are tagged.

`OpenFollowups.show_for(organizations)` lists the open follow-up items that concern
any of them (their own `concerns`, else their note's organizations), soonest due
first, overdue ones marked; it hides itself when there are none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from rich.text import Text
from textual.widgets import Static

from fieldnotes.followups import Followup

SHOWN = 6


class OpenFollowups(Static):
    """The open follow-ups of some organizations. `find(organizations)` is the service's
    `followups.open_for`; `today()` the date (YYYY-MM-DD) overdue is counted from."""

    def __init__(
        self,
        find: Callable[[Iterable[str]], list[Followup]],
        today: Callable[[], str],
        *,
        id: str | None = None,
    ) -> None:
        super().__init__("", id=id, markup=False)
        self.find = find
        self.today = today
        self.items: list[Followup] = []
        self._shown_for: tuple[str, ...] | None = None

    def on_mount(self) -> None:
        self.display = False

    def show_for(self, organizations: Iterable[str]) -> None:
        """List the open items of `organizations` (nothing is read again for the same ones)."""
        key = tuple(sorted({name.casefold() for name in organizations}))
        if key == self._shown_for:
            return
        self._shown_for = key
        self.items = self.find(list(organizations)) if key else []
        self.display = bool(self.items)
        if not self.items:
            self.update("")
            return
        today = self.today()
        text = Text.assemble(
            (f"Open follow-ups ({len(self.items)})", "bold"), "  — fieldnotes followups, or F\n"
        )
        for item in self.items[:SHOWN]:
            mark = "⚠ overdue " if item.overdue(today) else ""
            due = f"due {item.due}  " if item.due else ""
            concerns = f"  ({item.concerns})" if item.concerns else ""
            text.append(f"  {mark}", style="bold red")
            text.append(f"{due}{item.text}{concerns}")
            text.append(f"  · {item.note_start[:10]} {item.note_title}\n", style="dim")
        if len(self.items) > SHOWN:
            text.append(f"  … and {len(self.items) - SHOWN} more\n", style="dim")
        self.update(text)
