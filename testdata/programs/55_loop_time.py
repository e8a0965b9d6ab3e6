"""Rate meter: durations and deadlines read from the running loop's clock.

Exercises AM504: `loop.time()` on a local from `get_running_loop()` and a
direct `asyncio.get_running_loop().time()` become `anyio.current_time()`, and
the `loop = ...` line goes once nothing uses it (AM503). The program prints
only what does not depend on the machine's speed.
"""
# e2e-expect: start = anyio.current_time()
# e2e-expect: elapsed = anyio.current_time() - start
# e2e-expect: deadline = anyio.current_time() + budget
# e2e-absent: get_running_loop
# e2e-absent: import asyncio
# e2e-backends: asyncio trio
import asyncio


async def measure(n: int) -> float:
    loop = asyncio.get_running_loop()
    start = loop.time()
    for _ in range(n):
        await asyncio.sleep(0.01)
    elapsed = loop.time() - start
    return elapsed


async def within(budget: float) -> int:
    deadline = asyncio.get_running_loop().time() + budget
    rounds = 0
    while asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.01)
        rounds += 1
    return rounds


async def main() -> None:
    elapsed = await measure(3)
    print("measured at least 30 ms:", elapsed >= 0.03)
    rounds = await within(0.05)
    print("rounds in budget:", 1 <= rounds <= 6)


asyncio.run(main())
