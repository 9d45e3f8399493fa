"""Calls run one after another on a thread of their own, in the order they were made.

For work that leaves the interpreter (deflating with ISA-L, checksums, writes), so the
caller's Python goes on meanwhile on a two-core laptop. Calls are handed over in
batches (a queue hand-over per call would cost more than a small call itself), and at
most `_WAITING` batches wait: the caller blocks rather than hold a whole export in memory.

The first error stops the work; the caller meets it at its next call, or at `finish`.
Whatever ends the work (`finish`, `abandon`, an error, a Ctrl-C while waiting), the
thread has stopped running calls when it returns or raises: the caller may close what
the calls write to. Stopping is known from an event the thread sets as it ends, never
from `Thread.join`, which on Python 3.11 and 3.12 marks a thread stopped when a Ctrl-C
interrupts the join, whether it is or not.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

_BATCH_BYTES = 1 << 20  # the data a batch carries before it is handed over
_BATCH_CALLS = 512
_WAITING = 4
_POLL = 0.1  # seconds: the thread looks again (an end mark whose wake-up a Ctrl-C cut off)

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
        self._ended = False  # no more calls taken
        self._marked = False  # the end mark is in the queue
        self._done = threading.Event()  # set by the thread as it ends
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    @property
    def running(self) -> bool:
        """Whether the thread may still run a call."""
        return not self._done.is_set()

    def call(self, fn: Callable[..., object], *args: object, size: int = 0) -> None:
        self._check()
        self._batch.append((fn, args))
        self._held += size
        if self._held >= _BATCH_BYTES or len(self._batch) >= _BATCH_CALLS:
            self._hand_over()

    def finish(self) -> None:
        """Run every call made, then end the thread; raise the first error one met."""
        if not self._ended:
            try:
                self._check()
                self._hand_over()
            except BaseException:
                self.abandon()
                raise
            self._ended = True
            try:
                self._mark()
                self._wait()
            except BaseException:  # a Ctrl-C: stop rather than leave the thread writing
                self._stop()
                raise
        if self._error is not None:
            raise self._error

    def abandon(self) -> None:
        """End the thread without the calls not yet run (the caller is failing already),
        and wait until it has stopped."""
        self._ended = True
        self._batch = []
        self._stop()

    def _check(self) -> None:
        if self._error is not None:
            raise self._error
        if self._ended:
            raise RuntimeError("the work has ended")

    def _hand_over(self) -> None:
        if self._batch:
            batch, self._batch, self._held = self._batch, [], 0
            self._queue.put(batch)

    def _mark(self) -> None:
        if not self._marked:
            self._queue.put(None)  # a second mark, after one a Ctrl-C cut short, does no harm
            self._marked = True

    def _stop(self) -> None:
        self._dropping = True  # the thread empties the queue, so there is room for the mark
        self._mark()
        self._wait()

    def _wait(self) -> None:
        self._done.wait()
        self._thread.join()  # it has run its last call: only its return is left

    def _run(self) -> None:
        try:
            while True:
                try:
                    batch = self._queue.get(timeout=_POLL)
                except queue.Empty:
                    continue
                if batch is None:
                    return
                if self._error is not None or self._dropping:
                    continue  # emptied, so a caller blocked on a full queue goes on
                try:
                    for fn, args in batch:
                        fn(*args)
                        if self._dropping:
                            break
                except BaseException as exc:  # raised to the caller at its next call
                    self._error = exc
        finally:
            self._done.set()
