"""Named tasks waited for all together, then read: `await asyncio.wait([a, b])`
or `await asyncio.gather(a, b)` as a statement ends the task group AM206 puts
around them (the group has waited), and `a.result()` after it becomes the
handle's `a.return_value`. A task cancelled before a `gather(...,
return_exceptions=True)` reads as cancelled through the handle's status. A
task whose handle nothing reads once the waits have gone just starts
(`tg.start_soon`, with its `name=`).
"""
# e2e-flags: --unsafe
# e2e-backends: asyncio trio
# e2e-expect: t1 = tg.create_task(fetch("a", 0.02))
# e2e-expect: return t1.return_value + t2.return_value
# e2e-expect: print(first.return_value, second.exception)
# e2e-expect: slow.status is anyio.TaskHandle.Status.CANCELLED
# e2e-expect: tg.start_soon(tick, 3, name="ticker")
# e2e-absent: asyncio

import asyncio


async def fetch(u: str, delay: float) -> str:
    await asyncio.sleep(delay)
    return u * 2


async def both() -> str:
    t1 = asyncio.create_task(fetch("a", 0.02))
    t2 = asyncio.create_task(fetch("b", 0.01))
    await asyncio.wait([t1, t2])
    return t1.result() + t2.result()


async def gathered() -> None:
    first = asyncio.create_task(fetch("c", 0.01))
    second = asyncio.create_task(fetch("d", 0.02))
    print("started")
    await asyncio.gather(first, second)
    print(first.result(), second.exception())


async def one_cancelled() -> tuple[str, bool]:
    quick = asyncio.create_task(fetch("e", 0.01))
    slow = asyncio.create_task(fetch("f", 10))
    await asyncio.sleep(0.02)
    slow.cancel()
    await asyncio.gather(quick, slow, return_exceptions=True)
    return quick.result(), slow.cancelled()


async def tick(n: int) -> None:
    for i in range(n):
        await asyncio.sleep(0.01)
        print("tick", i)


async def background_then_work() -> None:
    ticker = asyncio.create_task(tick(3), name="ticker")
    print("working")
    await asyncio.sleep(0.015)
    print("worked")
    await ticker


async def main() -> None:
    print(await both())
    await gathered()
    print(await one_cancelled())
    await background_then_work()


asyncio.run(main())
