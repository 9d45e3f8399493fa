"""Zip entries deflated and written to the archive by a helper process (`ZipWriter`).

A thread that deflates 50,000 small sources leaves the interpreter 50,000 times, and
each time it comes back while the export computes it waits up to the switch interval
(5 ms) for the interpreter. A helper process (`python -m fieldnotes.export.deflater`)
on the other core does that work instead, and more: it is handed the archive's file
descriptor, and writes each entry (its local header, then its bytes, deflated as
`zipwriter.deflate` deflates them) at its place in the file itself, keeping each entry's
central directory record. The archive's thread only sends it a few megabytes of entries
at a time; it never waits for an answer per batch, and never touches an entry again
(reading 50,000 deflated entries back and laying out their headers held the interpreter
for 0.3 s of a 50,000-note `.qdpx`, and the round trip stalled the thread 1.3 s).

The thread asks for the records (`sync`) before it writes anything itself, and at the
end. The answer carries the number of entries written, where the last one ends and the
CRC-32 of all the bytes sent, and the thread checks them against its own count, and looks
at the file: the first entry's header where the helper says it is, the file as long. The
helper gets a descriptor of its own, numbered 3 or above, with the file's identity to
check: with stderr closed, the archive here is descriptor 2, which in the helper is its
own stderr (a corrupt `.qdpx` was put in place so, the sources written to /dev/null).

On the pipe, a batch: `<count: 4><first offset: 8, signed; -1: after the last><DOS time: 2>
<DOS date: 2>`, then `count` times `<name length: 2><flags: 2><size: 8>`, the names and
the entries' bytes. A count of 0 asks for the records; back: `<entries: 8><end offset: 8>
<CRC-32: 4><length: 8><the central directory records>`. Big-endian throughout.

A helper cannot be given up on mid-way as one that only deflated could: the bytes it
was sent are gone, and it may have written part of a batch. Every failure (it could
not start, died, hung, wrote less than it was sent, answered nonsense) raises
`HelperGone`; the archive is then incomplete, and the export that wrote it starts
again without a helper (`refi.write_qdpx`): slower, never wrong.
"""

from __future__ import annotations

import contextlib
import os
import struct
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import IO

from isal.isal_zlib import crc32

from fieldnotes.export.zipwriter import deflate, entry_headers
from fieldnotes.files import write_all_at

_HEAD = struct.Struct(">IqHH")  # count, first offset (-1: go on), DOS time, DOS date
_ENTRY = struct.Struct(">HHQ")  # name length, flags, size
_RECORDS = struct.Struct(">QQIQ")  # entries, end offset, CRC-32 of what was sent, records' length
_GO_ON = -1
_MOST = 1 << 20  # entries in one batch, at most (a check on what the helper reads)
_CENTRAL = 46  # the fixed part of a central directory record
_LOCAL_MARK = b"PK\x03\x04"  # what each entry's local header starts with
_PATIENCE = 30.0  # seconds a batch or the records may take before the helper is given up


class HelperGone(RuntimeError):
    """The helper writing the archive's entries failed: the archive is incomplete."""


