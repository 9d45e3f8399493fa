"""Calls run one after another on a thread of their own, in the order they were made.

For work that leaves the interpreter (deflating with ISA-L, checksums, writes), so the
caller's Python goes on meanwhile on a two-core laptop. Calls are handed over in
batches (a queue hand-over per call would cost more than a small call itself), and at
most `_WAITING` batches wait: the caller blocks rather than hold a whole export in memory.

The first error stops the work; the caller meets it at its next call, or at `finish`.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

_BATCH_BYTES = 1 << 20  # the data a batch carries before it is handed over
_BATCH_CALLS = 512
_WAITING = 4

Call = tuple[Callable[..., object], tuple[object, ...]]


class InOrder:
    """`call(fn, *args, size=bytes)` runs `fn(*args)` on the thread, after every earlier
    call; `finish` waits for them all, `abandon` drops those not yet run. Either ends it."""

    def __init__(self, name: str) -> None:
        self._queue: queue.Queue[list[Call] | None] = queue.Queue(maxsize=_WAITING)
        self._batch: list[Call] = []
        self._held = 0
        self._error: BaseException | None = None
        self._dropping = False
        self._ended = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def call(self, fn: Callable[..., object], *args: object, size: int = 0) -> None:
        self._check()
        self._batch.append((fn, args))
        self._held += size
        if self._held >= _BATCH_BYTES or len(self._batch) >= _BATCH_CALLS:
            self._hand_over()

    def finish(self) -> None:
        """Run every call made, then end the thread; raise the first error one met."""
        if not self._ended:
            self._check()
            self._hand_over()
            self._end()
        if self._error is not None:
            raise self._error

    def abandon(self) -> None:
        """End the thread without the calls not yet run (the caller is failing already)."""
        if not self._ended:
            self._dropping = True
            self._batch = []
            self._end()

    def _check(self) -> None:
        if self._error is not None:
            raise self._error
        if self._ended:
            raise RuntimeError("the work has ended")

    def _hand_over(self) -> None:
        if self._batch:
            batch, self._batch, self._held = self._batch, [], 0
            self._queue.put(batch)

    def _end(self) -> None:
        self._ended = True
        try:
            self._queue.put(None)
        finally:
            self._thread.join()

    def _run(self) -> None:
        while (batch := self._queue.get()) is not None:
            if self._error is not None or self._dropping:
                continue  # emptied, so a caller blocked on a full queue goes on
            try:
                for fn, args in batch:
                    fn(*args)
                    if self._dropping:
                        break
            except BaseException as exc:  # raised to the caller at its next call
                self._error = exc
