"""A heartbeat monitor and a ping with a deadline."""

from __future__ import annotations

import asyncio


class Monitor:
    def __init__(self, interval: float = 0.001) -> None:
        self.interval = interval
        self.beats = 0
        self._lock = asyncio.Lock()
        self._stopped = asyncio.Event()

    async def beat(self) -> int:
        async with self._lock:
            self.beats += 1
            return self.beats

    async def run(self, count: int) -> None:
        for _ in range(count):
            await self.beat()
            await asyncio.sleep(self.interval)
        self._stopped.set()

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    async def wait_stopped(self, timeout: float) -> None:
        async with asyncio.timeout(timeout):
            await self._stopped.wait()


async def ping(host: str, latency: float = 0.0) -> str:
    await asyncio.sleep(latency)
    return f"pong from {host}"


async def ping_or_none(host: str, latency: float, timeout: float) -> str | None:
    try:
        async with asyncio.timeout(timeout):
            return await ping(host, latency)
    except TimeoutError:
        return None
