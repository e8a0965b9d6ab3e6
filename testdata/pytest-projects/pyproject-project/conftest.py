from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from kvcache import Cache, slow_upper


@pytest.fixture
def loader_delay() -> float:
    return 0.001


@pytest_asyncio.fixture
async def cache(loader_delay: float) -> AsyncIterator[Cache]:
    async def loader(key: str) -> str:
        return await slow_upper(key, loader_delay)

    cache = Cache(loader, load_timeout=0.5)
    await cache.get("warm")
    yield cache
    # Teardown runs on the same loop, after the test.
    assert not cache.busy
    cache.clear()
