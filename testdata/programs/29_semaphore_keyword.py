"""Worker limits configured with keyword arguments.

Exercises the keyword form of the semaphore constructors,
`asyncio.Semaphore(value=n)` and `asyncio.BoundedSemaphore(value=n)`: anyio's
Semaphore calls this parameter `initial_value`, so copying `value=` across
would be a TypeError. Peak concurrency and the bounded check prove the limits.
"""
# e2e-expect: anyio.Semaphore(
# e2e-absent: asyncio
# e2e-absent: (value=
# e2e-backends: asyncio trio

import asyncio

import anyio

WORKERS = 2


async def main() -> None:
    limit = asyncio.Semaphore(value=WORKERS)
    guard = asyncio.BoundedSemaphore(value=1)
    active = peak = 0

    async def work(n: int) -> None:
        nonlocal active, peak
        async with limit:
            active += 1
            peak = max(peak, active)
            await asyncio.sleep(0.02)
            active -= 1

    async with anyio.create_task_group() as tg:
        for n in range(5):
            tg.start_soon(work, n)
    print("peak workers:", peak)

    async with guard:
        pass
    try:
        guard.release()
    except ValueError:
        print("guard: over-release rejected")


asyncio.run(main())
