"""The zip writer (export/zipwriter.py), read back by the standard library's zipfile."""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldnotes.errors import ImportRefusedError
from fieldnotes.export import zipwriter
from fieldnotes.export.zipwriter import ZipWriter
from fieldnotes.service import FieldNotes
from tests.conftest import make_note

NAMES = st.text(
    st.characters(exclude_categories=("Cs",), exclude_characters="\x00/\\"), min_size=1, max_size=30
).map(lambda name: f"sources/{name}.txt")
MOMENTS = st.datetimes(min_value=datetime(1980, 1, 1), max_value=datetime(2107, 12, 31))


@settings(max_examples=200, deadline=None)
@given(
    entries=st.dictionaries(
        NAMES, st.binary(max_size=3000) | st.text(max_size=500).map(str.encode), max_size=8
    ),
    streamed=st.lists(st.binary(max_size=2000), max_size=5),
    inside=st.integers(min_value=0, max_value=8),
    moment=MOMENTS,
    background=st.booleans(),
    last=st.booleans(),
)
def test_zipfile_reads_back_every_entry_its_bytes_time_and_mode(
    entries: dict[str, bytes],
    streamed: list[bytes],
    inside: int,
    moment: datetime,
    background: bool,
    last: bool,
) -> None:
    """The first `inside` entries are added while project.qde streams (as the .qdpx export
    adds each source beside its element): they follow it, in the order added; or, when it
    is kept to go `last`, they and every later entry come before it."""
    buffer = io.BytesIO()
    items = list(entries.items())
    with ZipWriter(buffer, moment, background=background) as archive:
        with archive.stream("project.qde", last=last) as sink:
            for number, piece in enumerate(streamed):
                sink.write(piece)
                if number == 0:
                    for name, data in items[:inside]:
                        archive.add(name, data)
            if not streamed:
                for name, data in items[:inside]:
                    archive.add(name, data)
        _add_all_and_close(archive, items[inside:])
    project, infos = _read_back(buffer.getvalue(), entries, last=last)
    assert project == b"".join(streamed)
    for info in infos:
        assert info.date_time == (*moment.timetuple()[:5], moment.second // 2 * 2)
        assert info.external_attr == 0o600 << 16
        assert info.compress_type == zipfile.ZIP_DEFLATED


def _add_all_and_close(archive: ZipWriter, items: list[tuple[str, bytes]]) -> None:
    for name, data in items:
        archive.add(name, data)
    archive.close()


def _read_back(
    data: bytes, entries: dict[str, bytes], *, last: bool = False
) -> tuple[bytes, list[zipfile.ZipInfo]]:
    """project.qde and every entry's header, once each entry and CRC are checked: project.qde
    first (or `last`), the entries in the order added."""
    with zipfile.ZipFile(io.BytesIO(data)) as read:
        assert read.testzip() is None  # every CRC holds
        assert read.namelist() == ([*entries, "project.qde"] if last else ["project.qde", *entries])
        for name, content in entries.items():
            assert read.read(name) == content
        return read.read("project.qde"), read.infolist()


class _FailingFile(io.BytesIO):
    """A disk that fills up after `room` bytes."""

    def __init__(self, room: int) -> None:
        super().__init__()
        self.room = room

    def write(self, data: bytes) -> int:  # type: ignore[override]
        if self.tell() + len(data) > self.room:
            raise OSError(28, "No space left on device")
        return super().write(data)


def test_a_write_that_fails_on_the_archive_thread_is_raised_to_the_writer() -> None:
    """The error comes out of a later call (or `close`), whichever the writer makes next."""
    disk = _FailingFile(room=5000)
    with (
        pytest.raises(OSError, match="No space"),
        ZipWriter(disk, datetime(2026, 1, 1), background=True) as archive,
    ):
        for number in range(2000):
            archive.add(f"sources/{number}.txt", os.urandom(200))
        archive.close()


def test_an_error_in_the_block_stops_the_archive_thread_and_the_archive_stays_unfinished() -> None:
    buffer = io.BytesIO()
    archive = ZipWriter(buffer, datetime(2026, 1, 1), background=True)
    with pytest.raises(KeyError), archive:
        for number in range(3000):
            archive.add(f"sources/{number}.txt", os.urandom(300))
        raise KeyError("the export failed")
    assert not any(thread.name == "fieldnotes-zip" for thread in threading.enumerate())
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(io.BytesIO(buffer.getvalue()))  # no directory: never taken for whole
    with pytest.raises(RuntimeError):
        archive.add("late.txt", b"after the end")  # the thread is gone: nothing more is taken


def test_more_entries_than_the_classic_directory_counts_take_the_zip64_end_records() -> None:
    buffer = io.BytesIO()
    archive = ZipWriter(buffer, datetime(2026, 1, 2, 3, 4, 5))
    count = 0x10000 + 5  # past 65,535
    for number in range(count):
        archive.add(f"sources/{number}.txt", str(number).encode())
    archive.close()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as read:
        infos = read.infolist()
        assert len(infos) == count
        assert read.read(f"sources/{count - 1}.txt") == str(count - 1).encode()


def test_an_offset_past_4_gib_goes_in_a_zip64_extra_field() -> None:
    local, central = zipwriter.entry_headers(
        b"a.txt", 3, 0, 1, 5 << 30, zipwriter.dos_stamp(datetime(2026, 1, 1))
    )
    assert central.endswith(
        b"a.txt" + (1).to_bytes(2, "little") + (8).to_bytes(2, "little") + (5 << 30).to_bytes(8, "little")
    )
    assert b"\xff\xff\xff\xff" in central  # the classic field says: look in the extra field
    assert local.endswith(b"a.txt")


def test_an_entry_of_4_gib_is_refused_not_written_wrong() -> None:
    with pytest.raises(ValueError, match="4 GiB"):
        zipwriter.entry_headers(b"big", 1 << 32, 0, 1 << 32, 0, (0, 0))


@pytest.mark.parametrize("background", [False, True])
def test_a_second_streamed_entry_cannot_start_inside_a_streamed_one(background: bool) -> None:
    buffer = io.BytesIO()
    with ZipWriter(buffer, datetime(2026, 1, 1), background=background) as archive:
        with archive.stream("project.qde") as sink:
            sink.write(b"<Project/>")
            with pytest.raises(RuntimeError, match="still being streamed"), archive.stream("other.xml"):
                pass
        archive.close()
    assert zipfile.ZipFile(buffer).namelist() == ["project.qde"]


@pytest.mark.parametrize("background", [False, True])
def test_after_a_streamed_entry_fails_the_writer_refuses_everything(background: bool) -> None:
    """The archive is incomplete: nothing more is quietly held or written to it."""
    buffer = io.BytesIO()
    archive = ZipWriter(buffer, datetime(2026, 1, 1), background=background)
    with pytest.raises(OSError, match="gone"), archive.stream("project.qde") as sink:
        sink.write(b"<Project>")
        raise OSError("the source is gone")
    for later in (lambda: archive.add("sources/a.txt", b"a"), archive.close):
        with pytest.raises(RuntimeError, match="incomplete"):
            later()
    with pytest.raises(RuntimeError, match="incomplete"), archive.stream("other.xml"):
        pass
    archive.__exit__(OSError, None, None)  # as a `with` block would: the thread stops


@pytest.mark.parametrize("name", ["/etc/passwd", "sources/../../x.txt", "..", "a\\b.txt", "a\x00b", ""])
def test_a_name_that_could_write_outside_the_folder_is_refused(name: str) -> None:
    archive = ZipWriter(io.BytesIO(), datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="unsafe"):
        archive.add(name, b"x")


def test_a_size_of_exactly_0xffffffff_is_refused_it_means_see_zip64() -> None:
    with pytest.raises(ValueError, match="4 GiB"):
        zipwriter.entry_headers(b"big", 0xFFFFFFFF, 0, 16, 0, (0, 0))


@pytest.mark.parametrize(
    ("clock", "stored"),
    [
        (datetime(1975, 6, 15, 12, 30), (1980, 1, 1, 0, 0, 0)),
        (datetime(2108, 2, 29, 23, 59, 59), (2107, 12, 31, 23, 59, 58)),
        (datetime(2024, 2, 29, 23, 59, 59), (2024, 2, 29, 23, 59, 58)),
    ],
)
def test_a_clock_outside_what_zip_can_hold_gives_the_nearest_real_date(
    clock: datetime, stored: tuple[int, ...]
) -> None:
    buffer = io.BytesIO()
    archive = ZipWriter(buffer, clock)
    archive.add("a.txt", b"x")
    archive.close()
    assert zipfile.ZipFile(buffer).infolist()[0].date_time == stored


def test_a_note_whose_id_is_a_path_is_exported_under_a_safe_name(tmp_path: Path) -> None:
    """Only a crafted or hand-edited database holds such an id; its .qdpx must not hold a
    `../` entry that an unzip would write outside its folder, and the text stays reachable."""
    with FieldNotes.open(tmp_path / "crafted.json") as service:
        service.add(make_note(id="../../evil", title="Crafted", body="the body survives"))
        service.add(make_note(title="Plain", body="plain body"))
        service.export_qdpx(tmp_path / "out.qdpx")
    archive = zipfile.ZipFile(tmp_path / "out.qdpx")
    names = archive.namelist()
    assert names[-1] == "project.qde"
    assert all(name.startswith("sources/") and ".." not in name for name in names[:-1])
    project = ET.fromstring(archive.read("project.qde"))
    source = next(e for e in project.iter() if e.tag.endswith("TextSource") and e.get("guid") == "../../evil")
    path = source.get("plainTextPath", "").replace("internal://", "sources/")
    assert archive.read(path).decode().endswith("the body survives")
    with FieldNotes.open(tmp_path / "fresh.json") as fresh:  # import refuses the id by name
        with pytest.raises(ImportRefusedError, match=r"'\.\./\.\./evil' is not a lowercase UUID"):
            fresh.import_notes(tmp_path / "out.qdpx")
        fresh.import_notes(tmp_path / "out.qdpx", skip_bad=True)
        assert [note.body for note in fresh.notes()] == ["plain body"]


def test_an_export_removes_the_stale_temp_file_a_killed_export_of_the_same_file_left(tmp_path: Path) -> None:
    """A kill -9 mid-export leaves `.NAME.XXXXXXXX.tmp` (note text, half written) beside the
    target; the next export of that file removes it once it is stale, and leaves a younger
    one, which may be another export still writing, and other files' temp files alone."""
    exports = tmp_path / "exports"  # apart from the database, whose folder the store tidies itself
    exports.mkdir()
    stale = exports / ".out.qdpx.abcd1234.tmp"
    young = exports / ".out.qdpx.efgh5678.tmp"
    other = exports / ".other.qdpx.abcd1234.tmp"
    for path in (stale, young, other):
        path.write_bytes(b"half a project")
    hour_ago = time.time() - 3600
    for path in (stale, other):
        os.utime(path, (hour_ago, hour_ago))
    with FieldNotes.open(tmp_path / "notes.json") as service:
        service.add(make_note(body="text"))
        service.export_qdpx(exports / "out.qdpx")
    assert not stale.exists()
    assert young.exists() and other.exists()


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.integers(min_value=0, max_value=5000), min_size=1, max_size=40),
    inside=st.integers(min_value=0, max_value=40),
    batch=st.integers(min_value=1, max_value=6000),
    helper=st.booleans(),
    last=st.booleans(),
)
def test_entries_written_in_batches_of_any_size_read_back_whole(
    sizes: list[int], inside: int, batch: int, helper: bool, last: bool
) -> None:
    """Entries go to the file a batch of bytes at a time (`_BATCH`, 4 MB; here as small as one
    byte), held while project.qde streams or not, deflated by the helper or not: every entry,
    its offset and the directory still fit."""
    from unittest import mock

    from fieldnotes.export import zipwriter
    from fieldnotes.export.deflater import DeflateBeside

    entries = {f"sources/{number}.txt": bytes([number % 251]) * size for number, size in enumerate(sizes)}
    items = list(entries.items())
    with (
        tempfile.TemporaryFile() as file,  # the helper writes to the file itself
        mock.patch.object(zipwriter, "_BATCH", batch),
        DeflateBeside(file.fileno()) if helper else contextlib.nullcontext() as deflater,
        ZipWriter(file, datetime(2026, 1, 2), background=True, deflater=deflater) as archive,
    ):
        with archive.stream("project.qde", last=last) as sink:
            sink.write(b"<Project/>")
            for name, data in items[:inside]:
                archive.add(name, data)
        _add_all_and_close(archive, items[inside:])
        file.seek(0)
        written = file.read()
    assert _read_back(written, entries, last=last)[0] == b"<Project/>"


