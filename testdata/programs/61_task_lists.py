"""Tasks collected in a list and gathered, and tasks awaited where they start.

`[asyncio.create_task(f(u)) for u in us]` then `await asyncio.gather(*tasks)`
becomes a task group around the creations whose handles give the results;
appended tasks whose results nobody reads become `tg.start_soon` calls; a
task awaited where it is created is the awaited call (unsafe: it runs in the
caller's context).
"""
# e2e-flags: --unsafe
# e2e-backends: asyncio trio
# e2e-expect: tasks = [tg.create_task(square(n)) for n in numbers]
# e2e-expect: return [task.return_value for task in tasks]
# e2e-expect: tg.start_soon(record, n, log, name=f"record {n}")
# e2e-expect: return await square(n)
# e2e-absent: asyncio

import asyncio


async def square(n: int) -> int:
    await asyncio.sleep(0.01 * (3 - n % 3))
    return n * n


async def squares(numbers: list[int]) -> list[int]:
    tasks = [asyncio.create_task(square(n)) for n in numbers]
    return await asyncio.gather(*tasks)


async def record(n: int, log: list[int]) -> None:
    log.append(await square(n))


async def record_all(numbers: list[int]) -> list[int]:
    log: list[int] = []
    tasks = []
    for n in numbers:
        if n % 2:
            tasks.append(asyncio.create_task(record(n, log), name=f"record {n}"))
    await asyncio.gather(*tasks)
    return sorted(log)


async def one(n: int) -> int:
    return await asyncio.create_task(square(n))


async def main() -> None:
    print(await squares([1, 2, 3, 4]))
    print(await record_all([1, 2, 3, 4, 5]))
    print(await one(7))


asyncio.run(main())
