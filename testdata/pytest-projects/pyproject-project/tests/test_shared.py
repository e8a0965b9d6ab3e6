from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from kvcache import Cache, slow_upper


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared_cache() -> AsyncIterator[Cache]:
    cache = Cache(slow_upper)
    await cache.get("seed")
    yield cache
    cache.clear()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def ticker() -> AsyncIterator[list[int]]:
    """A background task that lives for the whole module."""
    ticks: list[int] = []

    async def tick() -> None:
        while True:
            ticks.append(len(ticks))
            await asyncio.sleep(0.001)

    task = asyncio.create_task(tick())
    yield ticks
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


@pytest_asyncio.fixture(autouse=True)
async def count_tests(shared_cache: Cache) -> AsyncIterator[None]:
    before = len(shared_cache)
    yield
    assert len(shared_cache) >= before


@pytest.mark.asyncio
class TestSharedCache:
    async def test_seed_loaded_once(self, shared_cache: Cache) -> None:
        assert await shared_cache.get("seed") == "SEED"
        assert shared_cache.loads == 1

    async def test_state_survives_between_tests(self, shared_cache: Cache) -> None:
        await shared_cache.get("extra")
        assert len(shared_cache) == 2


@pytest.mark.asyncio(loop_scope="module")
async def test_ticker_runs_in_background(ticker: list[int]) -> None:
    start = len(ticker)
    await asyncio.sleep(0.01)
    assert len(ticker) > start


@pytest.mark.asyncio(loop_scope="module")
async def test_ticker_still_running(ticker: list[int]) -> None:
    start = len(ticker)
    await asyncio.sleep(0.01)
    assert len(ticker) > start
