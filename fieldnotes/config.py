"""Preferences that outlive a session: the theme, how dates are read, how the form opens.

One small TOML file in the platform's config folder (`~/.config/fieldnotes/config.toml`
on Linux), or wherever `FIELDNOTES_CONFIG` points. It never holds notes or names.
A file that cannot be read is never fatal: the defaults are used and the warning
says why, and the file is left as it is until a preference is changed.
"""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from fieldnotes.files import atomic_write_bytes, ensure_private_dir
from fieldnotes.model import KINDS
from fieldnotes.paths import APP_NAME

CONFIG_ENV = "FIELDNOTES_CONFIG"
CONFIG_FILENAME = "config.toml"


@dataclass(frozen=True)
class Preferences:
    """What the app remembers. Every field has a safe default."""

    theme: str = ""
    """A Textual theme name ("" for the default)."""
    dayfirst: bool = False
    """Read 1/2/2016 as 1 February (the command line's --dayfirst wins over it)."""
    details_open: bool = False
    """Open the note form with the kind's own fields unfolded."""
    jot_kind: str = "meeting"
    """The kind of a jotting note made by the jot bar."""

    def check(self) -> list[str]:
        """What is wrong in the values, one line each (empty when all is well)."""
        problems = []
        if self.jot_kind not in KINDS:
            problems.append(f"jot_kind {self.jot_kind!r} is not one of {', '.join(KINDS)}")
        return problems


def config_path() -> Path:
    """`FIELDNOTES_CONFIG`, else config.toml in the platform's user config folder."""
    env = os.environ.get(CONFIG_ENV, "").strip()
    if env:
        return Path(env).expanduser()
    from platformdirs import user_config_path

    return user_config_path(APP_NAME, appauthor=False) / CONFIG_FILENAME


def load(path: Path | None = None) -> tuple[Preferences, str]:
    """The preferences, and a warning for the researcher ('' when none).

    A missing file gives the defaults silently. A damaged one (not TOML, not
    readable, a value of the wrong type) gives the defaults for what is wrong,
    and a warning that names the file and says what was done."""
    path = path or config_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Preferences(), ""
    except OSError as exc:
        return Preferences(), _warning(path, exc.strerror or str(exc))
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return Preferences(), _warning(path, f"it is not valid TOML: {exc}")
    prefs = Preferences()
    problems: list[str] = []
    for spec in fields(Preferences):
        if spec.name not in data:
            continue
        value = data[spec.name]
        default = getattr(prefs, spec.name)
        if type(value) is not type(default):
            problems.append(f"{spec.name} should be {type(default).__name__}, not {value!r}")
            continue
        prefs = replace(prefs, **{spec.name: value})
    for problem in prefs.check():
        problems.append(problem)
        name = problem.split(" ", 1)[0]
        prefs = replace(prefs, **{name: getattr(Preferences(), name)})
    return prefs, _warning(path, "; ".join(problems)) if problems else ""


def _warning(path: Path, reason: str) -> str:
    return (
        f"The preferences file {path} could not be read as it is ({reason}). "
        "The defaults are used for now; it is rewritten when you next change a preference."
    )


def dumps(prefs: Preferences) -> str:
    """The preferences as TOML."""
    lines = ["# fieldnotes preferences: written by the app, safe to edit or delete."]
    for spec in fields(Preferences):
        value: Any = getattr(prefs, spec.name)
        if isinstance(value, bool):
            text = "true" if value else "false"
        else:  # a JSON string is a TOML basic string, once DEL is escaped too
            text = json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
        lines.append(f"{spec.name} = {text}")
    return "\n".join(lines) + "\n"


def save(prefs: Preferences, path: Path | None = None) -> Path:
    """Write the preferences atomically, readable by the owner only. Raises OSError."""
    path = path or config_path()
    ensure_private_dir(path.parent)
    atomic_write_bytes(path, dumps(prefs).encode("utf-8"))
    return path
