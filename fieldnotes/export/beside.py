"""The name check's possible names, looked for in a helper process beside an export's writing.

An export's name check reads every exported text and only yields warnings, which
the report shows once the files are written. At 50,000 notes it takes 1.5 to 6
seconds of pure Python, which a thread cannot overlap (the GIL). `NamesBeside`
runs it in a helper process on the other core instead: a fresh interpreter
(`python -m fieldnotes.export.beside`) that is sent the texts once they are
gathered, and answers with the possible names when asked.

Not a fork: a forked child shares the parent's pages copy-on-write, and the parent,
writing the export meanwhile, touches every note, so every page it touches is
copied (300 MB more at 50,000 notes). Nor does either process hold the texts
joined: they go down the pipe a megabyte at a time, the helper reads each chunk
as it comes (`NameScan`) and keeps it deflated (about a quarter of its size) for
the one question asked of all the texts at the end, whether a word occurs in
lowercase. So the helper holds a few tens of megabytes at 50,000 notes.

On the pipe, each piece as `<length: 8 bytes big-endian><bytes>`: a pickle of
(layout, known names, places per name), then the texts, UTF-8, each followed by
a line break, in chunks of whole texts, and a zero length to end them; back, a
pickle of ("ok", possible names) or ("error", message).

Callers never go without the check: `result` is None when the helper gave no
answer (it could not start, failed, crashed, was killed, said nonsense), and the
caller then runs the check itself.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import struct
import subprocess
import sys
import threading
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from fieldnotes.privacy import PossibleName, TextLayout

HELPER_MIN_NOTES = 2_000
"""Below this many notes the check runs in the process itself: a helper takes 0.1 to 0.2 s
of the other core to start, about what the check of 2,000 notes takes."""
_CHUNK = 1 << 20  # characters of text sent at once
_LENGTH = struct.Struct(">Q")
_PIPE_BYTES = 1 << 20  # what a pipe to a helper holds, where the system allows it


class NamesBeside:
    """A helper process looking for possible names in the texts it is sent (`send`);
    `result` waits for its answer. Use it as a context manager: leaving the block stops a
    helper still running."""

    def __init__(self, known: list[str], limit_places: int = 5) -> None:
        self._known = known
        self._limit = limit_places
        self._pipe: IO[bytes] | None = None
        self._sender: threading.Thread | None = None
        self._sent = threading.Event()  # set by the sender as it ends (it closes the pipe)
        self._helper = _spawn()
        if self._helper is not None:
            self._pipe = self._helper.stdin

    @property
    def running(self) -> bool:
        """Whether a helper was started (and not stopped)."""
        return self._helper is not None

    def send(self, texts: list[str], layout: TextLayout) -> None:
        """Send where each text lies (`gather_texts`), then the texts a chunk at a time
        (never joined whole here), and let the helper work.

        The sending is a thread's own: the pipe holds 64 KB and the helper reads as fast as
        it scans, so sending from the export's thread would hold the writing up for the
        whole check. Blocked on the pipe, the sender leaves the interpreter to the writing;
        the texts are immutable strings, the notes' own."""
        if self._pipe is None:
            return
        header = pickle.dumps((layout, self._known, self._limit), protocol=pickle.HIGHEST_PROTOCOL)
        self._sender = threading.Thread(
            target=self._send_all, args=(header, texts), name="fieldnotes-names-beside", daemon=True
        )
        self._sender.start()

    def _send_all(self, header: bytes, texts: list[str]) -> None:
        try:
            if not self._write(_LENGTH.pack(len(header)) + header):
                return
            batch: list[str] = []
            held = 0
            for text in texts:
                batch.append(text)
                held += len(text)
                if held >= _CHUNK:
                    if not self._send_piece(batch):
                        return
                    batch, held = [], 0
            if batch and not self._send_piece(batch):
                return
            self._write(_LENGTH.pack(0))
        finally:
            self._close_pipe()
            self._sent.set()

    def _send_piece(self, batch: list[str]) -> bool:
        joined = "\n".join(batch) + "\n"
        if joined.isascii():  # known from the string itself: encoded as a copy
            data = joined.encode("ascii")
        else:  # each text alone: one curly quote no longer sends the megabyte through the slow loop
            data = b"\n".join([text.encode("utf-8", "surrogatepass") for text in batch]) + b"\n"
        return self._write(_LENGTH.pack(len(data)) + data)

    def _write(self, data: bytes) -> bool:
        """Whether `data` went down the pipe (if not, the helper is gone: no answer will
        come, and the caller checks itself)."""
        pipe = self._pipe
        if pipe is None:
            return False
        try:
            pipe.write(data)
        except (OSError, ValueError):  # ValueError: a pipe closed already
            return False
        return True

    def _wait_for_sender(self) -> None:
        """Until the sender has ended. Known from its event, not from `Thread.join`, which
        on Python 3.11 and 3.12 marks a thread stopped when a Ctrl-C interrupts the join:
        the pipe would then be closed under a sender still writing to it."""
        if self._sender is not None:
            self._sent.wait()
            self._sender.join()  # it has closed the pipe: only its return is left
            self._sender = None

    def _close_pipe(self) -> None:
        """Close the pipe to the helper: the sender's own while it runs, else the caller's."""
        pipe, self._pipe = self._pipe, None
        if pipe is not None:
            with contextlib.suppress(OSError):
                pipe.close()

    def result(self) -> list[PossibleName] | None:
        """The helper's answer, or None when it gave none: then the caller checks itself."""
        helper = self._helper
        if helper is None or helper.stdout is None:
            return None
        try:
            self._wait_for_sender()
        except BaseException:
            self.cancel()
            raise
        self._close_pipe()
        try:
            raw = helper.stdout.read()
        except OSError:
            raw = b""
        finally:
            self.cancel()
        try:
            answer = pickle.loads(raw)
        except Exception:  # a helper killed mid-answer, or crashed before it
            return None
        if isinstance(answer, tuple) and len(answer) == 2 and answer[0] == "ok" and _names(answer[1]):
            return answer[1]  # type: ignore[no-any-return]
        return None

    def cancel(self) -> None:
        """Stop the helper if it still runs, and reap it."""
        helper = self._helper
        if helper is None:
            return
        if helper.poll() is None:
            helper.kill()  # first: a sender blocked on the full pipe then fails at once
        self._wait_for_sender()  # interrupted again, the sender still closes the pipe itself
        self._close_pipe()
        if helper.stdout is not None:
            with contextlib.suppress(OSError):
                helper.stdout.close()
        helper.wait()
        self._helper = None

    def __enter__(self) -> NamesBeside:
        return self

    def __exit__(self, *exc: object) -> None:
        self.cancel()


