"""Owner-only, durable file primitives: the only way fieldnotes writes a file."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def ensure_private_dir(path: Path) -> None:
    """Create `path` (and parents) if needed; every folder we create is owner-only."""
    missing = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        folder.mkdir(mode=PRIVATE_DIR, exist_ok=True)
        os.chmod(folder, PRIVATE_DIR)


def fsync_dir(path: Path) -> None:
    """Make a rename or a new file in `path` durable."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return  # platforms that cannot open folders (Windows)
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_writer(path: Path, *, before_replace: Callable[[], object] | None = None) -> Iterator[int]:
    """Yield a file descriptor; on success the bytes replace `path` atomically.

    The steps: a private temp file in the same folder, fsync, `before_replace` (what
    the file waits for before it is in place; an exception from it counts as a
    failure), os.replace, fsync the folder. A failure at any step leaves the old file
    as it was and removes the temp file.
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, PRIVATE_FILE)
        yield fd
        os.fsync(fd)
        os.close(fd)
        fd = -1
        if before_replace is not None:
            before_replace()
        os.replace(tmp, path)
        fsync_dir(path.parent)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def write_all_at(fd: int, data: bytes | memoryview, offset: int) -> None:
    """All of `data` at `offset` of `fd`, its position left where it was."""
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        view, offset = view[written:], offset + written


def atomic_write_bytes(path: Path, data: bytes) -> None:
    with atomic_writer(path) as fd:
        write_all(fd, data)


# Temp files: ".<target name>.<8 random characters>.tmp", from `atomic_writer` (mkstemp).
_TEMP = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")


def is_temp_file(name: str) -> bool:
    """True for the name of a temp file `atomic_writer` makes (and leaves behind when killed)."""
    return bool(_TEMP.match(name))


def remove_temp_files(folder: Path, *, older_than_s: float | None = None, prefix: str = ".") -> list[Path]:
    """Delete temp files that a killed write left in `folder` (those starting with `prefix`;
    only those older than `older_than_s` seconds when given). Returns what was removed."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        if not (entry.name.startswith(prefix) and is_temp_file(entry.name)):
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            if older_than_s is not None and now - entry.stat(follow_symlinks=False).st_mtime < older_than_s:
                continue
            os.unlink(entry.path)
        except OSError:
            continue
        removed.append(Path(entry.path))
    return removed


def _read_only(path: Path, access: int) -> bool:
    """Not writable for us, or made read-only on purpose: no write bit for anyone
    (which root could override, but a researcher who archived a study meant it)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not os.access(path, access) or not mode & 0o222


def not_writable(path: Path) -> Path | None:
    """The file or folder that stops us from writing `path` (atomically, beside it), or None.

    A file that exists must be writable, and so must its folder (a new file and
    the atomic replace are made there)."""
    if path.exists() and _read_only(path, os.W_OK):
        return path
    folder = path.parent
    if _read_only(folder, os.W_OK | os.X_OK):
        return folder
    return None
