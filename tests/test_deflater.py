"""`DeflateBeside` (export/deflater.py): a .qdpx's sources deflated and written to the archive
by a helper process; the same bytes as written here, and a .qdpx still whole when the
helper fails (written again without it)."""

from __future__ import annotations

import contextlib
import io
import os
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
import zlib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from isal import isal_zlib

from fieldnotes.export import beside, inorder, refi, zipwriter
from fieldnotes.export import deflater as deflater_module
from fieldnotes.export.deflater import DeflateBeside, HelperGone, serve
from fieldnotes.export.zipwriter import LEVEL, SMALL_ENTRY, ZipWriter, deflate, entry_level
from fieldnotes.service import FieldNotes
from tests.conftest import make_note

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

ENTRIES = st.lists(st.binary(max_size=5000) | st.text(max_size=800).map(str.encode), max_size=12)
MOMENT = datetime(2026, 1, 2)
ENTRY_SET = [os.urandom(300) + b"field note " * number for number in range(400)]
EXPECTED = {f"sources/{number}.txt": data for number, data in enumerate(ENTRY_SET)}


def _process(deflater: DeflateBeside) -> subprocess.Popen[bytes]:
    process = deflater._helper
    assert process is not None
    return process


def _write(file: IO[bytes], entries: list[bytes], deflater: DeflateBeside | None) -> None:
    with ZipWriter(file, MOMENT, background=True, deflater=deflater) as archive:
        with archive.stream("project.qde", last=True) as sink:
            sink.write(b"<Project/>")
            for number, data in enumerate(entries):
                archive.add(f"sources/{number}.txt", data)
        archive.close()


def _archive(entries: list[bytes], *, helped: bool) -> bytes:
    """The archive of `entries` (added while project.qde streams, as a .qdpx's sources are)."""
    with tempfile.TemporaryFile() as file:
        with DeflateBeside(file.fileno()) if helped else contextlib.nullcontext() as deflater:
            assert deflater is None or deflater.running
            _write(file, entries, deflater)
        file.seek(0)
        return file.read()


