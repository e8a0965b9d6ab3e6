from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from heartbeat import Monitor


@pytest_asyncio.fixture
async def monitor() -> AsyncIterator[Monitor]:
    monitor = Monitor()
    await monitor.beat()
    yield monitor
    # Drain: a finished monitor must have released its lock.
    async with monitor._lock:
        pass


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def hosts() -> list[str]:
    return ["alpha", "beta"]
