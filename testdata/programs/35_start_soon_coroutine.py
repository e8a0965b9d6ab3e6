"""Worker pool already on anyio, with leftover asyncio and `start_soon(f(x))`.

Exercises AM205: `tg.start_soon(work(n))` / `tg.start_soon(work(n, tag="x"))`
pass coroutine objects, which anyio rejects with TypeError ("'coroutine'
object is not callable"); they become `tg.start_soon(work, n)` and
`functools.partial`. Because the original fails on those calls, they sit on
the `--legacy` path, which this test never takes (the original must exit 0);
the main path checks that the rest of the file (already correct
`start_soon(f, x)`, `start_soon(factory())` returning a callable, a
`start_soon(coro)` of a name) is left alone and still runs on both backends.
"""
# e2e-expect: tg.start_soon(work, n)
# e2e-expect: tg.start_soon(functools.partial(work, n, tag="legacy"))
# e2e-expect: tg.start_soon(make_job(3))
# e2e-expect: tg.start_soon(work, 1)
# e2e-expect: await anyio.sleep(0.01)
# e2e-absent: import asyncio
# e2e-backends: asyncio trio

import asyncio
import sys

import anyio

results: list[str] = []


async def work(n: int, tag: str = "main") -> None:
    await asyncio.sleep(0.01)
    results.append(f"{tag}:{n}")


def make_job(n: int):
    async def job() -> None:
        await work(n, tag="factory")

    return job


async def legacy(count: int) -> None:
    async with anyio.create_task_group() as tg:
        for n in range(count):
            tg.start_soon(work(n))
        tg.start_soon(work(n, tag="legacy"))


async def main() -> None:
    async with anyio.create_task_group() as tg:
        tg.start_soon(work, 1)
        tg.start_soon(make_job(3))
    if "--legacy" in sys.argv:
        await legacy(2)
    print(sorted(results))


anyio.run(main)
