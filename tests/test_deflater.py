"""`DeflateBeside` (export/deflater.py): a .qdpx's sources deflated in a helper process,
the same bytes as deflated here, and nothing lost when the helper is not there."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
import time
import zipfile
import zlib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from isal import isal_zlib

from fieldnotes.export import deflater as deflater_module
from fieldnotes.export import inorder, refi, zipwriter
from fieldnotes.export.deflater import DeflateBeside, serve
from fieldnotes.export.zipwriter import LEVEL, SMALL_ENTRY, ZipWriter, deflate, entry_level
from fieldnotes.service import FieldNotes
from tests.conftest import make_note

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

ENTRIES = st.lists(st.binary(max_size=5000) | st.text(max_size=800).map(str.encode), max_size=12)


@pytest.fixture(scope="module")
def helper() -> Iterator[DeflateBeside]:
    with DeflateBeside() as started:
        assert started.running
        yield started


def _process(deflater: DeflateBeside) -> subprocess.Popen[bytes]:
    process = deflater._helper
    assert process is not None
    return process


@settings(max_examples=300, deadline=None)
@given(batches=st.lists(ENTRIES.filter(bool), min_size=1, max_size=4))
def test_the_helper_deflates_each_entry_as_it_is_deflated_here(
    helper: DeflateBeside, batches: list[list[bytes]]
) -> None:
    for batch in batches:
        assert helper.deflate_all(batch) == [deflate(entry) for entry in batch]


def test_small_entries_are_deflated_fast_and_large_ones_small(helper: DeflateBeside) -> None:
    """Below `SMALL_ENTRY` the level that skips level 1's per-entry tables; from it, level 1:
    in this process and in the helper alike, each inflating back to its bytes."""
    text = b"Coalition meeting at the Harbor House; the director spoke of arrest and rescue. " * 1000
    small, large = text[: SMALL_ENTRY - 1], text[: SMALL_ENTRY + 4096]
    for entry in (small, large):
        packed, crc, size = deflate(entry)
        assert zlib.decompress(packed, -15) == entry and (crc, size) == (zlib.crc32(entry), len(entry))
        assert packed == isal_zlib.compress(entry, entry_level(len(entry)), -15)
    assert (entry_level(len(small)), entry_level(len(large))) == (0, LEVEL)
    assert len(deflate(small)[0]) > len(isal_zlib.compress(small, LEVEL, -15))  # the price: a larger entry
    assert helper.deflate_all([small, large]) == [deflate(small), deflate(large)]


@settings(max_examples=150, deadline=None)
@given(
    before=ENTRIES,
    inside=ENTRIES,
    after=ENTRIES,
    streamed=st.lists(st.binary(max_size=2000), max_size=4),
    batch=st.sampled_from([1, 700, 4 << 20]),
)
def test_an_archive_written_with_the_helper_is_byte_for_byte_the_one_without(
    helper: DeflateBeside,
    before: list[bytes],
    inside: list[bytes],
    after: list[bytes],
    streamed: list[bytes],
    batch: int,
) -> None:
    """Entries added before, during and after a streamed one, in batches of every size."""

    def archive(deflater: DeflateBeside | None) -> bytes:
        buffer = io.BytesIO()
        with ZipWriter(
            buffer, datetime(2026, 1, 2), background=deflater is not None, deflater=deflater
        ) as zip_:
            for number, data in enumerate(before):
                zip_.add(f"before/{number}.txt", data)
            with zip_.stream("project.qde") as sink:
                for piece in streamed:
                    sink.write(piece)
                for number, data in enumerate(inside):
                    zip_.add(f"inside/{number}.txt", data)
            for number, data in enumerate(after):
                zip_.add(f"after/{number}.txt", data)
            zip_.close()
        return buffer.getvalue()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(zipwriter, "_BATCH", batch)
        written = archive(helper)
    assert written == archive(None)
    with zipfile.ZipFile(io.BytesIO(written)) as read:
        assert read.testzip() is None


def _archive_of(entries: list[bytes], deflater: DeflateBeside) -> dict[str, bytes]:
    buffer = io.BytesIO()
    with ZipWriter(buffer, datetime(2026, 1, 2), background=True, deflater=deflater) as archive:
        for number, data in enumerate(entries):
            archive.add(f"sources/{number}.txt", data)
        archive.close()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as read:
        assert read.testzip() is None
        return {name: read.read(name) for name in read.namelist()}


ENTRY_SET = [os.urandom(300) + b"field note " * number for number in range(400)]


def test_a_helper_killed_mid_export_leaves_the_rest_to_the_archives_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(zipwriter, "_BATCH", 20_000)  # many batches
    with DeflateBeside() as deflater:
        process = _process(deflater)
        answered = 0
        real = DeflateBeside.deflate_all

        def kill_after_two(self: DeflateBeside, entries: list[bytes]) -> list[tuple[bytes, int, int]] | None:
            nonlocal answered
            answered += 1
            if answered == 3:
                process.kill()
            return real(self, entries)

        monkeypatch.setattr(DeflateBeside, "deflate_all", kill_after_two)
        written = _archive_of(ENTRY_SET, deflater)
        assert not deflater.running  # given up on: the rest were deflated here
    assert written == {f"sources/{number}.txt": data for number, data in enumerate(ENTRY_SET)}
    assert answered > 3 and process.poll() is not None


def test_a_helper_that_cannot_start_leaves_the_deflating_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deflater_module, "spawn_helper", lambda module: None, raising=False)
    from fieldnotes.export import beside

    monkeypatch.setattr(beside, "spawn_helper", lambda module: None)
    with DeflateBeside() as deflater:
        assert not deflater.running
        assert deflater.deflate_all([b"x"]) is None
        assert _archive_of(ENTRY_SET[:5], deflater) == {
            f"sources/{number}.txt": data for number, data in enumerate(ENTRY_SET[:5])
        }


@pytest.mark.parametrize(
    "answer",
    [
        b"",  # nothing
        b"\x00\x00\x00\x07",  # another count
        b"\x00\x00\x00\x01" + b"\x00" * 12,  # an empty deflate stream, and a CRC of nothing
        b"\x00\x00\x00\x01" + b"\x00\x00\x00\x00" + (1 << 40).to_bytes(8, "big"),  # a terabyte promised
        # not its CRC:
        b"\x00\x00\x00\x01" + (12345).to_bytes(4, "big") + (2).to_bytes(8, "big") + b"\x03\x00",
    ],
    ids=["silent", "wrong-count", "empty-stream", "absurd-size", "wrong-crc"],
)
def test_a_helper_that_answers_the_wrong_thing_is_given_up_and_nothing_is_lost(
    answer: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fieldnotes.export import beside

    def liar(module: str) -> subprocess.Popen[bytes]:
        code = (
            f"import sys; sys.stdin.buffer.read(4); sys.stdout.buffer.write({answer!r}); sys.stdout.flush()"
        )
        return subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    monkeypatch.setattr(beside, "spawn_helper", liar)
    monkeypatch.setattr(zipwriter, "_BATCH", 1)  # one entry a batch: the count can fit, what follows not
    with DeflateBeside() as deflater:
        written = _archive_of(ENTRY_SET[:50], deflater)
        assert not deflater.running
    assert written == {f"sources/{number}.txt": data for number, data in enumerate(ENTRY_SET[:50])}


@given(st.binary(max_size=200_000) | st.text(max_size=5000).map(str.encode))
@settings(max_examples=200, deadline=None)
def test_the_bound_on_a_deflated_size_holds_for_incompressible_and_compressible_bytes(data: bytes) -> None:
    assert len(deflate(data)[0]) <= deflater_module._most_deflated(len(data))


def test_the_bound_holds_for_megabytes_of_noise() -> None:
    noise = os.urandom(5 << 20)
    assert len(deflate(noise)[0]) <= deflater_module._most_deflated(len(noise))


def test_a_stuck_helper_is_given_up_and_the_archive_is_finished_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deflater_module, "_PATIENCE", 0.5)
    monkeypatch.setattr(zipwriter, "_BATCH", 20_000)
    with DeflateBeside() as deflater:
        process = _process(deflater)
        os.kill(process.pid, signal.SIGSTOP)  # answers nothing, never
        written = _archive_of(ENTRY_SET, deflater)
        assert not deflater.running
    assert written == {f"sources/{number}.txt": data for number, data in enumerate(ENTRY_SET)}
    assert process.poll() is not None  # killed and reaped


def test_a_failing_export_stops_a_stuck_helper_instead_of_waiting_for_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(zipwriter, "_BATCH", 20_000)
    monkeypatch.setattr(inorder, "_BATCH_CALLS", 1)  # each batch handed to the thread at once
    asked = threading.Event()
    real = DeflateBeside.deflate_all

    def asking(self: DeflateBeside, entries: list[bytes]) -> list[tuple[bytes, int, int]] | None:
        asked.set()
        return real(self, entries)

    monkeypatch.setattr(DeflateBeside, "deflate_all", asking)
    with DeflateBeside() as deflater:
        process = _process(deflater)
        os.kill(process.pid, signal.SIGSTOP)  # the archive's thread waits on it
        buffer = io.BytesIO()
        moment = datetime(2026, 1, 2)
        began = time.monotonic()
        with (
            pytest.raises(OSError, match="disk"),
            ZipWriter(buffer, moment, background=True, deflater=deflater) as archive,
        ):
            for number, data in enumerate(ENTRY_SET[:60]):  # a batch or two: sent
                archive.add(f"sources/{number}.txt", data)
            assert asked.wait(10)  # the thread waits on the helper now
            raise OSError("the disk is full")
        assert time.monotonic() - began < 10  # killed at once, not after the watchdog's 30 s
        assert process.poll() is not None
    assert not any(thread.name == "fieldnotes-zip" for thread in threading.enumerate())


def test_the_helper_ends_at_a_zero_count_or_the_end_of_its_input() -> None:
    out = io.BytesIO()
    request = (1).to_bytes(4, "big") + (3).to_bytes(8, "big") + b"abc" + (0).to_bytes(4, "big") + b"junk"
    serve(io.BytesIO(request), out)
    answer = out.getvalue()
    packed, crc, _ = deflate(b"abc")
    assert answer == (1).to_bytes(4, "big") + crc.to_bytes(4, "big") + len(packed).to_bytes(8, "big") + packed
    serve(io.BytesIO(b"\x00\x00"), io.BytesIO())  # cut short: ends, no error


def test_a_large_qdpx_is_deflated_beside_and_is_the_same_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = FieldNotes.open(tmp_path / "db.json")
    service.upsert_many(
        [make_note(title=f"Visit {number}", body="Met the outreach team. " * number) for number in range(60)]
    )
    moment = datetime(2026, 1, 2, 3, 4, 5).astimezone()
    monkeypatch.setattr(refi, "HELPER_MIN_NOTES", 10**9)
    service.export_qdpx(tmp_path / "here.qdpx", moment=moment, researcher="R")
    started: list[DeflateBeside] = []
    real_init = DeflateBeside.__init__

    def counted(self: DeflateBeside) -> None:
        real_init(self)
        started.append(self)

    monkeypatch.setattr(refi, "HELPER_MIN_NOTES", 1)
    monkeypatch.setattr(DeflateBeside, "__init__", counted)
    service.export_qdpx(tmp_path / "beside.qdpx", moment=moment, researcher="R")
    service.close()
    assert len(started) == 1 and not started[0].running  # used, then stopped
    with zipfile.ZipFile(tmp_path / "here.qdpx") as here, zipfile.ZipFile(tmp_path / "beside.qdpx") as beside:
        assert here.namelist() == beside.namelist()
        assert all(here.read(name) == beside.read(name) for name in here.namelist())
    assert (tmp_path / "here.qdpx").read_bytes() == (tmp_path / "beside.qdpx").read_bytes()
