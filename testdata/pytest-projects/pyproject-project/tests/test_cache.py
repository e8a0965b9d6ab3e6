from __future__ import annotations

import asyncio

import pytest

from kvcache import Cache, retry

pytestmark = pytest.mark.asyncio


async def test_warm_key_is_cached(cache: Cache) -> None:
    assert await cache.get("warm") == "WARM"
    assert cache.loads == 1


async def test_concurrent_readers_share_one_load(cache: Cache) -> None:
    results = await asyncio.gather(cache.get("k"), cache.get("k"), cache.get("k"))
    assert results == ["K", "K", "K"]
    assert cache.loads == 2


@pytest.mark.parametrize("key", ["a", "bc"])
async def test_invalidate_reloads(cache: Cache, key: str) -> None:
    await cache.get(key)
    cache.invalidate(key)
    assert await cache.get(key) == key.upper()
    assert cache.loads == 3


@pytest.mark.asyncio
async def test_retry_gives_up_after_attempts() -> None:
    calls = 0

    async def flaky() -> str:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0)
        raise ConnectionError("down")

    with pytest.raises(ConnectionError):
        await retry(flaky, attempts=3)
    assert calls == 3


@pytest.fixture
async def flaky_once() -> list[int]:
    # A plain pytest fixture that is a coroutine: auto mode runs it.
    await asyncio.sleep(0)
    return [0]


async def test_retry_recovers(flaky_once: list[int]) -> None:
    async def fn() -> str:
        flaky_once[0] += 1
        if flaky_once[0] == 1:
            raise ConnectionError("blip")
        return "ok"

    assert await retry(fn) == "ok"
    assert flaky_once == [2]
