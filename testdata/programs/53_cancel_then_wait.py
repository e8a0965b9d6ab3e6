"""Ticker shutdown: a task cancelled, then awaited with its cancellation swallowed.

Exercises AM206: a group's only task, cancelled and then waited for, is the
group's scope cancelled (`tg.cancel_scope.cancel()`; the group's end is the
wait). Beside another task, the handle API (anyio 4.14+) keeps it:
`t.cancel()` stays (the handle has it), and `try: await t` / `except
asyncio.CancelledError: pass` or `with contextlib.suppress(asyncio.CancelledError):
await t` becomes `await t.wait()`, which waits for the task however it ends.
The `contextlib` import goes with its last use.
"""
# e2e-flags: --unsafe
# e2e-expect: tg.start_soon(ticker, "a")
# e2e-expect: tg.cancel_scope.cancel()
# e2e-expect: await u.wait()
# e2e-absent: CancelledError
# e2e-absent: import asyncio
# e2e-absent: import contextlib
# e2e-backends: asyncio trio
import asyncio
import contextlib

log = []


async def ticker(name):
    try:
        while True:
            await asyncio.sleep(0.01)
    finally:
        log.append(f"{name} stopped")


async def compute():
    await asyncio.sleep(0.02)
    return 42


async def main():
    t = asyncio.create_task(ticker("a"))
    await asyncio.sleep(0.05)
    t.cancel()
    try:
        await t
    except asyncio.CancelledError:
        pass
    u = asyncio.create_task(ticker("b"))
    r = asyncio.create_task(compute())
    value = await r
    u.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await u
    log.append(f"value {value}")
    print(log)


asyncio.run(main())