def _names(value: object) -> bool:
    """Whether `value` is what `possible_names` returns."""
    from fieldnotes.privacy import PossibleName

    return isinstance(value, list) and all(isinstance(item, PossibleName) for item in value)


def _spawn() -> subprocess.Popen[bytes] | None:
    """The helper, started; None when it cannot be."""
    return spawn_helper("fieldnotes.export.beside")


def spawn_helper(module: str, *args: str, pass_fds: tuple[int, ...] = ()) -> subprocess.Popen[bytes] | None:
    """`python -m module args...` with pipes to and from it (and the descriptors `pass_fds`
    open in it), started; None when it cannot be."""
    if not sys.executable or getattr(sys, "frozen", False):  # a bundled app: no interpreter to run
        return None
    # The helper imports fieldnotes as this process does (from an install or a checkout), and
    # is told nothing of the database (no passphrase, no path): it reads only what it is sent.
    env = {name: value for name, value in os.environ.items() if not name.startswith("FIELDNOTES")}
    env["PYTHONPATH"] = os.pathsep.join(path for path in sys.path if path)
    try:
        helper = subprocess.Popen(
            # -P: never the working folder's own `fieldnotes`, should there be one.
            [sys.executable, "-P", "-m", module, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,  # not stopped by the terminal's Ctrl-C: the export stops it
            pass_fds=pass_fds,
        )
    except (OSError, ValueError):  # ValueError: descriptors to pass where they cannot be
        return None
    for pipe in (helper.stdin, helper.stdout):
        if pipe is not None:
            _widen(pipe.fileno())
    return helper


def _widen(fd: int) -> None:
    """Let the pipe hold a megabyte (Linux; 64 KB by default): a thread reading a batch
    back then leaves the interpreter, and waits to come back, a few times, not dozens."""
    try:
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
    except (ImportError, AttributeError, OSError):  # another system, or a lower limit: as it is
        pass


def _piece(source: IO[bytes]) -> bytes:
    """The next length-prefixed piece (b"": the end of the texts)."""
    head = source.read(_LENGTH.size)
    if len(head) != _LENGTH.size:
        raise EOFError("the texts stopped short")
    (length,) = _LENGTH.unpack(head)
    data = source.read(length) if length else b""
    if len(data) != length:
        raise EOFError("the texts stopped short")
    return data


def serve(source: IO[bytes], answer: IO[bytes]) -> None:
    """The helper: read the layout, then the texts, from `source`; answer to `answer`."""
    from isal import isal_zlib

    from fieldnotes.privacy import NameScan, TextLayout, occurs_in_lowercase

    try:
        layout, known, limit = pickle.loads(_piece(source))
        if not isinstance(layout, TextLayout) or len(layout.owners) != len(layout.starts) - 1:
            raise ValueError("not a layout of texts")
        scan = NameScan(layout, known, limit_places=limit)
        kept: list[bytes] = []  # each chunk deflated, for the lowercase test at the end
        base = 0
        while chunk := _piece(source):
            segment = chunk.decode("utf-8", "surrogatepass")
            scan.read(segment, base)
            base += len(segment)
            kept.append(isal_zlib.compress(chunk, 1))
        if base != layout.starts[-1]:
            raise ValueError("the texts and their layout do not fit")

        def in_lowercase(words: list[str]) -> set[str]:
            found: set[str] = set()
            for packed in kept:
                segment = isal_zlib.decompress(packed).decode("utf-8", "surrogatepass")
                found.update(
                    word for word in words if word not in found and occurs_in_lowercase(word, segment)
                )
            return found

        payload = pickle.dumps(("ok", scan.result(in_lowercase)), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # the parent checks itself, and meets the error there if it is real
        payload = pickle.dumps(("error", repr(exc)))
    answer.write(payload)
    answer.flush()


if __name__ == "__main__":
    with contextlib.suppress(AttributeError, OSError):  # not on Windows
        os.nice(5)  # on a busy machine the export's own writing goes first
    serve(sys.stdin.buffer, sys.stdout.buffer)
