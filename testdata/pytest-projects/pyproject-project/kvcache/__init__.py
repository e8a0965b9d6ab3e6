"""A tiny read-through cache over an async loader."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

Loader = Callable[[str], Awaitable[str]]


class Cache:
    """Loads each key once; concurrent readers of a missing key wait for one load."""

    def __init__(self, loader: Loader, *, load_timeout: float = 1.0) -> None:
        self._loader = loader
        self._load_timeout = load_timeout
        self._data: dict[str, str] = {}
        self._lock = asyncio.Lock()
        self.loads = 0

    async def get(self, key: str) -> str:
        async with self._lock:
            if key not in self._data:
                self.loads += 1
                value = await asyncio.wait_for(self._loader(key), self._load_timeout)
                self._data[key] = value
            return self._data[key]

    def invalidate(self, key: str) -> None:
        self._data.pop(key, None)

    def clear(self) -> None:
        self._data.clear()

    @property
    def busy(self) -> bool:
        return self._lock.locked()

    def __len__(self) -> int:
        return len(self._data)


async def slow_upper(key: str, delay: float = 0.001) -> str:
    await asyncio.sleep(delay)
    return key.upper()


async def retry(fn: Callable[[], Awaitable[str]], attempts: int = 3, delay: float = 0.001) -> str:
    for attempt in range(attempts):
        try:
            return await fn()
        except ConnectionError:
            if attempt == attempts - 1:
                raise
            await asyncio.sleep(delay)
    raise AssertionError("unreachable")
