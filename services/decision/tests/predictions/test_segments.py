"""Segment files for stored features: what is appended reads back, and nothing else does."""

from __future__ import annotations

import os
from pathlib import Path

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
    log = SegmentLog(tmp_path, max_segment_bytes=3000)
    refs = [log.append([(f"batch{i}", _payload(i, rows=40))])[0] for i in range(4)]
    assert len({r.segment for r in refs}) == 2  # 1,120 B per record: rotate after the third
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
