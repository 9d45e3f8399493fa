"""`InOrder` (export/inorder.py): calls run on a thread of their own, in order, errors raised back."""

from __future__ import annotations

import threading
from collections.abc import Callable

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


def test_a_ctrl_c_while_finish_waits_on_a_full_queue_stops_the_thread_before_it_raises(
    ctrl_c: Callable[[float], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inorder, "_BATCH_CALLS", 1)  # each call a batch: the queue fills
    gate = threading.Event()
    ran: list[int] = []
    work = InOrder("test-inorder-interrupted")
    work.call(gate.wait)  # the thread waits in it
    for number in range(inorder._WAITING):
        work.call(ran.append, number)
    threading.Timer(0.6, gate.set).start()
    ctrl_c(0.2)  # while finish waits to put its end mark
    with pytest.raises(KeyboardInterrupt):
        work.finish()
    assert not work.running  # stopped before the caller goes on (and closes the file)
    assert ran == []  # what had not run is dropped
    with pytest.raises(RuntimeError, match="ended"):
        work.call(ran.append, -1)
    work.abandon()  # and again: returns at once


def test_a_ctrl_c_while_finish_waits_for_the_last_calls_stops_them(
    ctrl_c: Callable[[float], None],
) -> None:
    gate = threading.Event()
    ran: list[int] = []
    work = InOrder("test-inorder-interrupted-wait")
    work.call(gate.wait)
    work.call(ran.append, 1)
    threading.Timer(0.6, gate.set).start()
    ctrl_c(0.2)  # while finish waits for the thread
    with pytest.raises(KeyboardInterrupt):
        work.finish()
    assert not work.running
    assert gate.is_set()  # so finish waited for the call under way to end
    threading.Event().wait(0.3)
    assert ran == []  # and the one after it never ran, then or later


def test_finish_raising_an_error_already_met_ends_the_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inorder, "_BATCH_CALLS", 1)

    def fail() -> None:
        raise OSError(28, "No space left on device")

    work = InOrder("test-inorder-failed")
    work.call(fail)
    with pytest.raises(OSError, match="No space"):  # met at a later call, once the thread ran it
        for _ in range(500):
            work.call(threading.Event().wait, 0.01)
    with pytest.raises(OSError, match="No space"):
        work.finish()
    assert not work.running
