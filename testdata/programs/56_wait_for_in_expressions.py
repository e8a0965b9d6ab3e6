"""Meter reader: `wait_for` inside larger expressions of simple statements.

Exercises AM101 beyond statement-level calls: `total += await wait_for(...)`,
`print(await wait_for(...))`, a dict display and a `return` of an
expression each get a `fail_after` scope around the whole statement (it
awaits nothing else, so the deadline can only fire in the awaited call).
A slow reading still times out with the builtin `TimeoutError`.
"""
# e2e-expect: total += await read(n)
# e2e-expect: print("reading", await read(2))
# e2e-expect: return {"last": await read(4), "unit": "kWh"}
# e2e-absent: wait_for
# e2e-absent: import asyncio
# e2e-backends: asyncio trio
import asyncio


async def read(n: int) -> int:
    await asyncio.sleep(0.01)
    return n * 10


async def slow() -> int:
    await asyncio.sleep(1)
    return 0


async def summary() -> dict:
    return {"last": await asyncio.wait_for(read(4), 1), "unit": "kWh"}


async def main() -> None:
    total = 0
    for n in range(3):
        total += await asyncio.wait_for(read(n), 1)
    print("total", total)
    print("reading", await asyncio.wait_for(read(2), 1))
    print(await summary())
    try:
        print("never", await asyncio.wait_for(slow(), 0.05))
    except TimeoutError:
        print("slow reading timed out")


asyncio.run(main())
