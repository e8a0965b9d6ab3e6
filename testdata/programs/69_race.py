"""Two races: the first task to finish wins and the others are cancelled.

`done, pending = await asyncio.wait([...], return_when=FIRST_COMPLETED)`
then `for t in pending: t.cancel()` becomes a task group whose first
finisher cancels the group (AM209); the tasks are made before the wait in
the first race and inside it in the second, whose wait for the cancelled
tasks goes too (the group waits for them). The third waits for all until a
deadline: the group goes inside `anyio.move_on_after`.
"""
# e2e-flags: --unsafe
# e2e-backends: asyncio trio
# e2e-expect: tg.cancel_scope.cancel()
# e2e-expect: tg.start_soon(run_then_cancel, ticker, "fast", 2, 0.05, log)
# e2e-expect: tg.start_soon(run_then_cancel, functools.partial(ticker, "slow", 100, 0.075, log, cleanup=True))
# e2e-expect: with anyio.move_on_after(0.25):
# e2e-absent: asyncio

import asyncio


async def ticker(name: str, n: int, delay: float, log: list[str], cleanup: bool = False) -> str:
    try:
        for i in range(n):
            await asyncio.sleep(delay)
            log.append(f"{name}{i}")
        return name
    finally:
        if cleanup:
            print(f"{name} stopped after {len(log)} ticks")


async def main() -> None:
    log: list[str] = []
    fast = asyncio.create_task(ticker("fast", 2, 0.05, log))
    slow = asyncio.create_task(ticker("slow", 100, 0.075, log))
    done, pending = await asyncio.wait([fast, slow], return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    print(log)

    log.clear()
    _, pending = await asyncio.wait(
        [
            asyncio.create_task(ticker("fast", 2, 0.05, log)),
            asyncio.create_task(ticker("slow", 100, 0.075, log, cleanup=True)),
        ],
        return_when=asyncio.FIRST_COMPLETED,
    )
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    print("after the race:", log)

    log.clear()
    ticking = asyncio.create_task(ticker("tick", 100, 0.1, log))
    counting = asyncio.create_task(ticker("count", 100, 0.1, log))
    done, pending = await asyncio.wait([ticking, counting], timeout=0.25)
    for task in pending:
        task.cancel()
    print("at the deadline:", sorted(log))


asyncio.run(main())
