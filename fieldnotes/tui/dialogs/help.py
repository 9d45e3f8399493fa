"""The help screen, built from the key bindings themselves so it cannot drift from them.

First the keys of the screen it was opened from (as they stand: a key that
screen turns off, such as merge for informants, is left out), then the keys
that work everywhere, then the other screens' keys from their classes'
`BINDINGS`, each with the tips that are not bindings (`HELP_TIPS`), then how
to type dates. A binding's `description` is the footer's one word; the help
shows its `tooltip`, the longer text, when it has one.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.actions import parse
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.keys import format_key
from textual.screen import Screen
from textual.widgets import Static

from fieldnotes.tui.screens.base import FieldnotesModal, FieldnotesScreen

KEY_WIDTH = 30
SHARED_IDS = frozenset({"next-field", "previous-field"})
PALETTE_TIP = "command palette: every command, filters by name, project settings"
DATE_EXAMPLES = (
    "now, today 3pm, yesterday 14:30",
    "monday 9am (the last Monday), 17 Jan 2016 8:30",
    "2016-01-17 08:30, 1/17/2016 (day first: ctrl+p, “Dates: read day first”)",
    "End: 4:30pm (same day), +90m, 2h",
)

Row = tuple[str, str]


def key_name(key: str) -> str:
    """A key as the help writes it: "/", "?", "esc", "ctrl+s", "enter"."""
    return "enter" if key == "enter" else format_key(key)


def declared_bindings(cls: type[Any], *, since: type[Any] | None = None) -> list[Binding]:
    """The bindings `cls` and its fieldnotes base classes declare, one per key, a subclass's
    binding replacing its base's (as Textual merges them). With `since`, only those
    declared below that class."""
    bases = [base for base in reversed(cls.__mro__) if base.__module__.startswith("fieldnotes.")]
    if since is not None:
        bases = [base for base in bases if not issubclass(since, base)]
    by_key: dict[str, Binding] = {}
    for base in bases:
        for binding in Binding.make_bindings(base.__dict__.get("BINDINGS", [])):
            if binding.id not in SHARED_IDS:  # Tab and shift+Tab: under "Everywhere"
                by_key[binding.key] = binding
    return list(by_key.values())


def rows(bindings: list[Binding]) -> list[Row]:
    """One row per action: its keys ("esc / q") and what it does."""
    keys: dict[tuple[str, str], list[str]] = {}
    for binding in bindings:
        what = binding.tooltip or binding.description
        if what and not binding.system:
            keys.setdefault((binding.action, what), []).append(key_name(binding.key))
    return [(" / ".join(names), what) for (_, what), names in keys.items()]


def enabled(screen: Screen[Any], binding: Binding) -> bool:
    """False when `screen` turns the binding's action off (its `check_action`)."""
    namespace, action, parameters = parse(binding.action)
    return namespace != "" or screen.check_action(action, parameters) is not False


def everywhere(app: App[Any]) -> list[Binding]:
    """Textual's own keys: moving between fields, copying, the command palette, quitting."""
    found = [
        *Binding.make_bindings(Screen.BINDINGS),
        *(binding for base in reversed(type(app).__mro__) for binding in base.__dict__.get("BINDINGS", [])),
    ]
    if app.ENABLE_COMMAND_PALETTE:
        found.append(Binding(app.COMMAND_PALETTE_BINDING, "command_palette", "Commands", tooltip=PALETTE_TIP))
    return list(Binding.make_bindings(found))


class HelpScreen(FieldnotesModal[None]):
    """Every key, starting with those of `origin`, the screen it was opened from."""

    HELP_TITLE = "Help"
    BINDINGS = [Binding("escape,question_mark", "close", "Close", priority=True, id="close-help")]

    def __init__(self, origin: Screen[Any], documented: list[type[FieldnotesScreen[Any]]]) -> None:
        """`documented`: the screens the help describes, in the order it shows them."""
        super().__init__()
        self.origin = origin
        self.documented = documented

    def sections(self) -> list[tuple[str, list[Row]]]:
        """(title, rows): the origin's keys, the keys that work everywhere, the other screens', dates."""
        origin = self.origin
        title = getattr(origin, "HELP_TITLE", "") or "This screen"
        here = [binding for binding in declared_bindings(type(origin)) if enabled(origin, binding)]
        out = [
            (f"{title} (this screen)", [*rows(here), *getattr(origin, "HELP_TIPS", ())]),
            ("Everywhere", rows(everywhere(self.app))),
        ]
        documented = self.documented
        for index, screen in enumerate(documented):
            if isinstance(origin, screen):
                continue
            # A screen that extends one described above adds its own keys and tips only.
            base = next((s for s in reversed(documented[:index]) if issubclass(screen, s)), None)
            bindings = declared_bindings(screen, since=base)
            out.append((screen.HELP_TITLE, [*rows(bindings), *vars(screen).get("HELP_TIPS", ())]))
        out.append(("Dates", [(example, "") for example in DATE_EXAMPLES]))
        return out

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog help-dialog"):
            yield Static("fieldnotes — keys", classes="dialog-question")
            for title, section in self.sections():
                yield Static(Text(title, style="bold"), classes="help-title")
                width = min(max((len(keys) for keys, what in section if what), default=0), KEY_WIDTH)
                for keys, what in section:
                    yield Static(
                        Text.assemble(("  " + keys.ljust(width), "bold"), "  ", what)
                        if what
                        else Text(f"  {keys}")
                    )
            yield Static("\nPress esc to close.", classes="dim")

    def action_close(self) -> None:
        self.dismiss(None)
