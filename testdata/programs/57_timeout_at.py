"""Batch runner with deadlines on the loop's clock: `asyncio.timeout_at`.

Exercises AM103's `timeout_at` forms: an absolute deadline becomes
`anyio.fail_at(deadline)` (anyio 4.15+; anyio's clock is the loop's on the
asyncio backend), a deadline that is the loop's time plus a delay becomes
`anyio.fail_after(delay)`, and the deadline computed from `loop.time()`
uses `anyio.current_time()` (AM504). A batch that overruns still raises the
builtin `TimeoutError`.
"""
# e2e-expect: with anyio.fail_at(deadline):
# e2e-expect: with anyio.fail_after(0.5):
# e2e-expect: deadline = anyio.current_time() + budget
# e2e-absent: timeout_at
# e2e-absent: import asyncio
# e2e-backends: asyncio trio
import asyncio


async def job(n: int) -> int:
    await asyncio.sleep(0.01)
    return n


async def batch(budget: float, count: int) -> list[int]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + budget
    done = []
    async with asyncio.timeout_at(deadline):
        for n in range(count):
            done.append(await job(n))
    return done


async def quick() -> int:
    loop = asyncio.get_running_loop()
    async with asyncio.timeout_at(loop.time() + 0.5):
        return await job(7)


async def main() -> None:
    print(await batch(1.0, 3))
    print(await quick())
    try:
        await batch(0.03, 100)
    except TimeoutError:
        print("overran")


asyncio.run(main())
