"""Append-only segment files for the features of scored batches.

A 10,000-row batch carries 1.2 MB of features that are read back only when someone
asks for one row's explanation. Written as a database blob they cost the database's
own copies (SQLite: the WAL, then the checkpoint; PostgreSQL: TOAST). Here they are
appended to a segment file, and the database row keeps where: segment, offset, length.

- Each writer process appends to segments of its own (`<UTC time>-<random>.seg`), so
  replicas can share one directory (a ReadWriteMany volume) without interleaving;
  a segment is closed and a new one begun past `max_segment_bytes`, or when it was
  begun more than `max_segment_age_s` ago: no process ever appends to a file whose
  last write is older than that, which is what lets retention delete old files
  (retention.py) while other replicas keep theirs open.
- `append` writes every record of a flush through a reused, page-aligned staging
  buffer, with `O_DIRECT` where the file system takes it: the records are written
  once and read back rarely, so they bypass the page cache. Through it, a growing
  segment cost a copy into newly allocated cache pages that became 10 times dearer as
  the cache grew (0.3 to 3.2 ms of CPU per 1.2 MB record on the bench host), and its
  writeback competed with scoring. Direct I/O needs offsets and lengths in whole
  blocks, so each flush ends padded with zeros to 4 KB; a file system that refuses
  `O_DIRECT` (EINVAL) gets the same bytes written through the cache. With `durable` it
  `fdatasync`s the file before it returns: the database row that points at a record is
  committed only after the record is on disk, so a row never outlives its features,
  even across a power cut. That is for a database whose commits are durable
  (PostgreSQL). SQLite here runs WAL with synchronous=NORMAL, whose last commits a
  power cut may take back; there the segment is not synced either (its records are in
  the kernel's hands, like the WAL), which a process crash does not lose, and a power
  cut that kept a row but not its record shows as an error on that row's read (the
  header check), never as data.
- A record is a header (magic, batch id, length) and the raw bytes. A read checks the
  header, so a wrong offset or a truncated file is an error, never another batch's rows.
- What a failed flush leaves: records that no row points at. They cost disk, not
  correctness; a flush that is retried appends its batches again.
"""

from __future__ import annotations

import errno
import logging
import mmap
import os
import secrets
import struct
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_MAGIC = b"SMF1"
_HEADER = struct.Struct("<4s40sQ")  # magic, batch id (ASCII, NUL-padded), payload length
_BLOCK = 4096  # what O_DIRECT offsets and lengths are multiples of (512 or 4096 devices)
_ZEROS = bytes(_BLOCK)

log = logging.getLogger("shopmind.decision.segments")


class SegmentError(Exception):
    """A record that cannot be read back as written."""


@dataclass(frozen=True)
class SegmentRef:
    segment: str
    start: int  # of the payload, past its header
    length: int


