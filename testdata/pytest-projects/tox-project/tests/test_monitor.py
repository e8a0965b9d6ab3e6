from __future__ import annotations

import asyncio

import pytest
import pytest_asyncio

from heartbeat import Monitor

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture(autouse=True)
async def settle() -> None:
    await asyncio.sleep(0)


async def test_beat_counts(monitor: Monitor) -> None:
    assert await monitor.beat() == 2


async def test_run_then_wait(monitor: Monitor) -> None:
    await monitor.run(3)
    await monitor.wait_stopped(timeout=0.5)
    assert monitor.beats == 4
    assert monitor.stopped


async def test_concurrent_beats(monitor: Monitor) -> None:
    await asyncio.gather(*(monitor.beat() for _ in range(5)))
    assert monitor.beats == 6


class TestWaiting:
    async def test_wait_times_out_when_not_run(self, monitor: Monitor) -> None:
        with pytest.raises(TimeoutError):
            await monitor.wait_stopped(timeout=0.01)
        assert not monitor.stopped

    async def test_wait_returns_when_run_concurrently(self, monitor: Monitor) -> None:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(monitor.run(2))
            await monitor.wait_stopped(timeout=0.5)
        assert monitor.beats == 3
