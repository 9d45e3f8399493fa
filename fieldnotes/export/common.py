"""What every export shares: the report, safe output paths, cell hygiene."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from fieldnotes.errors import NothingToExportError, OutputExistsError
from fieldnotes.files import PRIVATE_DIR, ensure_private_dir, fsync_dir, remove_temp_files
from fieldnotes.model import Informant, Note, Organization
from fieldnotes.text import tag_key

FORMULA_START = ("=", "+", "-", "@")
PILCROW = " ¶ "
_NEWLINES = re.compile(r"\r\n|\r|\n")
# Characters XML 1.0 cannot carry. Replaced one for one, so positions do not move.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
ASCII_NOT_XML = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])  # XML 1.0 cannot hold these

Progress = Callable[[int, int], None]


class OrgTypes:
    """The types of a note's organizations, sorted, each once (the registry's; a name not
    in it has none). Notes share their lists of organizations: each list is looked up once."""

    def __init__(self, organizations: Iterable[Organization]) -> None:
        self._type = {tag_key(org.name): org.type for org in organizations}
        self._seen: dict[tuple[str, ...], list[str]] = {}

    def of(self, note: Note) -> list[str]:
        names = tuple(note.organizations)
        types = self._seen.get(names)
        if types is None:
            types = self._seen[names] = sorted({self._type.get(tag_key(name), "") for name in names} - {""})
        return types


@dataclass
class ExportReport:
    """What an export wrote, for the researcher to read (and for the export ledger:
    `format`, `target` and the ids of the notes that went out)."""

    files: list[tuple[Path, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: int = 0
    format: str = ""
    target: Path | None = None
    note_ids: list[str] = field(default_factory=list)
    options: dict[str, str] = field(default_factory=dict)

    def wrote(self, path: Path, what: str) -> None:
        self.files.append((path, what))

    def lines(self, *, warnings_first: bool = False) -> list[str]:
        """The files written, then the warnings (or the warnings first: the name check's
        findings, where the eye lands)."""
        wrote = [f"wrote {path}  ({what})" for path, what in self.files]
        warned = [f"warning: {warning}" for warning in self.warnings]
        return warned + wrote if warnings_first else wrote + warned


def nothing_to_export(what: str = "notes") -> NothingToExportError:
    return NothingToExportError(f"no {what} match: nothing was written (check the filters)")


def plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def flatten(text: str) -> str:
    """One record per line: line breaks become ' ¶ '."""
    return _NEWLINES.sub(PILCROW, text)


def unflatten(text: str) -> str:
    return text.replace(PILCROW, "\n")


def xml_safe(text: str) -> str:
    """Replace characters XML cannot hold with U+FFFD (same length)."""
    # Nearly every text is ASCII without a control character. Its bytes with the controls
    # deleted (a C loop over a fixed table) say so 4x faster than the regex for a note's
    # body and as fast for a short cell; `isascii` itself costs nothing. (`str.translate`
    # looks each character up in a dict: slower than the regex on short cells.)
    if text.isascii():
        data = text.encode("ascii")
        if len(data.translate(None, ASCII_NOT_XML)) == len(data):
            return text
    return _NOT_XML.sub("\ufffd", text)


def lf(text: str) -> str:
    return _NEWLINES.sub("\n", text) if "\r" in text else text


def looks_like_formula(cell: str) -> bool:
    return cell.startswith(FORMULA_START)


def prepare_file(path: Path, force: bool) -> None:
    """Refuse to overwrite without --force; create the folder owner-only; remove the temp
    files a killed export of the same file left (note text, half written), once they are
    as old as a stale staging folder (a younger one may be another export's, still running)."""
    if path.exists() and not force:
        raise OutputExistsError(f"{path} exists already; add --force to replace it")
    if path.is_dir():
        raise OutputExistsError(f"{path} is a folder")
    ensure_private_dir(path.parent)
    remove_temp_files(path.parent, older_than_s=STALE_STAGING_S, prefix=f".{path.name}.")


def prepare_folder(path: Path, names: list[str], force: bool) -> None:
    """An output folder: new, or holding none of `names` unless --force. (Nothing is
    written yet: see `staged_folder`.)"""
    if path.exists() and not path.is_dir():
        raise OutputExistsError(f"{path} exists and is not a folder")
    clashes = [name for name in names if (path / name).exists()]
    if clashes and not force:
        raise OutputExistsError(
            f"{path} already holds {', '.join(clashes)}; add --force to replace them, or pick a new folder"
        )


STALE_STAGING_S = 600.0


@contextlib.contextmanager
def staged_folder(
    target: Path, report: ExportReport, *, before_rename: Callable[[], object] | None = None
) -> Iterator[Path]:
    """Yield a folder to write an export into, beside `target`; on success (and once
    `before_rename` has returned: what the export waits for before it is in place), put
    it in place of `target` in one step.

    An existing `target` is carried over first (its files hard-linked, so what this
    export does not write stays, at no cost), then swapped out and removed. A kill
    leaves the old folder as it was, never a half-replaced one, and no temp file in
    it: the half-built folder is beside it (`.NAME.staging-...`), removed by the next
    export there. Paths in `report` are given as they are in `target`."""
    parent = target.parent
    ensure_private_dir(parent)
    _remove_stale(parent, f".{target.name}.staging-", f".{target.name}.replaced-")
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.staging-", dir=parent))
    os.chmod(staging, PRIVATE_DIR)
    try:
        if target.exists():
            _link_tree(target, staging)
        yield staging
        fsync_dir(staging)
        if before_rename is not None:
            before_rename()
        if target.exists():
            aside = Path(tempfile.mkdtemp(prefix=f".{target.name}.replaced-", dir=parent))
            os.rename(target, aside / target.name)
            os.rename(staging, target)
            shutil.rmtree(aside, ignore_errors=True)
        else:
            os.rename(staging, target)
        fsync_dir(parent)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    report.files = [(target / path.relative_to(staging), what) for path, what in report.files]


def _link_tree(source: Path, destination: Path) -> None:
    for root, folders, files in os.walk(source):
        here = destination / Path(root).relative_to(source)
        for folder in folders:
            (here / folder).mkdir(mode=PRIVATE_DIR)
        for name in files:
            try:
                os.link(Path(root) / name, here / name)
            except OSError:  # another file system, or links not allowed: a copy
                shutil.copy2(Path(root) / name, here / name)


def _remove_stale(parent: Path, *prefixes: str) -> None:
    """Half-built or swapped-out folders that a killed export left beside its target."""
    now = time.time()
    for entry in parent.iterdir():
        if entry.name.startswith(prefixes) and entry.is_dir():
            with contextlib.suppress(OSError):
                if now - entry.stat().st_mtime > STALE_STAGING_S:
                    shutil.rmtree(entry)


@dataclass
class InformantCase:
    """An informant interviewed in the exported notes, as a case: the latest
    interview's facts, the registry's where the interviews are silent."""

    pseudonym: str
    role: str
    organization: str
    consent: str
    interviews: list[Note]


def informant_cases(notes: list[Note], informants: list[Informant]) -> list[InformantCase]:
    """One case per informant interviewed in `notes`, by pseudonym, oldest interview first."""
    registry = {tag_key(person.pseudonym): person for person in informants}
    by_key: dict[str, list[Note]] = {}
    for note in notes:
        if note.kind == "interview" and note.informant.strip():
            by_key.setdefault(tag_key(note.informant), []).append(note)
    cases = []
    for key, interviews in by_key.items():
        interviews.sort(key=lambda n: n.start)
        person = registry.get(key)
        latest = interviews[-1]
        cases.append(
            InformantCase(
                pseudonym=person.pseudonym if person else latest.informant.strip(),
                role=next((n.informant_role for n in reversed(interviews) if n.informant_role), "")
                or (person.role if person else ""),
                organization=(latest.organizations[0] if latest.organizations else "")
                or (person.organization if person else ""),
                consent=next((n.consent for n in reversed(interviews) if n.consent), "")
                or (person.consent if person else ""),
                interviews=interviews,
            )
        )
    return sorted(cases, key=lambda case: case.pseudonym.casefold())
