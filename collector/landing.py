"""The landing log: what an acknowledgement waits for. Each group of batches is appended to a file beside the
database and synced before its requests are answered; the deriver (deriver.py) folds the batches into DuckDB later,
and the segments it has derived are deleted.

A record is one table of one batch: a header (payload length, CRC-32 of the payload, the batch's landing number)
and the payload (the table's name, then its rows as an Arrow IPC stream). A request a receiver can decode again
(Received) lands as its body instead: building its rows, scanning them and writing them as Arrow cost 0.5-0.7 ms of
the writer's CPU per AgentD run, three quarters of what it did per request at 1 in flight; a worker process does it
for many runs at once instead (ahead.py, docs/PERFORMANCE.md). A group is one write and one fdatasync:
0.3 ms on this machine's disk, against 1.5-2.3 ms for a DuckDB commit of the same bytes and about 4 ms CPU for the
insert and commit into a landing table in the database (docs/PERFORMANCE.md). A crash can leave only an
unacknowledged group half written: recovery stops at the first record whose header or checksum does not hold and
cuts the file there.
"""

from __future__ import annotations

import errno
import itertools
import logging
import os
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

log = logging.getLogger(__name__)

_HEADER = struct.Struct("<IIQ")  # payload length, CRC-32, landing number
# A segment is closed, and a new one begun, past this size; a derived segment is then deleted whole.
SEGMENT_BYTES = 64 << 20
_SUFFIX = ".log"
# What the OS says when the disk, not the data, is at fault: the write can be retried later.
DISK_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO}


class LandingError(OSError):
    """The landing log cannot be written now (the disk is full or read-only)."""


def directory(db: Path) -> Path:
    return db.with_name(db.name + ".landing")


@dataclass(frozen=True)
class Received:
    """A request body as its receiver accepted it, landed in place of its rows; `decoder` names the function that
    makes its batch (collector/receivers/received.py), `rows` how many rows that batch has."""

    decoder: str
    body: bytes
    rows: int


# The kind of a record that holds a Received; every other kind names a table.
RECEIVED = "received"
_ROWS = struct.Struct("<I")


def _record(seq: int, kind: str, content: bytes) -> bytes:
    name = kind.encode()
    payload = bytes([len(name)]) + name + content
    return _HEADER.pack(len(payload), zlib.crc32(payload), seq) + payload


def encode(seq: int, kind: str, table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as stream:
        stream.write_table(table)
    return _record(seq, kind, sink.getvalue().to_pybytes())


def encode_received(seq: int, received: Received) -> bytes:
    decoder = received.decoder.encode()
    return _record(seq, RECEIVED, _ROWS.pack(received.rows) + bytes([len(decoder)]) + decoder + received.body)


def encode_landed(seq: int, content: dict[str, pa.Table] | Received) -> bytes:
    """The records of one landed batch: its body as received, or one record per table."""
    if isinstance(content, Received):
        return encode_received(seq, content)
    return b"".join(encode(seq, kind, table) for kind, table in content.items())


def decode(payload: memoryview) -> tuple[str, pa.Table | Received]:
    """(RECEIVED, the Received) or (a table's name, its rows)."""
    length = payload[0]
    kind = bytes(payload[1:1 + length]).decode()
    content = payload[1 + length:]
    if kind != RECEIVED:
        # A copy, because a record starts anywhere in its segment and Arrow's compute kernels warn on (and on some
        # hardware fail at) buffers that are not 8-byte aligned.
        return kind, pa.ipc.open_stream(bytes(content)).read_all()
    (rows,) = _ROWS.unpack_from(content)
    named = content[_ROWS.size]
    start = _ROWS.size + 1
    return kind, Received(bytes(content[start:start + named]).decode(), bytes(content[start + named:]), rows)


class LandingLog:
    """Appends from one thread (the writer's); recovery and deletion happen before it starts or from the deriver,
    on segments the writer has closed."""

    def __init__(self, db: Path):
        self._dir = directory(db)
        self._dir.mkdir(exist_ok=True)
        self._file: int | None = None
        self._size = 0

    def segments(self) -> list[Path]:
        """In landing order: each is named after the first landing number in it."""
        return sorted(self._dir.glob(f"*{_SUFFIX}"), key=lambda path: int(path.stem))

    def recover(self, after: int) -> Iterator[tuple[int, memoryview]]:
        """Every record landed after landing number `after`: (seq, payload), in order. A torn tail of the last
        segment, which only a crash during an unacknowledged write leaves, is cut off; a bad record in an earlier
        one is damage, said and kept, and what follows it in that segment is not read."""
        segments = self.segments()
        for path in segments:
            data = memoryview(path.read_bytes())
            offset = 0
            while offset + _HEADER.size <= len(data):
                length, crc, seq = _HEADER.unpack_from(data, offset)
                payload = data[offset + _HEADER.size:offset + _HEADER.size + length]
                if len(payload) < length or zlib.crc32(payload) != crc:
                    break
                offset += _HEADER.size + length
                if seq > after:
                    yield seq, payload
            if offset < len(data) and path == segments[-1]:
                log.warning("landing log %s ends in %d bytes of an unacknowledged write; cut off", path,
                            len(data) - offset)
                os.truncate(path, offset)
            elif offset < len(data):
                log.error("landing log %s is damaged at byte %d; its last %d bytes are kept and not derived", path,
                          offset, len(data) - offset)

    def append(self, records: list[bytes], first_seq: int) -> None:
        """Write the records and sync them; raises LandingError, leaving the file as it was, if the disk refuses."""
        data = b"".join(records)
        try:
            if self._file is None or self._size >= SEGMENT_BYTES:
                self._open(first_seq)
            written = os.write(self._file, data)
            if written != len(data):
                raise OSError(errno.ENOSPC, "short write")
            os.fdatasync(self._file)
        except OSError as exc:
            self._undo()
            if exc.errno in DISK_ERRORS:
                raise LandingError(exc.errno, f"cannot write the landing log: {exc.strerror}") from None
            raise
        self._size += len(data)

    def probe(self, next_seq: int) -> None:
        """A write that needs the disk and leaves nothing: raises LandingError while the disk refuses writes."""
        self.append([_HEADER.pack(0, zlib.crc32(b""), 0)], next_seq)
        self._undo(to=self._size - _HEADER.size)

    def _open(self, first_seq: int) -> None:
        self.close()
        path = self._dir / f"{first_seq:020d}{_SUFFIX}"
        self._file = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self._size = os.fstat(self._file).st_size
        directory_fd = os.open(self._dir, os.O_RDONLY)
        try:
            os.fsync(directory_fd)  # the new file's name survives a power cut with its first records
        finally:
            os.close(directory_fd)

    def _undo(self, to: int | None = None) -> None:
        """Cut the current segment back to its last synced size."""
        if self._file is not None:
            try:
                os.ftruncate(self._file, self._size if to is None else to)
                if to is not None:
                    self._size = to
            except OSError as exc:
                log.error("landing log could not be cut back after a failed write: %s", exc)

    def drop_through(self, seq: int) -> None:
        """Delete the segments every record of which is numbered `seq` or less; the one being written stays."""
        segments = self.segments()
        for path, following in itertools.pairwise(segments):
            if int(following.stem) - 1 <= seq:
                path.unlink(missing_ok=True)

    def close(self) -> None:
        if self._file is not None:
            os.close(self._file)
            self._file = None
