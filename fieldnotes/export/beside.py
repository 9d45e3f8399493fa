"""The name check's possible names, looked for in a helper process beside an export's writing.

An export's name check reads every exported text and only yields warnings, which
the report shows once the files are written. At 50,000 notes it takes 1.5 to 6
seconds of pure Python, which a thread cannot overlap (the GIL). `NamesBeside`
runs it in a helper process on the other core instead: a fresh interpreter
(`python -m fieldnotes.export.beside`) that is sent the texts once they are
gathered, and answers with the possible names when asked.

Not a fork: a forked child shares the parent's pages copy-on-write, and the parent,
writing the export meanwhile, touches every note, so every page it touches is
copied (300 MB more at 50,000 notes). The parent never holds the joined texts
either: they go down the pipe a megabyte at a time, and only the helper holds
them whole, about the size of the notes' text.

On the pipe: the texts, UTF-8, each followed by a line break, in chunks of
`<length: 8 bytes big-endian><bytes>`, a zero length to end them; then a pickle
of (layout, known names, places per name); back, a pickle of ("ok", possible
names) or ("error", message).

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
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from fieldnotes.privacy import PossibleName, TextLayout

HELPER_MIN_NOTES = 2_000
"""Below this many notes the check runs in the process itself: a helper takes 0.1 to 0.2 s
of the other core to start, about what the check of 2,000 notes takes."""
_CHUNK = 1 << 20  # characters of text sent at once
_LENGTH = struct.Struct(">Q")


class NamesBeside:
    """A helper process looking for possible names in the texts it is sent (`send`);
    `result` waits for its answer. Use it as a context manager: leaving the block stops a
    helper still running."""

    def __init__(self, known: list[str], limit_places: int = 5) -> None:
        self._known = known
        self._limit = limit_places
        self._pipe: IO[bytes] | None = None
        self._helper = _spawn()
        if self._helper is not None:
            self._pipe = self._helper.stdin

    @property
    def running(self) -> bool:
        """Whether a helper was started (and not stopped)."""
        return self._helper is not None

    def send(self, texts: list[str], layout: TextLayout) -> None:
        """Send the texts and where each lies (`gather_texts`), and let the helper work. The
        texts go a chunk at a time: never joined whole here."""
        batch: list[str] = []
        held = 0
        for text in texts:
            batch.append(text)
            held += len(text)
            if held >= _CHUNK:
                self._send_chunk(batch)
                batch, held = [], 0
        if batch:
            self._send_chunk(batch)
        self._write(_LENGTH.pack(0))
        self._write(pickle.dumps((layout, self._known, self._limit), protocol=pickle.HIGHEST_PROTOCOL))
        self._close_pipe()

    def _send_chunk(self, batch: list[str]) -> None:
        data = ("\n".join(batch) + "\n").encode("utf-8", "surrogatepass")
        self._write(_LENGTH.pack(len(data)) + data)

    def _write(self, data: bytes) -> None:
        if self._pipe is None:
            return
        try:
            self._pipe.write(data)
        except OSError:  # the helper is gone: no answer will come, the caller checks itself
            self._close_pipe()

    def _close_pipe(self) -> None:
        if self._pipe is not None:
            with contextlib.suppress(OSError):
                self._pipe.close()
            self._pipe = None

    def result(self) -> list[PossibleName] | None:
        """The helper's answer, or None when it gave none: then the caller checks itself."""
        helper = self._helper
        if helper is None or helper.stdout is None:
            return None
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
        self._close_pipe()
        if helper.poll() is None:
            helper.kill()
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
    if not sys.executable or getattr(sys, "frozen", False):  # a bundled app: no interpreter to run
        return None
    # The helper imports fieldnotes as this process does (from an install or a checkout), and
    # is told nothing of the database (no passphrase, no path): it reads only what it is sent.
    env = {name: value for name, value in os.environ.items() if not name.startswith("FIELDNOTES")}
    env["PYTHONPATH"] = os.pathsep.join(path for path in sys.path if path)
    try:
        return subprocess.Popen(
            # -P: never the working folder's own `fieldnotes`, should there be one.
            [sys.executable, "-P", "-m", "fieldnotes.export.beside"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,  # not stopped by the terminal's Ctrl-C: the export stops it
        )
    except OSError:
        return None


def serve(source: IO[bytes], answer: IO[bytes]) -> None:
    """The helper: read the texts and their layout from `source`, write the answer to `answer`."""
    from fieldnotes.privacy import CheckedTexts, possible_names

    try:
        body = bytearray()
        while True:
            head = source.read(_LENGTH.size)
            if len(head) != _LENGTH.size:
                raise EOFError("the texts stopped short")
            (length,) = _LENGTH.unpack(head)
            if not length:
                break
            chunk = source.read(length)
            if len(chunk) != length:
                raise EOFError("the texts stopped short")
            body += chunk
        layout, known, limit = pickle.load(source)
        joined = body[:-1].decode("utf-8", "surrogatepass")  # without the last text's line break
        del body
        if len(joined) != max(layout.starts[-1] - 1, 0) or len(layout.owners) != len(layout.starts) - 1:
            raise ValueError("the texts and their layout do not fit")
        found = possible_names(CheckedTexts(joined, layout), known, limit_places=limit)
        payload = pickle.dumps(("ok", found), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # the parent checks itself, and meets the error there if it is real
        payload = pickle.dumps(("error", repr(exc)))
    answer.write(payload)
    answer.flush()


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
