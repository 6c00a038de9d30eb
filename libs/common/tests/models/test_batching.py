from __future__ import annotations

import asyncio

import pytest
from shopmind_common.models import DynamicBatcher


async def test_concurrent_submits_share_one_call() -> None:
    calls: list[list[int]] = []

    def square(items: list[int]) -> list[int]:
        calls.append(list(items))
        return [i * i for i in items]

    batcher: DynamicBatcher[int, int] = DynamicBatcher(square, max_batch=16, max_wait_s=0.05)
    try:
        results = await asyncio.gather(*(batcher.submit([i, i + 100]) for i in range(5)))
        assert results == [[i * i, (i + 100) ** 2] for i in range(5)]
        assert len(calls) == 1 and len(calls[0]) == 10
        assert batcher.stats.items == 10 and batcher.stats.largest == 10
    finally:
        await batcher.close()


async def test_batches_never_exceed_max_batch() -> None:
    sizes: list[int] = []

    def ident(items: list[int]) -> list[int]:
        sizes.append(len(items))
        return items

    batcher: DynamicBatcher[int, int] = DynamicBatcher(ident, max_batch=4, max_wait_s=0.01)
    try:
        assert await batcher.submit(list(range(10))) == list(range(10))
        assert max(sizes) <= 4 and sum(sizes) == 10
    finally:
        await batcher.close()


async def test_a_failing_batch_fails_its_callers_and_the_batcher_goes_on() -> None:
    def boom(items: list[int]) -> list[int]:
        if -1 in items:
            raise ValueError("bad item")
        return items

    batcher: DynamicBatcher[int, int] = DynamicBatcher(boom, max_batch=8, max_wait_s=0.0)
    try:
        with pytest.raises(ValueError, match="bad item"):
            await batcher.submit([-1])
        assert await batcher.submit([3]) == [3]
    finally:
        await batcher.close()
