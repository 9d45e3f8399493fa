"""Zip archives written directly: deflated entries, owner-only, one timestamp for all.

`zipfile` spends ~50 µs of Python on every entry it writes (a ZipInfo, a writer
object, a seek back to patch the local header): 2.5 s for the 50,000 sources of a
large `.qdpx`. Here an entry is deflated whole and written with its header in one call
(`add`), or streamed and its header patched once (`stream`), or streamed into memory
deflated and written whole when the archive closes (`stream(last=True)`, for `project.qde`). The
central directory follows the last entry, with the ZIP64 records when the archive holds
65,535 entries or more or its directory lies past 4 GiB. With a helper process
(`deflater.DeflateBeside`), added entries are deflated and written to the file by it, and
its records join the directory before this writer writes anything itself. The tests read
every archive back with `zipfile`.

Deflating is ISA-L's (`isal`): the raw deflate every zip reader inflates, twice zlib's
speed at the same size on field notes (the 300 MB of a 50,000-note `.qdpx`: 3.3 s with
zlib at level 1, 1.1 s with ISA-L at level 1, on the 2-core test machine).

The format: PKWARE's APPNOTE.TXT, sections 4.3 (layout) and 4.5.3 (ZIP64 extra field).
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, BinaryIO

from isal import isal_zlib
from isal.isal_zlib import crc32

from fieldnotes.export.inorder import InOrder
from fieldnotes.files import PRIVATE_FILE

if TYPE_CHECKING:
    from fieldnotes.export.deflater import DeflateBeside

LEVEL = 1  # ISA-L's levels run 0-3; at 1, text deflates as small as with zlib at 1, twice as fast
# Entries smaller than this are deflated at level 0. Level 1 sets up about 11 µs of tables
# for each entry whatever its size: the 50,000 sources of a `.qdpx` (2 KB each) took 0.65 s
# at level 1 and 0.31 s at level 0, and came out 21% larger (45 MB, not 37.5 MB).
SMALL_ENTRY = 64 << 10
_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_END = struct.Struct("<IHHHHIIH")
_END64 = struct.Struct("<IQHHIIQQQQ")
_LOCATOR = struct.Struct("<IIQI")
_MADE_BY = 3 << 8 | 20  # Unix (so the owner-only mode is honoured), spec 2.0
_NEEDS = 20  # deflate
_NEEDS64 = 45  # ZIP64
_DEFLATED = 8
_UTF8_NAME = 0x800
_MAX32 = 0xFFFFFFFF
_MAX16 = 0xFFFF
_BATCH = 4 << 20  # bytes of entries sent to a helper at once (`DeflateBeside`)
_BATCH_ENTRIES = 1 << 16  # or this many entries, however small


def dos_stamp(moment: datetime) -> tuple[int, int]:
    """(time, date) as a zip header holds them: two-second steps, from 1980-01-01 to the end
    of 2107 (a clock outside that range gives the nearest end, a real date either way)."""
    if moment.year < 1980:
        moment = datetime(1980, 1, 1)
    elif moment.year > 2107:
        moment = datetime(2107, 12, 31, 23, 59, 58)
    return (
        moment.hour << 11 | moment.minute << 5 | moment.second // 2,
        (moment.year - 1980) << 9 | moment.month << 5 | moment.day,
    )


def entry_level(size: int) -> int:
    """The ISA-L level an entry of `size` bytes is deflated at (`SMALL_ENTRY`)."""
    return 0 if size < SMALL_ENTRY else LEVEL


def deflate(data: bytes) -> tuple[bytes, int, int]:
    """Raw deflate (as a zip entry stores it), the CRC-32 and the size of `data`."""
    return isal_zlib.compress(data, entry_level(len(data)), -15), crc32(data), len(data)


def entry_headers(
    name: bytes, packed: int, crc: int, size: int, offset: int, stamp: tuple[int, int], flags: int = 0
) -> tuple[bytes, bytes]:
    """A deflated entry's local header (with its name) and its central directory record.

    `packed` is the deflated length. An offset past 4 GiB goes in a ZIP64 extra field."""
    if packed >= _MAX32 or size >= _MAX32:  # 0xFFFFFFFF itself means "see the ZIP64 field"
        raise ValueError(f"{name.decode(errors='replace')}: an entry of 4 GiB or more")
    dos_time, dos_date = stamp
    local = _LOCAL.pack(
        0x04034B50, _NEEDS, flags, _DEFLATED, dos_time, dos_date, crc, packed, size, len(name), 0
    )
    extra = b""
    needs = _NEEDS
    if offset >= _MAX32:
        extra = struct.pack("<HHQ", 1, 8, offset)
        offset, needs = _MAX32, _NEEDS64
    central = _CENTRAL.pack(
        *(0x02014B50, _MADE_BY, needs, flags, _DEFLATED, dos_time, dos_date, crc, packed, size, len(name)),
        *(len(extra), 0, 0, 0, PRIVATE_FILE << 16, offset),
    )
    return local + name, central + name + extra


def end_records(count: int, directory_size: int, directory_offset: int) -> bytes:
    """What closes an archive: the end of central directory record, after the ZIP64 end
    record and its locator when a count or an offset does not fit the classic one."""
    out = b""
    if count >= _MAX16 or directory_size >= _MAX32 or directory_offset >= _MAX32:
        end64_at = directory_offset + directory_size
        out += _END64.pack(
            0x06064B50,
            _END64.size - 12,
            _MADE_BY,
            _NEEDS64,
            0,
            0,
            count,
            count,
            directory_size,
            directory_offset,
        )
        out += _LOCATOR.pack(0x07064B50, 0, end64_at, 1)
    return out + _END.pack(
        0x06054B50,
        0,
        0,
        min(count, _MAX16),
        min(count, _MAX16),
        min(directory_size, _MAX32),
        min(directory_offset, _MAX32),
        0,
    )


def _name(name: str) -> tuple[bytes, int]:
    """The entry name as stored, and its flag; a name that could write outside the folder
    it is extracted to (absolute, `..`, a backslash or a NUL) is refused."""
    parts = name.split("/")
    if not name or name.startswith("/") or "\\" in name or "\x00" in name or ".." in parts:
        raise ValueError(f"unsafe name for a zip entry: {name!r}")
    return (name.encode("ascii"), 0) if name.isascii() else (name.encode("utf-8"), _UTF8_NAME)


class ZipWriter:
    """Write a zip archive to `raw` (seekable, positioned at 0); `close` writes the directory.

    With `background`, the deflating, the checksums and the writes run on a thread of
    the writer's own, in the order called (`InOrder`), while the caller builds what
    comes next: ISA-L's deflate and the writes leave the interpreter to it (1 to 1.5 s
    of a 50,000-note `.qdpx`). Then use it as a context manager: leaving the block waits
    for the thread, and on an error stops it first (the archive is unfinished). Its
    errors (a full disk) come out of the next call, or of `close`."""

    def __init__(
        self,
        raw: BinaryIO,
        moment: datetime,
        *,
        background: bool = False,
        deflater: DeflateBeside | None = None,
    ) -> None:
        self._raw = raw
        self._stamp = dos_stamp(moment)
        self._offset = 0  # these belong to whoever runs the calls (`_call`)
        self._directory: list[bytes] = []  # central directory records, one or more a piece
        self._count = 0  # the entries they record
        self._sink: _Sink | None = None
        self._held: list[tuple[bytes, int, bytes, int, int]] = []  # added while streaming
        self._last: _Last | None = None  # a streamed entry kept deflated, to go last (`stream`)
        self._to_memory = False  # the entry streaming now is the one kept to go last
        self._streaming = False
        self._kept_last = False  # the caller's own: an entry was streamed with `last`
        self._broken = False  # a streamed entry failed: the archive can only be thrown away
        self._worker = InOrder("fieldnotes-zip") if background else None
        self._call: Callable[..., object] = self._worker.call if self._worker else _now
        # With a helper (background only), entries go to it a batch at a time, and it writes
        # them to the file (`DeflateBeside`); one that could not start is no helper.
        self._deflater = deflater if background and deflater is not None and deflater.running else None
        self._batch: list[tuple[bytes, int, bytes]] = []
        self._batch_bytes = 0

    def add(self, name: str, data: bytes) -> None:
        """One entry, deflated whole. Added while an entry is streamed to the file, it is
        deflated at once and written after that one, in the order added (held deflated
        meanwhile); while one kept to go last streams (`stream(last=True)`), written now.
        With a helper, a failure of it comes out of a later call as `HelperGone`: the
        archive is then incomplete."""
        self._check_whole()
        encoded, flags = _name(name)
        if self._deflater is None:
            self._call(self._add, encoded, flags, data, size=len(data))
            return
        self._batch.append((encoded, flags, data))
        self._batch_bytes += len(data)
        if self._batch_bytes >= _BATCH or len(self._batch) >= _BATCH_ENTRIES:
            self._send_batch()

    def _send_batch(self) -> None:
        """Hand the entries added so far to the archive's thread, to go to the helper."""
        if self._batch:
            batch, self._batch = self._batch, []
            self._call(self._add_batch, batch, size=self._batch_bytes)
            self._batch_bytes = 0

    def _add_batch(self, batch: list[tuple[bytes, int, bytes]]) -> None:
        """Entries to the helper, which writes them from the archive's end; while an entry
        streams to the file, deflated here and held (the file is the stream's)."""
        assert self._deflater is not None
        if self._file_streaming:
            self._held += [(encoded, flags, *deflate(data)) for encoded, flags, data in batch]
            return
        self._deflater.write(batch, self._offset, self._stamp)

    @property
    def _file_streaming(self) -> bool:
        """Whether an entry streams to the file now (not one kept to go last): what is
        added meanwhile is held until it ends."""
        return self._sink is not None and not self._to_memory

    def _settle(self) -> None:
        """Before this thread writes to the file: what the helper wrote is in it, and its
        records are the directory's (`DeflateBeside.sync`)."""
        deflater = self._deflater
        if deflater is not None and deflater.pending:
            count, end, records = deflater.sync()
            self._directory.append(records)
            self._count += count
            self._offset = end
            self._raw.seek(end)

    def _add(self, encoded: bytes, flags: int, data: bytes) -> None:
        self._add_deflated([(encoded, flags, *deflate(data))])

    def _add_deflated(self, entries: list[tuple[bytes, int, bytes, int, int]]) -> None:
        """Held while an entry streams to the file (written after it), else written now."""
        if self._file_streaming:
            self._held += entries
        else:
            self._write_entries(entries)

    def _write_entries(self, entries: list[tuple[bytes, int, bytes, int, int]]) -> None:
        """Deflated entries, in order, a few megabytes to a write (the 50,000 sources of a
        `.qdpx`, held while project.qde streamed, went one write each: 0.2 s of the end)."""
        self._settle()
        stamp, directory, offset = self._stamp, self._directory, self._offset
        self._count += len(entries)
        pieces: list[bytes] = []
        held = 0
        for encoded, flags, packed, crc, size in entries:
            local, central = entry_headers(encoded, len(packed), crc, size, offset, stamp, flags)
            pieces += (local, packed)
            directory.append(central)
            offset += len(local) + len(packed)
            held += len(local) + len(packed)
            if held >= _BATCH:
                self._raw.write(b"".join(pieces))
                pieces.clear()
                held = 0
        if pieces:
            self._raw.write(b"".join(pieces))
        self._offset = offset

    @contextmanager
    def stream(self, name: str, *, last: bool = False) -> Iterator[_Stream]:
        """One entry written in pieces (`sink.write(bytes)`); its header is patched at the end.
        An exception inside leaves the writer refusing every later call: the archive is
        incomplete and must be thrown away (the exports write it to a temp file).

        With `last`, the entry is kept deflated in memory and written by `close`, after every
        other entry; those added meanwhile go to the file as they come, not held until it
        ends (the .qdpx export: its 50,000 sources, held, were written while the export
        waited at the end; project.qde, kept instead, is a third of their size deflated)."""
        self._check_whole()
        if self._streaming:
            raise RuntimeError("an entry is still being streamed")
        if last and self._kept_last:
            raise RuntimeError("an entry is already kept to go last")
        self._streaming = True
        self._kept_last = self._kept_last or last
        encoded, flags = _name(name)
        self._send_batch()  # entries added before it are written before it
        self._call(self._start_stream, encoded, flags, last)
        try:
            yield _Stream(self._call, self._stream_write)
        except BaseException:
            self._broken = True
            raise
        self._send_batch()  # and those added while it streamed, after it
        self._call(self._end_stream, encoded, flags)
        self._streaming = False

    def _check_whole(self) -> None:
        if self._broken:
            raise RuntimeError("a streamed entry failed: the archive is incomplete")

    def _start_stream(self, encoded: bytes, flags: int, last: bool) -> None:
        self._to_memory = last
        if last:
            self._last = _Last()
            self._sink = _Sink(self._last)
            return
        self._settle()
        placeholder, _ = entry_headers(encoded, 0, 0, 0, self._offset, self._stamp, flags)
        self._raw.write(placeholder)
        self._sink = _Sink(self._raw)

    def _stream_write(self, data: bytes) -> None:
        assert self._sink is not None
        self._sink.write(data)

    def _end_stream(self, encoded: bytes, flags: int) -> None:
        sink, start = self._sink, self._offset
        assert sink is not None
        packed = sink.finish()
        if self._to_memory:  # written by `_close`
            assert self._last is not None
            self._last.end(encoded, flags, packed, sink.crc, sink.size)
            self._sink, self._to_memory = None, False
            return
        local, central = entry_headers(encoded, packed, sink.crc, sink.size, start, self._stamp, flags)
        end = self._raw.tell()
        self._raw.seek(start)
        self._raw.write(local)
        self._raw.seek(end)
        self._offset = end
        self._directory.append(central)
        self._count += 1
        self._sink = None
        held, self._held = self._held, []
        self._write_entries(held)

    def close(self) -> None:
        self._check_whole()
        if self._streaming:
            raise RuntimeError("an entry is still being streamed")
        self._send_batch()
        self._call(self._close)
        if self._worker is not None:
            self._worker.finish()

    def _close(self) -> None:
        self._settle()
        if self._last is not None:
            last, self._last = self._last, None
            self._write_entries([last.entry()])
        directory = b"".join(self._directory)
        self._raw.write(directory + end_records(self._count, len(directory), self._offset))
        self._raw.flush()

    def __enter__(self) -> ZipWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        if self._worker is not None:
            if kind is None:
                self._worker.finish()
            else:
                if self._deflater is not None:
                    self._deflater.kill()  # the thread may wait on it: it stops at once
                self._worker.abandon()


