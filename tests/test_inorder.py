"""`InOrder` (export/inorder.py): calls run on a thread of their own, in order, errors raised back."""

from __future__ import annotations

import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldnotes.export import inorder
from fieldnotes.export.inorder import InOrder


@settings(max_examples=100, deadline=None)
@given(sizes=st.lists(st.integers(min_value=0, max_value=600_000), max_size=60), calls=st.integers(1, 8))
def test_every_call_runs_once_in_the_order_made_off_the_callers_thread(sizes: list[int], calls: int) -> None:
    ran: list[tuple[int, str]] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(inorder, "_BATCH_CALLS", calls)  # batches of every size, hand-overs often
        work = InOrder("test-inorder")
        for number, size in enumerate(sizes):
            work.call(lambda n: ran.append((n, threading.current_thread().name)), number, size=size)
        work.finish()
    assert [number for number, _ in ran] == list(range(len(sizes)))
    assert {name for _, name in ran} <= {"test-inorder"}
    work.finish()  # again: nothing more, no error


def test_an_error_stops_the_work_and_comes_out_of_the_next_call_or_finish() -> None:
    ran: list[int] = []

    def fail() -> None:
        raise OSError(28, "No space left on device")

    work = InOrder("test-inorder")
    work.call(ran.append, 1)
    work.call(fail)
    work.call(ran.append, 2)  # after the failure: never runs
    with pytest.raises(OSError, match="No space"):
        work.finish()
    assert ran == [1]
    with pytest.raises(OSError, match="No space"):
        work.finish()  # and stays raised


def test_abandon_drops_what_has_not_run_and_ends_the_thread() -> None:
    gate = threading.Event()
    ran: list[int] = []
    work = InOrder("test-inorder-abandon")
    work.call(gate.wait)
    # Two batches handed over (the thread waits in the first), the rest still held: fewer
    # than `_WAITING` batches, so the caller is never blocked by the waiting thread.
    calls = 2 * inorder._BATCH_CALLS + inorder._BATCH_CALLS // 2
    for number in range(calls):
        work.call(ran.append, number)
    gate.set()
    work.abandon()
    assert len(ran) <= 2 * inorder._BATCH_CALLS - 1
    assert not any(thread.name == "test-inorder-abandon" for thread in threading.enumerate())
    with pytest.raises(RuntimeError, match="ended"):
        work.call(ran.append, -1)