def _contents(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as read:
        assert read.testzip() is None
        return {name: read.read(name) for name in read.namelist() if name != "project.qde"}


@settings(max_examples=100, deadline=None)
@given(
    before=ENTRIES,
    inside=ENTRIES,
    after=ENTRIES,
    streamed=st.lists(st.binary(max_size=2000), max_size=4),
    batch=st.sampled_from([1, 700, 4 << 20]),
    last=st.booleans(),
)
def test_an_archive_written_with_the_helper_is_byte_for_byte_the_one_without(
    before: list[bytes],
    inside: list[bytes],
    after: list[bytes],
    streamed: list[bytes],
    batch: int,
    last: bool,
) -> None:
    """Entries added before, during and after a streamed one (kept to go last or streamed
    to the file, when this thread writes between the helper's batches), in batches of
    every size."""

    def archive(helped: bool) -> bytes:
        with tempfile.TemporaryFile() as file:
            with (
                DeflateBeside(file.fileno()) if helped else contextlib.nullcontext() as deflater,
                ZipWriter(file, MOMENT, background=True, deflater=deflater) as zip_,
            ):
                for number, data in enumerate(before):
                    zip_.add(f"before/{number}.txt", data)
                with zip_.stream("project.qde", last=last) as sink:
                    for piece in streamed:
                        sink.write(piece)
                    for number, data in enumerate(inside):
                        zip_.add(f"inside/{number}.txt", data)
                for number, data in enumerate(after):
                    zip_.add(f"after/{number}.txt", data)
                zip_.close()
            file.seek(0)
            return file.read()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(zipwriter, "_BATCH", batch)
        written = archive(True)
    assert written == archive(False)
    with zipfile.ZipFile(io.BytesIO(written)) as read:
        assert read.testzip() is None


def test_small_entries_are_deflated_fast_and_large_ones_small() -> None:
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
    assert _archive([small, large], helped=True) == _archive([small, large], helped=False)


def test_the_thread_never_waits_for_the_helper_batch_by_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    """The records are asked for once, at the end, whatever the number of batches."""
    monkeypatch.setattr(zipwriter, "_BATCH", 20_000)
    syncs = 0
    real = DeflateBeside.sync

    def counted(self: DeflateBeside) -> tuple[int, int, bytes]:
        nonlocal syncs
        syncs += 1
        return real(self)

    monkeypatch.setattr(DeflateBeside, "sync", counted)
    assert _contents(_archive(ENTRY_SET, helped=True)) == EXPECTED
    assert syncs == 1


def test_a_helper_killed_mid_archive_fails_it_rather_than_leave_it_short(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(zipwriter, "_BATCH", 20_000)  # many batches
    sent = 0
    real = DeflateBeside.write

    def kill_after_two(self: DeflateBeside, *args: object) -> None:
        nonlocal sent
        sent += 1
        if sent == 3:
            _process(self).kill()
        real(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(DeflateBeside, "write", kill_after_two)
    with tempfile.TemporaryFile() as file, DeflateBeside(file.fileno()) as deflater:
        process = _process(deflater)
        with pytest.raises(HelperGone):
            _write(file, ENTRY_SET, deflater)
        assert not deflater.running
    assert sent >= 3 and process.poll() is not None


def test_a_helper_that_cannot_start_leaves_the_writing_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(beside, "spawn_helper", lambda *args, **kwargs: None)
    with tempfile.TemporaryFile() as file, DeflateBeside(file.fileno()) as deflater:
        assert not deflater.running
        with pytest.raises(HelperGone):
            deflater.write([(b"a.txt", 0, b"x")], 0, (0, 0))
        _write(file, ENTRY_SET[:5], deflater)
        file.seek(0)
        assert _contents(file.read()) == {f"sources/{number}.txt": ENTRY_SET[number] for number in range(5)}


@contextlib.contextmanager
def _liar(answer: bytes) -> Iterator[None]:
    """A helper that reads what it is sent, gives `answer` when asked for the records, and ends."""
    code = (
        "import os, sys\n"
        "while chunk := os.read(0, 65536):\n"
        "    if chunk.endswith(bytes(16)):\n"
        f"        sys.stdout.buffer.write({answer!r}); sys.stdout.flush(); break\n"
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            beside,
            "spawn_helper",
            lambda *args, **kwargs: subprocess.Popen(
                [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE
            ),
        )
        yield


def _records(count: int, end: int, crc: int, records: bytes) -> bytes:
    return struct.pack(">QQIQ", count, end, crc, len(records)) + records


@pytest.mark.parametrize(
    "answer",
    [
        b"",  # nothing
        _records(7, 100, 0, bytes(46 * 7)),  # another count
        _records(5, 100, 12345, bytes(46 * 5)),  # not the CRC of what was sent
        _records(5, 100, 0, bytes(10)),  # records too short for five entries
        _records(5, 100, 0, bytes(46 * 5))[:-1],  # cut short
        struct.pack(">QQIQ", 5, 100, 0, 1 << 40),  # a terabyte of records promised
    ],
    ids=["silent", "wrong-count", "wrong-crc", "short-records", "cut-short", "absurd-length"],
)
def test_a_helper_that_answers_the_wrong_thing_fails_the_archive(answer: bytes) -> None:
    with _liar(answer), tempfile.TemporaryFile() as file, DeflateBeside(file.fileno()) as deflater:
        assert deflater.running
        with pytest.raises(HelperGone):
            _write(file, ENTRY_SET[:5], deflater)
        assert not deflater.running


def test_a_stuck_helper_is_given_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deflater_module, "_PATIENCE", 0.5)
    monkeypatch.setattr(zipwriter, "_BATCH", 20_000)
    with tempfile.TemporaryFile() as file, DeflateBeside(file.fileno()) as deflater:
        process = _process(deflater)
        os.kill(process.pid, signal.SIGSTOP)  # reads nothing, answers nothing, never
        began = time.monotonic()
        with pytest.raises(HelperGone):
            _write(file, ENTRY_SET, deflater)
        assert time.monotonic() - began < 10
        assert not deflater.running
    assert process.poll() is not None  # killed and reaped


def test_a_failing_export_stops_a_stuck_helper_instead_of_waiting_for_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(zipwriter, "_BATCH", 2 << 20)  # more than the pipe holds
    monkeypatch.setattr(inorder, "_BATCH_CALLS", 1)  # each batch handed to the thread at once
    asked = threading.Event()
    real = DeflateBeside.write

    def asking(self: DeflateBeside, *args: object) -> None:
        asked.set()
        real(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(DeflateBeside, "write", asking)
    with tempfile.TemporaryFile() as file, DeflateBeside(file.fileno()) as deflater:
        process = _process(deflater)
        os.kill(process.pid, signal.SIGSTOP)  # the archive's thread waits on it
        began = time.monotonic()
        with (
            pytest.raises(OSError, match="disk"),
            ZipWriter(file, MOMENT, background=True, deflater=deflater) as archive,
        ):
            for number, data in enumerate(ENTRY_SET * 3):  # one batch, that fills the pipe
                archive.add(f"sources/{number}.txt", data)
            assert asked.wait(10)  # the thread writes to the helper now, and stays blocked
            time.sleep(0.2)
            raise OSError("the disk is full")
        assert time.monotonic() - began < 10  # killed at once, not after the watchdog's 30 s
    assert process.wait(5) == -signal.SIGKILL
    assert not any(thread.name == "fieldnotes-zip" for thread in threading.enumerate())


def test_an_archive_at_descriptor_2_is_whole_with_stderr_closed(tmp_path: Path) -> None:
    """Run with stderr closed, a process opens its archive as descriptor 2, which in the
    helper is its own stderr (/dev/null): the helper gets a descriptor of its own."""
    code = f"""
import os, zipfile
from datetime import datetime
from fieldnotes.export.deflater import DeflateBeside
from fieldnotes.export.zipwriter import ZipWriter
os.close(2)
fd = os.open({str(tmp_path / "a.zip")!r}, os.O_RDWR | os.O_CREAT, 0o600)
assert fd == 2, fd
with open(fd, "w+b", closefd=False) as file:
    moment = datetime(2026, 1, 2)
    with DeflateBeside(fd) as helper, ZipWriter(file, moment, background=True, deflater=helper) as archive:
        assert helper.running
        for number in range(300):
            archive.add(f"sources/{{number}}.txt", b"field note " * number)
        archive.close()
with zipfile.ZipFile({str(tmp_path / "a.zip")!r}) as read:
    assert read.testzip() is None and len(read.namelist()) == 300
print("whole")
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "whole", done.stderr


def test_a_helper_writing_to_another_file_fails_the_archive(monkeypatch: pytest.MonkeyPatch) -> None:
    """Its answer fits what it was sent, but the file does not hold the entries."""
    with tempfile.TemporaryFile() as elsewhere:

        def astray(fd: int) -> subprocess.Popen[bytes] | None:
            return beside.spawn_helper(
                "fieldnotes.export.deflater", str(elsewhere.fileno()), pass_fds=(elsewhere.fileno(),)
            )

        monkeypatch.setattr(deflater_module, "_spawn_on", astray)
        with tempfile.TemporaryFile() as file, DeflateBeside(file.fileno()) as deflater:
            assert deflater.running
            with pytest.raises(HelperGone, match="not where"):
                _write(file, ENTRY_SET[:50], deflater)
        elsewhere.seek(0)
        assert elsewhere.read(4) == b"PK\x03\x04"  # where it all went


def test_the_helper_never_writes_to_a_descriptor_of_another_file() -> None:
    with tempfile.TemporaryFile() as file, tempfile.TemporaryFile() as other:
        out = io.BytesIO()
        wrong = deflater_module._identity(other.fileno())
        serve(io.BytesIO(_batch([(b"a.txt", b"abc")], 0) + bytes(16)), out, file.fileno(), wrong)
        assert os.fstat(file.fileno()).st_size == 0 and out.getvalue() == b""
        right = deflater_module._identity(file.fileno())
        serve(io.BytesIO(_batch([(b"a.txt", b"abc")], 0) + bytes(16)), out, file.fileno(), right)
        assert os.pread(file.fileno(), 4, 0) == b"PK\x03\x04"


def test_many_small_entries_go_a_bounded_number_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Empty entries weigh nothing: a batch also ends at `_BATCH_ENTRIES` of them."""
    monkeypatch.setattr(zipwriter, "_BATCH_ENTRIES", 64)
    sizes: list[int] = []
    real = DeflateBeside.write

    def counted(self: DeflateBeside, entries: list[tuple[bytes, int, bytes]], *args: object) -> None:
        sizes.append(len(entries))
        real(self, entries, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(DeflateBeside, "write", counted)
    assert _contents(_archive([b""] * 1000, helped=True)) == {f"sources/{n}.txt": b"" for n in range(1000)}
    assert max(sizes) == 64 and sum(sizes) == 1000


def test_a_ctrl_c_while_the_helper_is_stopped_still_reaps_it(monkeypatch: pytest.MonkeyPatch) -> None:
    with tempfile.TemporaryFile() as file:
        deflater = DeflateBeside(file.fileno())
        process = _process(deflater)
        real_wait = subprocess.Popen.wait
        interrupted = False

        def interrupt_once(self: subprocess.Popen[bytes], timeout: float | None = None) -> int:
            nonlocal interrupted
            if not interrupted:
                interrupted = True
                raise KeyboardInterrupt
            return real_wait(self, timeout)

        monkeypatch.setattr(subprocess.Popen, "wait", interrupt_once)
        with pytest.raises(KeyboardInterrupt):
            deflater.close()
        monkeypatch.undo()
        assert process.returncode is not None  # reaped: no zombie left
        assert not deflater.running


def _batch(entries: list[tuple[bytes, bytes]], first: int, stamp: tuple[int, int] = (1, 2)) -> bytes:
    table = b"".join(struct.pack(">HHQ", len(name), 0, len(data)) for name, data in entries)
    names = b"".join(name for name, _ in entries)
    return struct.pack(">IqHH", len(entries), first, *stamp) + table + names + b"".join(d for _, d in entries)


def test_the_helper_writes_each_entry_at_its_place_and_answers_with_their_records() -> None:
    """Two batches, the second going on after the first, then the records: each entry as
    `entry_headers` lays it out; past 4 GiB the records carry the ZIP64 offset."""
    entries = [(b"a.txt", b"abc"), (b"b.txt", b"field note " * 50)]
    far = 5 << 30
    request = _batch(entries[:1], far) + _batch(entries[1:], -1) + bytes(16)
    with tempfile.TemporaryFile() as file:
        out = io.BytesIO()
        serve(io.BytesIO(request), out, file.fileno())
        expected_file = b""
        records = b""
        offset = far
        crc = 0
        for name, data in entries:
            packed, entry_crc, size = deflate(data)
            local, central = zipwriter.entry_headers(name, len(packed), entry_crc, size, offset, (1, 2))
            expected_file += local + packed
            records += central
            offset += len(local) + len(packed)
            crc = zlib.crc32(data, crc)
        assert os.pread(file.fileno(), len(expected_file), far) == expected_file
        assert out.getvalue() == _records(2, offset, crc, records)
        assert struct.pack("<HHQ", 1, 8, far) in records  # the ZIP64 extra field
    serve(io.BytesIO(b"\x00\x00"), io.BytesIO(), -1)  # cut short: ends, no error
    serve(io.BytesIO(_batch(entries, 0)[:-1]), io.BytesIO(), -1)  # a batch cut short: nothing written


def test_a_large_qdpx_is_written_beside_and_is_the_same_project(
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

    def counted(self: DeflateBeside, fd: int) -> None:
        real_init(self, fd)
        started.append(self)

    monkeypatch.setattr(refi, "HELPER_MIN_NOTES", 1)
    monkeypatch.setattr(DeflateBeside, "__init__", counted)
    service.export_qdpx(tmp_path / "beside.qdpx", moment=moment, researcher="R")
    assert len(started) == 1 and not started[0].running  # used, then stopped
    assert (tmp_path / "here.qdpx").read_bytes() == (tmp_path / "beside.qdpx").read_bytes()

    # A helper that dies mid-export: the .qdpx is written again without one, the same file.
    monkeypatch.setattr(zipwriter, "_BATCH", 2_000)  # many batches
    real_write = DeflateBeside.write

    def dying(self: DeflateBeside, *args: object) -> None:
        _process(self).kill()
        real_write(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(DeflateBeside, "write", dying)
    service.export_qdpx(tmp_path / "again.qdpx", moment=moment, researcher="R")
    service.close()
    assert len(started) == 2
    assert (tmp_path / "again.qdpx").read_bytes() == (tmp_path / "here.qdpx").read_bytes()
    assert sorted(path.name for path in tmp_path.iterdir() if "qdpx" in path.name) == [
        "again.qdpx",
        "beside.qdpx",
        "here.qdpx",
    ]  # no temp file left by the attempt thrown away
