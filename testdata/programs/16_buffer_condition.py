"""Bounded buffer built on condition variables.

Exercises: `asyncio.Condition()` -> `anyio.Condition()` and
`asyncio.Condition(lock)` with a shared `asyncio.Lock()` -> `anyio.Condition(lock)`
with `anyio.Lock()`; `wait()`, `wait_for(pred)`, `notify_all()`. A producer fills
a two-slot buffer faster than the consumer drains it, so it must block on the
condition; the peak buffer size proves the bound held.
"""
# e2e-flags: --unsafe
# e2e-expect: self.not_empty = anyio.Condition()
# e2e-expect: self.lock = anyio.Lock()
# e2e-expect: anyio.Condition(self.lock)
# e2e-absent: asyncio
# e2e-backends: asyncio trio

import asyncio

import anyio


class BoundedBuffer:
    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.items: list[str] = []
        self.peak = 0
        self.not_empty = asyncio.Condition()
        self.lock = asyncio.Lock()
        self.not_full = asyncio.Condition(self.lock)

    async def put(self, item: str) -> None:
        async with self.not_full:
            await self.not_full.wait_for(lambda: len(self.items) < self.capacity)
            self.items.append(item)
            self.peak = max(self.peak, len(self.items))
        async with self.not_empty:
            self.not_empty.notify_all()

    async def get(self) -> str:
        async with self.not_empty:
            while not self.items:
                await self.not_empty.wait()
        item = self.items.pop(0)
        async with self.not_full:
            self.not_full.notify_all()
        return item


async def producer(buf: BoundedBuffer, n: int) -> None:
    for i in range(n):
        await buf.put(f"job-{i}")


async def consumer(buf: BoundedBuffer, n: int, log: list[str]) -> None:
    for _ in range(n):
        item = await buf.get()
        await asyncio.sleep(0.01)  # slow worker
        log.append(item)


async def main() -> None:
    buf = BoundedBuffer(2)
    log: list[str] = []
    async with anyio.create_task_group() as tg:
        tg.start_soon(consumer, buf, 6, log)
        tg.start_soon(producer, buf, 6)
    print("consumed:", ", ".join(log))
    print("peak buffer size:", buf.peak)


asyncio.run(main())
