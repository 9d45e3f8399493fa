"""What every export shares: the report, safe output paths, cell hygiene."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from fieldnotes.files import PRIVATE_DIR, ensure_private_dir

FORMULA_START = ("=", "+", "-", "@")
PILCROW = " ¶ "
_NEWLINES = re.compile(r"\r\n|\r|\n")
# Characters XML 1.0 cannot carry. Replaced one for one, so positions do not move.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

Progress = Callable[[int, int], None]


class OutputExistsError(FileExistsError):
    """The output is there already and --force was not given."""


class EmptyCodebookError(ValueError):
    """A .qdc must hold at least one code."""


@dataclass
class ExportReport:
    """What an export wrote, for the researcher to read."""

    files: list[tuple[Path, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: int = 0

    def wrote(self, path: Path, what: str) -> None:
        self.files.append((path, what))

    def lines(self) -> list[str]:
        out = [f"wrote {path}  ({what})" for path, what in self.files]
        out += [f"warning: {warning}" for warning in self.warnings]
        return out


def plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def flatten(text: str) -> str:
    """One record per line: line breaks become ' ¶ '."""
    return _NEWLINES.sub(PILCROW, text)


def unflatten(text: str) -> str:
    return text.replace(PILCROW, "\n")


def xml_safe(text: str) -> str:
    """Replace characters XML cannot hold with U+FFFD (same length)."""
    return _NOT_XML.sub("\ufffd", text)


def lf(text: str) -> str:
    return _NEWLINES.sub("\n", text)


def looks_like_formula(cell: str) -> bool:
    return cell.startswith(FORMULA_START)


def prepare_file(path: Path, force: bool) -> None:
    """Refuse to overwrite without --force; create the folder owner-only."""
    if path.exists() and not force:
        raise OutputExistsError(f"{path} exists already; add --force to replace it")
    if path.is_dir():
        raise OutputExistsError(f"{path} is a folder")
    ensure_private_dir(path.parent)


def prepare_folder(path: Path, names: list[str], force: bool) -> None:
    """An output folder: new and owner-only, or holding none of `names` unless --force."""
    if path.exists() and not path.is_dir():
        raise OutputExistsError(f"{path} exists and is not a folder")
    clashes = [name for name in names if (path / name).exists()]
    if clashes and not force:
        raise OutputExistsError(
            f"{path} already holds {', '.join(clashes)}; add --force to replace them, or pick a new folder"
        )
    if not path.exists():
        ensure_private_dir(path)
        path.chmod(PRIVATE_DIR)