class DeflateBeside:
    """A helper process deflating the entries it is sent (`write`) and writing them to the
    file `fd` refers to; `sync` takes the central directory records of what it wrote. Use
    it from one thread, as a context manager: leaving the block stops it."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._helper: subprocess.Popen[bytes] | None = None
        if hasattr(os, "pwrite"):  # not on Windows: there the archive's thread writes every entry
            self._helper = _spawn_on(fd)
        self._sent = 0  # entries sent since the last `sync`
        self._crc = 0  # of their bytes, in order
        self._placed = False  # told where to write since the last `sync`
        self._first = 0  # where those entries begin

    @property
    def running(self) -> bool:
        return self._helper is not None

    @property
    def pending(self) -> bool:
        """Whether entries were sent since the last `sync`."""
        return self._sent > 0

    def write(self, entries: list[tuple[bytes, int, bytes]], offset: int, stamp: tuple[int, int]) -> None:
        """Send (name, flags, bytes) entries, to be written from `offset` (the first batch
        after a `sync`) or after the last one written; raises `HelperGone`."""
        helper = self._running()
        if not entries:
            return
        if len(entries) > _MOST:
            raise ValueError("too many entries in one batch")
        table = b"".join([_ENTRY.pack(len(name), flags, len(data)) for name, flags, data in entries])
        names = b"".join([name for name, _, _ in entries])
        data = b"".join([data for _, _, data in entries])
        head = _HEAD.pack(len(entries), _GO_ON if self._placed else offset, *stamp)
        if not self._placed:
            self._first = offset
        with self._watched():
            try:
                assert helper.stdin is not None
                helper.stdin.write(head + table + names)
                helper.stdin.write(data)
                helper.stdin.flush()
            except (OSError, ValueError) as exc:
                self.close()
                raise HelperGone(f"the helper writing the archive stopped ({exc})") from exc
        self._placed = True
        self._sent += len(entries)
        self._crc = crc32(data, self._crc)

    def sync(self) -> tuple[int, int, bytes]:
        """Once every entry sent is in the file: (how many, where the last one ends, their
        central directory records); the next `write` says where to go on. Raises `HelperGone`."""
        helper = self._running()
        sent, crc = self._sent, self._crc
        with self._watched():
            try:
                assert helper.stdin is not None and helper.stdout is not None
                helper.stdin.write(_HEAD.pack(0, 0, 0, 0))
                helper.stdin.flush()
                head = _read(helper.stdout, _RECORDS.size)
                if head is None:
                    raise EOFError("no answer")
                count, end, answered_crc, length = _RECORDS.unpack(head)
                # Checked before a byte more is read: each record is 46 bytes, a name, and
                # at most a ZIP64 offset.
                fits = _CENTRAL * count <= length <= (_CENTRAL + 65_535 + 12) * count
                if count != sent or answered_crc != crc or not fits:
                    raise EOFError("an answer that does not fit what it was sent")
                records = _read(helper.stdout, length)
                if records is None:
                    raise EOFError("the answer stopped short")
                # And a look at the file itself: the entries are there, not somewhere else.
                if count and (
                    os.fstat(self._fd).st_size < end or os.pread(self._fd, 4, self._first) != _LOCAL_MARK
                ):
                    raise EOFError("the entries are not where the helper wrote them")
            except (OSError, ValueError, EOFError, struct.error) as exc:
                self.close()
                raise HelperGone(f"the helper writing the archive failed ({exc})") from exc
        self._sent, self._crc, self._placed = 0, 0, False
        return count, end, records

    def _running(self) -> subprocess.Popen[bytes]:
        if self._helper is None:
            raise HelperGone("the helper writing the archive is not running")
        return self._helper

    @contextlib.contextmanager
    def _watched(self) -> Iterator[None]:
        """A helper that hangs (stopped, starved) is killed rather than waited for: the
        blocked write or read then fails."""
        watchdog = threading.Timer(_PATIENCE, self.kill)
        watchdog.daemon = True
        watchdog.start()
        try:
            yield
        finally:
            watchdog.cancel()

    def kill(self) -> None:
        """Stop the helper now, from any thread (a write or read under way fails);
        `close` still reaps it."""
        helper = self._helper
        if helper is not None:
            with contextlib.suppress(OSError):
                helper.kill()

    def close(self) -> None:
        """Stop the helper and reap it. Entries it was sent and not synced may be half
        written: the archive is then thrown away."""
        helper, self._helper = self._helper, None
        if helper is None:
            return
        if helper.stdin is not None:
            with contextlib.suppress(OSError, ValueError):
                helper.stdin.close()  # its end of input: it stops
        try:
            helper.wait(timeout=2)
        except subprocess.TimeoutExpired:
            helper.kill()
            helper.wait()
        except BaseException:  # a Ctrl-C while waiting: stopped and reaped all the same
            helper.kill()
            with contextlib.suppress(KeyboardInterrupt, subprocess.TimeoutExpired):
                helper.wait(timeout=1)
            raise
        finally:
            if helper.stdout is not None:
                with contextlib.suppress(OSError):
                    helper.stdout.close()

    def __enter__(self) -> DeflateBeside:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _spawn_on(fd: int) -> subprocess.Popen[bytes] | None:
    """The helper, given a descriptor of the archive's file of its own, numbered 3 or above
    (0 to 2 are its pipes and its stderr, whatever number `fd` has here: an export run with
    stderr closed has its archive at 2), and the file's identity, which it checks first."""
    import fcntl

    from fieldnotes.export.beside import spawn_helper

    try:
        own = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 3)
    except OSError:
        return None
    try:
        return spawn_helper("fieldnotes.export.deflater", str(own), _identity(own), pass_fds=(own,))
    finally:
        os.close(own)


def _identity(fd: int) -> str:
    """The file `fd` refers to, as `device:inode`."""
    stat = os.fstat(fd)
    return f"{stat.st_dev}:{stat.st_ino}"


def _read(source: IO[bytes], length: int) -> bytes | None:
    data = source.read(length) if length else b""
    return data if len(data) == length else None


def serve(source: IO[bytes], sink: IO[bytes], fd: int, identity: str | None = None) -> None:
    """The helper: write each batch's entries to `fd`, and answer each request for the
    records, until the end of the input (or input it cannot read: the thread's next
    `sync` then finds it gone). With an `identity` (`_identity`), a descriptor that refers
    to another file is never written to."""
    if identity is not None:
        try:
            if _identity(fd) != identity:
                return
        except OSError:
            return
    offset = 0
    count, crc = 0, 0
    records: list[bytes] = []
    while True:
        head = _read(source, _HEAD.size)
        if head is None:
            return
        number, first, dos_time, dos_date = _HEAD.unpack(head)
        if number == 0:
            sink.write(_RECORDS.pack(count, offset, crc, sum(map(len, records))) + b"".join(records))
            sink.flush()
            count, crc, records = 0, 0, []
            continue
        if number > _MOST:
            return
        table = _read(source, _ENTRY.size * number)
        if table is None:
            return
        entries = list(_ENTRY.iter_unpack(table))
        names = _read(source, sum(length for length, _, _ in entries))
        data = _read(source, sum(size for _, _, size in entries))
        if names is None or data is None:
            return
        if first != _GO_ON:
            offset = first
        start, stamp = offset, (dos_time, dos_date)
        pieces: list[bytes] = []
        view = memoryview(data)
        at = named = 0
        for name_length, flags, size in entries:
            name = names[named : named + name_length]
            named += name_length
            packed, entry_crc, _ = deflate(view[at : at + size])
            at += size
            local, central = entry_headers(name, len(packed), entry_crc, size, offset, stamp, flags)
            pieces += (local, packed)
            records.append(central)
            offset += len(local) + len(packed)
        write_all_at(fd, b"".join(pieces), start)
        count += number
        crc = crc32(data, crc)


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer, int(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else None)
