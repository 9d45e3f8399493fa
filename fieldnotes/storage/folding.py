"""A fold of the journal on a thread of its own, beside an export's writing.

Before an export the journal is folded into the main file, so that what leaves the
laptop is whole in the file any TinyDB program opens. The fold rewrites and fsyncs
the main file (0.4 to 0.5 s at 50,000 notes, mostly in the kernel: the untouched
notes are copied by `copy_file_range`), while the export builds its files from a
snapshot already taken. So the service runs the fold beside the writing, and the
export's files wait for it before they are put in place (`ExportJob.settled`): a
fold that fails stops them, as a fold before the export did.

While it runs nothing else may use the store (it is not shared between threads):
the export reads only its snapshot, and the ledger line is written after `wait`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class FoldBeside:
    """`fold` run on a thread, started at once; `wait` returns when it is done and raises
    what it raised (each time it is called)."""

    def __init__(self, fold: Callable[[], object]) -> None:
        self._error: BaseException | None = None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(fold,), name="fieldnotes-fold")
        self._thread.start()

    def _run(self, fold: Callable[[], object]) -> None:
        try:
            fold()
        except BaseException as exc:  # handed to whoever waits
            self._error = exc
        finally:
            self._done.set()

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def wait(self) -> None:
        """Until the fold has ended (known from its event, not from `Thread.join`, which on
        Python 3.11 and 3.12 marks a thread stopped when a Ctrl-C interrupts the join: the
        interpreter would then exit under a fold still writing)."""
        self._done.wait()
        self._thread.join()
        if self._error is not None:
            raise self._error
