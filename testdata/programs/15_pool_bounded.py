"""Connection pool whose slots are a bounded semaphore.

Exercises: `asyncio.BoundedSemaphore(n)` -> `anyio.Semaphore(n, max_value=n)`
with a name and with a literal argument. The pool caps concurrency at its size,
and a double release is detected (ValueError) exactly as with asyncio's
bounded semaphore.
"""
# e2e-expect: anyio.Semaphore(size, max_value=size)
# e2e-expect: anyio.Semaphore(1, max_value=1)
# e2e-absent: asyncio
# e2e-absent: BoundedSemaphore
# e2e-backends: asyncio trio

import asyncio

import anyio


class Pool:
    def __init__(self, size: int) -> None:
        self.size = size
        self._slots = asyncio.BoundedSemaphore(size)
        self._admin = asyncio.BoundedSemaphore(1)
        self.in_use = 0
        self.peak = 0

    async def query(self, n: int, done: list[int]) -> None:
        async with self._slots:
            self.in_use += 1
            self.peak = max(self.peak, self.in_use)
            await asyncio.sleep(0.02)
            self.in_use -= 1
        done.append(n)

    async def maintenance(self) -> str:
        async with self._admin:
            await asyncio.sleep(0.01)
        try:
            self._admin.release()  # a bug elsewhere released the slot twice
        except ValueError:
            return "double release detected"
        return "double release went unnoticed"


async def main() -> None:
    pool = Pool(2)
    done: list[int] = []
    async with anyio.create_task_group() as tg:
        for n in range(6):
            tg.start_soon(pool.query, n, done)
    print(f"{len(done)} queries on a pool of {pool.size}, peak {pool.peak}")
    print(await pool.maintenance())


asyncio.run(main())
