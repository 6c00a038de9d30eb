"""Segment files for stored features: what is appended reads back, and nothing else does."""

from __future__ import annotations

import errno
import logging
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from shopmind_decision.predictions.segments import SegmentError, SegmentLog, SegmentRef


def _payload(seed: int, rows: int = 50) -> np.ndarray:
    return np.random.default_rng(seed).random((rows, 7), dtype="float32")


def test_records_read_back_from_any_writer_sharing_the_directory(tmp_path: Path) -> None:
    one, two = SegmentLog(tmp_path), SegmentLog(tmp_path)  # two replicas, one volume
    a = one.append([("a" * 32, _payload(1)), ("b" * 32, _payload(2).tobytes())])
    c = two.append([("c" * 32, _payload(3))])
    assert a[0].segment == a[1].segment != c[0].segment
    header = a[0].start  # the first record begins the file
    assert a[1].start == a[0].start + a[0].length + header
    reader = SegmentLog(tmp_path)
    assert reader.read(a[0], "a" * 32) == _payload(1).tobytes()
    assert reader.read(a[1], "b" * 32) == _payload(2).tobytes()
    assert reader.read(c[0], "c" * 32) == _payload(3).tobytes()
    assert sorted(os.listdir(tmp_path)) == sorted({a[0].segment, c[0].segment})
    one.close()
    two.close()


def test_a_full_segment_is_closed_and_a_new_one_begun(tmp_path: Path) -> None:
    log = SegmentLog(tmp_path, max_segment_bytes=3 * 4096)
    refs = [log.append([(f"batch{i}", _payload(i, rows=40))])[0] for i in range(4)]
    # 1,172 B per record, a flush padded to 4 KB: rotate after the third
    assert len({r.segment for r in refs}) == 2
    for i, ref in enumerate(refs):
        assert log.read(ref, f"batch{i}") == _payload(i, rows=40).tobytes()
    log.close()


def test_a_read_never_returns_another_batch_or_a_short_record(tmp_path: Path) -> None:
    log = SegmentLog(tmp_path)
    first, second = log.append([("first", _payload(1)), ("second", _payload(2))])
    log.close()
    with pytest.raises(SegmentError, match="does not hold batch"):
        log.read(first, "second")
    with pytest.raises(SegmentError, match="does not hold batch"):
        log.read(SegmentRef(first.segment, first.start + 8, first.length), "first")
    with pytest.raises(SegmentError, match="bad segment name"):
        log.read(SegmentRef("../elsewhere.seg", first.start, first.length), "first")
    with pytest.raises(SegmentError, match="unreadable"):
        log.read(SegmentRef("gone.seg", first.start, first.length), "first")
    os.truncate(tmp_path / second.segment, second.start + second.length - 1)
    with pytest.raises(SegmentError, match="shorter"):
        log.read(second, "second")
    assert log.read(first, "first") == _payload(1).tobytes()


def test_a_failed_write_starts_a_new_segment(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    log = SegmentLog(tmp_path)
    before = log.append([("before", _payload(1))])[0]

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fdatasync", disk_full)
    with pytest.raises(OSError):
        log.append([("lost", _payload(2))])
    monkeypatch.undo()
    after = log.append([("after", _payload(3))])[0]
    assert after.segment != before.segment and after.start == before.start
    assert log.read(after, "after") == _payload(3).tobytes()
    assert log.read(before, "before") == _payload(1).tobytes()
    log.close()


def _flags(log: SegmentLog) -> int:
    """The open segment's file status flags, as the kernel reports them."""
    assert log._fd is not None
    fdinfo = Path(f"/proc/self/fdinfo/{log._fd}").read_text()
    return int(next(line.split()[1] for line in fdinfo.splitlines()
                    if line.startswith("flags:")), 8)


def test_flushes_are_whole_blocks_and_records_span_staging_buffers(tmp_path: Path) -> None:
    log = SegmentLog(tmp_path, stage_bytes=8192)
    big = _payload(7, rows=1000)  # 28,000 B: four staging buffers
    first = log.append([("small", _payload(1, rows=3)), ("big", big)])
    path = tmp_path / first[0].segment
    end, size = first[1].start + first[1].length, path.stat().st_size
    assert size == -(-end // 4096) * 4096  # padded to the next 4 KB
    assert path.read_bytes()[end:] == bytes(size - end)  # with zeros
    second = log.append([("next", _payload(2))])[0]
    header = first[0].start  # the first record begins the file
    assert (second.segment, second.start) == (first[0].segment, size + header)
    assert path.stat().st_size % 4096 == 0
    assert log.read(first[0], "small") == _payload(1, rows=3).tobytes()
    assert log.read(first[1], "big") == big.tobytes()
    assert log.read(second, "next") == _payload(2).tobytes()
    if log.direct:  # the file system took O_DIRECT: the writes bypass the page cache
        assert _flags(log) & os.O_DIRECT
    log.close()


def test_a_file_system_refusing_direct_io_at_open_is_written_through_the_cache(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    real_open = os.open

    def no_direct(path: Any, flags: int, mode: int = 0o777) -> int:
        if flags & os.O_DIRECT:
            real_open(path, flags & ~os.O_DIRECT, mode)  # as tmpfs once did: created, refused
            raise OSError(errno.EINVAL, "Invalid argument")
        return real_open(path, flags, mode)

    monkeypatch.setattr(os, "open", no_direct)
    log = SegmentLog(tmp_path)
    with caplog.at_level(logging.WARNING, "shopmind.decision.segments"):
        refs = log.append([("a", _payload(1)), ("b", _payload(2))])
    assert not log.direct and not _flags(log) & os.O_DIRECT
    assert "refuses O_DIRECT" in caplog.text
    assert log.read(refs[0], "a") == _payload(1).tobytes()
    assert log.read(refs[1], "b") == _payload(2).tobytes()
    assert os.listdir(tmp_path) == [refs[0].segment]
    log.close()


def test_direct_writes_refused_after_the_open_move_to_a_buffered_segment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = SegmentLog(tmp_path)
    real_pwrite = os.pwrite
    refused: list[str] = []

    def refuse_direct(fd: int, data: Any, at: int) -> int:
        if _flags(log) & os.O_DIRECT:
            assert log.current is not None
            refused.append(log.current)
            raise OSError(errno.EINVAL, "Invalid argument")
        return real_pwrite(fd, data, at)

    monkeypatch.setattr(os, "pwrite", refuse_direct)
    ref = log.append([("a", _payload(1))])[0]
    if not refused:
        pytest.skip("this file system refuses O_DIRECT at open (the test above covers it)")
    assert not log.direct and ref.segment != refused[0]
    assert log.read(ref, "a") == _payload(1).tobytes()
    log.close()
