"""Annotations follow the primitives the module now creates.

`self._lock: asyncio.Lock = asyncio.Lock()` becomes `anyio.Lock` on both
sides, and so do parameter and return annotations; nothing asyncio is left.
"""
# e2e-backends: asyncio trio
# e2e-expect: self._lock: anyio.Lock = anyio.Lock()
# e2e-expect: self._limit: Optional[anyio.Semaphore] = None
# e2e-expect: def limiter(self) -> anyio.Semaphore:
# e2e-expect: async def bump(counter: "Counter", lock: anyio.Lock) -> None:

import asyncio
from typing import Optional


class Counter:
    def __init__(self) -> None:
        self._lock: asyncio.Lock = asyncio.Lock()
        self._limit: Optional[asyncio.Semaphore] = None
        self.value = 0

    def limiter(self) -> asyncio.Semaphore:
        if self._limit is None:
            self._limit = asyncio.Semaphore(2)
        return self._limit


async def bump(counter: "Counter", lock: asyncio.Lock) -> None:
    async with counter.limiter():
        async with lock:
            counter.value += 1
            await asyncio.sleep(0)


async def main() -> None:
    counter = Counter()
    for _ in range(3):
        await bump(counter, counter._lock)
    print("value", counter.value)


asyncio.run(main())
