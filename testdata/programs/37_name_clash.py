"""Scheduler that already uses the names `tg`, `items`, `i` and `_fetch_one`.

Exercises the fresh names AM201/AM203 pick: the generated task group, list,
index and helper must not overwrite the program's own variables, which are
printed after the gathers.
The program targets anyio 4.14: from 4.15 on these gathers become `anyio.amap`.
"""
# e2e-flags: --target-anyio 4.14
# e2e-expect: async with anyio.create_task_group() as tg_2:
# e2e-expect: items_2 = list(ids())
# e2e-expect: async def _fetch_one_2(
# e2e-absent: asyncio.gather
# e2e-absent: import asyncio
# e2e-backends: asyncio trio

import asyncio


async def pause(ticks: float) -> None:
    """Sleep `ticks` hundredths of a second (literal sleeps: a safe rewrite)."""
    for _ in range(round(ticks)):
        await asyncio.sleep(0.01)

tg = "module-level tg"


async def fetch(n: int) -> int:
    await pause(4 - n)
    return n * 100


async def _fetch_one(n: int) -> str:
    return f"own helper {n}"


def ids():
    yield from range(4)


async def schedule() -> None:
    items = ["keep", "these"]
    i = "my index"
    tg_local = tg
    results = await asyncio.gather(*(fetch(n) for n in ids()))
    await asyncio.gather(fetch(1), fetch(2))
    print(results)
    print(items, i, tg_local, tg)
    print(await _fetch_one(5))


async def main() -> None:
    await schedule()
    print(tg)


asyncio.run(main())
