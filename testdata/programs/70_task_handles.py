"""Tasks awaited, read and cancelled in one function get a task group.

The first await prints while the other task still runs: it stays inside the
group, so the lines come out in the same order; the last one moves after the
group as `return_value`. `t.result()` and `t.exception()` once `await t`
returned become the handle's `return_value` and `exception`, and
`u.cancelled()` once the task has ended its `status` (AM206).
"""
# e2e-flags: --unsafe
# e2e-backends: asyncio trio
# e2e-expect: print("second:", b.return_value)
# e2e-expect: print(t.return_value, t.exception)
# e2e-expect: print("u cancelled:", u.status is anyio.TaskHandle.Status.CANCELLED)
# e2e-absent: asyncio

import asyncio


async def chatty(name: str, n: int, delay: float) -> str:
    for i in range(n):
        await asyncio.sleep(delay)
        print(name, i)
    return name


async def main() -> None:
    a = asyncio.create_task(chatty("a", 1, 0.01))
    b = asyncio.create_task(chatty("b", 3, 0.05))
    print("first:", await a)
    print("second:", await b)

    t = asyncio.create_task(chatty("t", 1, 0.01))
    await t
    print(t.result(), t.exception())

    u = asyncio.create_task(chatty("u", 5, 0.05))
    await asyncio.sleep(0.07)
    u.cancel()
    try:
        await u
    except asyncio.CancelledError:
        pass
    print("u cancelled:", u.cancelled())


asyncio.run(main())