def _now(call: Callable[..., object], *args: object, size: int = 0) -> None:
    call(*args)


class _Stream:
    """What a streamed entry's bytes are written to."""

    def __init__(self, call: Callable[..., object], write: Callable[[bytes], None]) -> None:
        self._call = call
        self._write = write

    def write(self, data: bytes) -> int:
        self._call(self._write, bytes(data), size=len(data))  # a copy if the caller reuses it
        return len(data)


class _Last:
    """A streamed entry kept deflated in memory until the archive closes (`stream(last=True)`):
    its sink writes here, and `entry` gives it whole once `end` has said what it is."""

    def __init__(self) -> None:
        self._pieces: list[bytes] = []
        self._entry: tuple[bytes, int, int, int, int] | None = None  # name, flags, packed, CRC, size

    def write(self, data: bytes) -> int:
        if data:
            self._pieces.append(data)
        return len(data)

    def end(self, encoded: bytes, flags: int, packed: int, crc: int, size: int) -> None:
        self._entry = (encoded, flags, packed, crc, size)

    def entry(self) -> tuple[bytes, int, bytes, int, int]:
        """(name, flags, deflated bytes, CRC, size), as `_write_entries` takes an entry."""
        if self._entry is None:
            raise RuntimeError("the entry kept to go last was never finished")
        encoded, flags, packed, crc, size = self._entry
        data = b"".join(self._pieces)
        self._pieces = []
        if len(data) != packed:
            raise RuntimeError("the entry kept to go last lost bytes")
        return encoded, flags, data, crc, size


class _Sink:
    """Deflates what is written to it into the archive, counting its CRC and sizes."""

    def __init__(self, raw: BinaryIO | _Last) -> None:
        self._raw = raw
        self._packer = isal_zlib.compressobj(LEVEL, isal_zlib.DEFLATED, -15)
        self.crc = 0
        self.size = 0
        self._packed = 0

    def write(self, data: bytes) -> int:
        self.crc = crc32(data, self.crc)
        self.size += len(data)
        out = self._packer.compress(data)
        self._raw.write(out)
        self._packed += len(out)
        return len(data)

    def finish(self) -> int:
        out = self._packer.flush()
        self._raw.write(out)
        return self._packed + len(out)