class SegmentLog:
    """Append records to this process's segment; read any process's records back."""

    def __init__(self, root: Path, *, durable: bool = True,
                 max_segment_bytes: int = 256 << 20, max_segment_age_s: float = 3600.0,
                 direct: bool = True, stage_bytes: int = 4 << 20) -> None:
        self.root = Path(root)
        self.durable = durable
        # O_DIRECT until the file system refuses it; then written through the page cache.
        self.direct = direct and hasattr(os, "O_DIRECT")
        self._stage_bytes = max(_BLOCK, stage_bytes - stage_bytes % _BLOCK)
        self._stage: mmap.mmap | None = None  # page-aligned, so O_DIRECT can write from it
        self.max_segment_bytes = max_segment_bytes
        self.max_segment_age_s = max_segment_age_s
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._name = ""
        self._size = 0
        self._opened_at = 0.0

    @property
    def current(self) -> str | None:
        """The segment this process appends to, if one is open."""
        return self._name if self._fd is not None else None

    def _open_segment(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        self._name = f"{stamp}-{secrets.token_hex(6)}.seg"
        path = self.root / self._name
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
        try:
            self._fd = os.open(path, flags | (os.O_DIRECT if self.direct else 0), 0o644)
        except OSError as exc:
            if not self.direct or exc.errno != errno.EINVAL:
                raise
            self._buffered(exc)
            # The refused open may have created the file already.
            self._fd = os.open(path, flags & ~os.O_EXCL, 0o644)
        self._size = 0
        self._opened_at = time.monotonic()
        dir_fd = os.open(self.root, os.O_RDONLY)  # the new name survives a crash too
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def _buffered(self, exc: OSError) -> None:
        log.warning("segments in %s: the file system refuses O_DIRECT (%s); writing "
                    "through the page cache", self.root, exc)
        self.direct = False

    def append(self, records: Sequence[tuple[str, Any]]) -> list[SegmentRef]:
        """Write (batch id, bytes-like) records (synced to disk when `durable`); where
        each payload lies."""
        if not records:
            return []
        with self._lock:
            if self._fd is None or self._size >= self.max_segment_bytes or \
                    time.monotonic() - self._opened_at > self.max_segment_age_s:
                self.close()
                self._open_segment()
            try:
                return self._append(records)
            except OSError as exc:
                if not (self.direct and exc.errno == errno.EINVAL):
                    raise
                self._buffered(exc)  # opened with O_DIRECT, but writes are refused
            self._open_segment()
            return self._append(records)

    def _append(self, records: Sequence[tuple[str, Any]]) -> list[SegmentRef]:
        """Write the records to the open segment; a failed write closes it, since its
        tail is unknown now (the next append begins a new one)."""
        try:
            return self._write_records(records)
        except OSError:
            self.close()
            raise

    def _write_records(self, records: Sequence[tuple[str, Any]]) -> list[SegmentRef]:
        """Headers and payloads copied through the staging buffer, written a full buffer
        at a time; the flush ends padded to a whole block."""
        assert self._fd is not None
        if self._stage is None:
            self._stage = mmap.mmap(-1, self._stage_bytes)
        stage = memoryview(self._stage)
        refs: list[SegmentRef] = []
        offset = at = self._size  # where the next record begins; where the stage goes
        used = 0
        for batch_id, payload in records:
            data = memoryview(payload).cast("B")
            refs.append(SegmentRef(self._name, offset + _HEADER.size, data.nbytes))
            offset += _HEADER.size + data.nbytes
            header = _HEADER.pack(_MAGIC, batch_id.encode("ascii"), data.nbytes)
            for part in (memoryview(header), data):
                while part.nbytes:
                    take = min(part.nbytes, len(stage) - used)
                    stage[used:used + take] = part[:take]
                    used += take
                    part = part[take:]
                    if used == len(stage):
                        self._write_all(stage, at)
                        at += used
                        used = 0
        padded = -used % _BLOCK
        stage[used:used + padded] = _ZEROS[:padded]
        if used:
            self._write_all(stage[:used + padded], at)
        if self.durable:
            os.fdatasync(self._fd)
        self._size = offset + padded
        return refs

    def _write_all(self, data: memoryview, at: int) -> None:
        assert self._fd is not None
        while data.nbytes:
            # A short write (disk full, signal) leaves the rest to write.
            written = os.pwrite(self._fd, data, at)
            data, at = data[written:], at + written

    def read(self, ref: SegmentRef, batch_id: str) -> bytes:
        """The payload written for `batch_id` at `ref`."""
        try:
            with open(self._path(ref.segment), "rb") as f:
                f.seek(ref.start - _HEADER.size)
                header = f.read(_HEADER.size)
                payload = f.read(ref.length)
        except OSError as exc:
            raise SegmentError(f"segment {ref.segment} unreadable: {exc}") from exc
        if len(header) != _HEADER.size or len(payload) != ref.length:
            raise SegmentError(f"segment {ref.segment} is shorter than the record of "
                               f"batch {batch_id}")
        magic, stored_id, length = _HEADER.unpack(header)
        if magic != _MAGIC or stored_id.rstrip(b"\0").decode("ascii", "replace") != batch_id \
                or length != ref.length:
            raise SegmentError(f"segment {ref.segment} at {ref.start} does not hold batch "
                               f"{batch_id}")
        return payload

    def older_than(self, cutoff: float) -> list[str]:
        """Segment files last written before `cutoff` (a Unix time), but not our open one."""
        try:
            entries = list(os.scandir(self.root))
        except FileNotFoundError:
            return []
        return sorted(e.name for e in entries if e.name.endswith(".seg") and e.is_file()
                      and e.name != self.current and e.stat().st_mtime < cutoff)

    def remove(self, segment: str) -> None:
        self._path(segment).unlink(missing_ok=True)

    def _path(self, segment: str) -> Path:
        """The file of a segment named by a database row: a plain name in `root`, no more."""
        if os.sep in segment or segment.startswith("."):
            raise SegmentError(f"bad segment name {segment!r}")
        return self.root / segment

    def close(self) -> None:
        """Close the open segment (the next append begins a new one)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
