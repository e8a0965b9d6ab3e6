from __future__ import annotations

import asyncio

import pytest

from kvcache import Cache, slow_upper

pytestmark = [pytest.mark.asyncio, pytest.mark.slow]


@pytest.fixture
def loader_delay() -> float:
    return 0.2


async def test_slow_loader_times_out(loader_delay: float) -> None:
    async def loader(key: str) -> str:
        return await slow_upper(key, loader_delay)

    cache = Cache(loader, load_timeout=0.01)
    with pytest.raises(asyncio.TimeoutError):
        await cache.get("x")
    assert len(cache) == 0
    assert not cache.busy


async def test_wait_for_returns_in_time() -> None:
    assert await asyncio.wait_for(slow_upper("fast"), timeout=1) == "FAST"