@pytest.mark.parametrize("background", [False, True])
def test_an_entry_kept_to_go_last_leaves_a_later_stream_as_any_other(background: bool) -> None:
    """After the entry kept in memory, another streamed entry still holds what is added
    while it streams until it ends; the kept one is still the archive's last, and a second
    one kept to go last is refused."""
    buffer = io.BytesIO()
    with ZipWriter(buffer, datetime(2026, 1, 2), background=background) as archive:
        archive.add("first.txt", b"1")
        with archive.stream("project.qde", last=True) as sink:
            sink.write(b"<Project>")
            archive.add("during-last.txt", b"2")
            sink.write(b"</Project>")
        with archive.stream("log.txt") as sink:
            sink.write(b"streamed ")
            archive.add("during-log.txt", b"3")
            sink.write(b"to the file")
        with pytest.raises(RuntimeError, match="already kept"), archive.stream("other.qde", last=True):
            pass
        archive.add("after.txt", b"4")
        archive.close()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as read:
        assert read.testzip() is None
        assert read.namelist() == [
            "first.txt",
            "during-last.txt",
            "log.txt",
            "during-log.txt",
            "after.txt",
            "project.qde",
        ]
        assert read.read("project.qde") == b"<Project></Project>"
        assert read.read("log.txt") == b"streamed to the file"
