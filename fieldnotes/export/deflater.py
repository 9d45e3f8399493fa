"""Zip entries deflated in a helper process, for the archive's thread (`ZipWriter`).

A thread that deflates 50,000 small sources leaves the interpreter 50,000 times, and
each time it comes back while the export computes it waits up to the switch interval
(5 ms) for the interpreter: the deflating of a 50,000-note `.qdpx` then happened only
while the export waited on a full queue (1.1 s of 6 s). A helper process
(`python -m fieldnotes.export.deflater`) deflates them on the other core instead; the
archive's thread sends a few megabytes of entries at a time and reads them back
deflated, leaving the interpreter a few times a batch, not once an entry.

On the pipe, a batch: `<count: 4 bytes><count sizes: 8 bytes each><the entries' bytes>`,
and a count of 0 to end; back: `<count><count of (CRC-32: 4 bytes, deflated size: 8
bytes)><the deflated bytes>`, each entry deflated as `zipwriter.deflate` does it (the
same bytes: ISA-L at the same level, `entry_level`). Big-endian throughout.

Nothing is lost when the helper is not there: `deflate_all` returns None when it could
not start, failed, died or said something that does not fit the batch, and the archive's
thread then deflates that batch and every later one itself.
"""

from __future__ import annotations

import contextlib
import struct
import subprocess
import sys
import threading
from typing import IO

from isal import isal_zlib
from isal.isal_zlib import crc32

from fieldnotes.export.zipwriter import entry_level

_COUNT = struct.Struct(">I")
_SIZE = struct.Struct(">Q")
_ANSWER = struct.Struct(">IQ")  # CRC-32, deflated size
_MOST = 1 << 20  # entries in one batch, at most (a check on what comes back)
_PATIENCE = 30.0  # seconds a batch may take (a few megabytes: some 30 ms) before the helper is given up


class DeflateBeside:
    """A helper process deflating the entries it is sent (`deflate_all`). Use it from one
    thread, as a context manager: leaving the block stops it."""

    def __init__(self) -> None:
        from fieldnotes.export.beside import spawn_helper

        self._helper: subprocess.Popen[bytes] | None = spawn_helper("fieldnotes.export.deflater")

    @property
    def running(self) -> bool:
        return self._helper is not None

    def deflate_all(self, entries: list[bytes]) -> list[tuple[bytes, int, int]] | None:
        """(deflated, CRC-32, size) of each entry, or None (and the helper stopped) when the
        helper gave no fitting answer: the caller then deflates them itself."""
        helper = self._helper
        if helper is None or helper.stdin is None or helper.stdout is None or not entries:
            return None
        # A helper that hangs (stopped, starved) is given up on rather than waited for.
        watchdog = threading.Timer(_PATIENCE, self.kill)
        watchdog.daemon = True
        watchdog.start()
        try:
            sizes = [len(entry) for entry in entries]
            head = _COUNT.pack(len(entries)) + b"".join(_SIZE.pack(size) for size in sizes)
            helper.stdin.write(head + b"".join(entries))
            helper.stdin.flush()
            answer = _read(helper.stdout, _COUNT.size)
            if answer is None or _COUNT.unpack(answer)[0] != len(entries):
                raise EOFError("the helper answered another batch")
            table = _read(helper.stdout, _ANSWER.size * len(entries))
            if table is None:
                raise EOFError("the helper stopped short")
            answers = list(_ANSWER.iter_unpack(table))
            for (crc, length), entry in zip(answers, entries, strict=True):
                # Checked before a byte is read: a deflate stream is 2 bytes or more, and
                # never much longer than what it holds; the CRC is of the bytes sent (a
                # helper out of step with the pipe would give another).
                if not 2 <= length <= _most_deflated(len(entry)) or crc != crc32(entry):
                    raise EOFError("the helper's answer does not fit what it was sent")
            packed = _read(helper.stdout, sum(length for _, length in answers))
            if packed is None:
                raise EOFError("the helper stopped short")
        except (OSError, ValueError, EOFError, struct.error):
            self.close()
            return None
        finally:
            watchdog.cancel()
        out = []
        at = 0
        view = memoryview(packed)
        for (crc, length), size in zip(answers, sizes, strict=True):
            out.append((bytes(view[at : at + length]), crc, size))
            at += length
        return out

    def kill(self) -> None:
        """Stop the helper now, from any thread: a batch under way fails (and is deflated
        by the archive's thread itself); `close` still reaps it."""
        helper = self._helper
        if helper is not None:
            with contextlib.suppress(OSError):
                helper.kill()

    def close(self) -> None:
        """Stop the helper (telling it the batches are over when it still listens) and reap it."""
        helper, self._helper = self._helper, None
        if helper is None:
            return
        if helper.stdin is not None:
            with contextlib.suppress(OSError, ValueError):
                helper.stdin.write(_COUNT.pack(0))
                helper.stdin.close()
        try:
            helper.wait(timeout=2)
        except subprocess.TimeoutExpired:
            helper.kill()
            helper.wait()
        if helper.stdout is not None:
            with contextlib.suppress(OSError):
                helper.stdout.close()

    def __enter__(self) -> DeflateBeside:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _most_deflated(size: int) -> int:
    """More than raw deflate ever makes of `size` bytes (ISA-L adds about 0.02% to noise),
    and far less than an answer that would have the archive's thread read without end."""
    return size + size // 64 + 1024


def _read(source: IO[bytes], length: int) -> bytes | None:
    data = source.read(length) if length else b""
    return data if len(data) == length else None


def serve(source: IO[bytes], sink: IO[bytes]) -> None:
    """The helper: answer each batch until a count of 0 or the end of the input."""
    while True:
        head = _read(source, _COUNT.size)
        if head is None:
            return
        (count,) = _COUNT.unpack(head)
        if count == 0 or count > _MOST:
            return
        table = _read(source, _SIZE.size * count)
        if table is None:
            return
        sizes = [size for (size,) in _SIZE.iter_unpack(table)]
        data = _read(source, sum(sizes))
        if data is None:
            return
        view = memoryview(data)
        answers, packed = [], []
        at = 0
        for size in sizes:
            entry = view[at : at + size]
            at += size
            out = isal_zlib.compress(entry, entry_level(size), -15)
            answers.append(_ANSWER.pack(crc32(entry), len(out)))
            packed.append(out)
        sink.write(_COUNT.pack(count) + b"".join(answers) + b"".join(packed))
        sink.flush()


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
