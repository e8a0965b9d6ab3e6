"""Workers started into a list, cancelled once the work is done, then waited for.

`tasks.append(task)` after `task = asyncio.create_task(...)`, later
`for task in tasks: task.cancel()` and `await asyncio.gather(*tasks,
return_exceptions=True)` (the shape of the `asyncio.Queue` example in
Python's documentation): a task group whose scope is cancelled where the
tasks were, which also waits for them (AM206). The second function builds
the list in a comprehension and waits with `asyncio.wait`.
"""
# e2e-flags: --unsafe
# e2e-backends: asyncio trio
# e2e-expect: tg.start_soon(worker, f"w{i}", log, 0.05 * (i + 1))
# e2e-expect: tg.cancel_scope.cancel()
# e2e-absent: asyncio

import asyncio


async def worker(name: str, log: list[str], delay: float) -> None:
    try:
        while True:
            await asyncio.sleep(delay)
            log.append(name)
    finally:
        log.append(f"{name} stopped")


async def appended() -> None:
    log: list[str] = []
    tasks = []
    for i in range(2):
        task = asyncio.create_task(worker(f"w{i}", log, 0.05 * (i + 1)))
        tasks.append(task)
    await asyncio.sleep(0.125)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    print(sorted(log))


async def comprehension() -> None:
    log: list[str] = []
    tasks = [asyncio.create_task(worker(f"c{i}", log, 0.05)) for i in range(2)]
    await asyncio.sleep(0.075)
    for t in tasks:
        t.cancel()
    await asyncio.wait(tasks)
    print(sorted(log))


async def main() -> None:
    await appended()
    await comprehension()


asyncio.run(main())
