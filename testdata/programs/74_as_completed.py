"""Results taken as their jobs finish.

`for fut in asyncio.as_completed([...]): x = await fut` becomes
`async with anyio.as_completed(...) as handles: async for fut in handles:`
(AM211): the jobs run in a task group and awaiting a handle gives its
result. The second loop spreads a tuple of calls; in the third a job fails,
and the handler around the loop becomes `except*`.
"""
# e2e-flags: --unsafe
# e2e-backends: asyncio trio
# e2e-expect: async with anyio.as_completed(*(job(name, delay) for name, delay in plan)) as handles:
# e2e-expect: async for fut in handles:
# e2e-expect: async with anyio.as_completed(job("a", 0.03), job("b", 0.01)) as handles:
# e2e-expect: except* ValueError:
# e2e-absent: asyncio

import asyncio


async def job(name: str, delay: float, fail: bool = False) -> str:
    await asyncio.sleep(delay)
    if fail:
        raise ValueError(name)
    return name


async def main() -> None:
    plan = [("slow", 0.06), ("fast", 0.02), ("middle", 0.04)]
    order = []
    for fut in asyncio.as_completed([job(name, delay) for name, delay in plan]):
        order.append(await fut)
    print(order)

    total = ""
    for fut in asyncio.as_completed((job("a", 0.03), job("b", 0.01))):
        total += await fut
    print(total)

    seen = []
    try:
        for fut in asyncio.as_completed([job("ok", 0.01), job("bad", 0.03, fail=True)]):
            seen.append(await fut)
    except ValueError:
        print("a job failed after", seen)


asyncio.run(main())
