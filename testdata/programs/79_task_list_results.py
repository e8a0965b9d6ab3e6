"""Tasks collected in a list, waited for all together, then read: the task
group AM206 puts around them keeps the handles (`tg.create_task`), the wait
goes, and `t.result()` in a comprehension or a loop over the list becomes the
handle's `t.return_value`; so does `done, _ = await asyncio.wait(tasks)` with
`done` read for results (every task is done there: `done` is the list). Later
tasks finish first: the output proves the
results are read in list order.
"""
# e2e-flags: --unsafe
# e2e-backends: asyncio trio
# e2e-expect: tasks = [tg.create_task(double(n, 0.01 * (3 - n))) for n in range(3)]
# e2e-expect: return [t.return_value for t in tasks]
# e2e-expect: jobs.append(tg.create_task(double(word, 0.01)))
# e2e-expect: print(job.return_value)
# e2e-expect: for job in jobs:
# e2e-expect: return sorted(t.return_value for t in pending_jobs)
# e2e-absent: asyncio

import asyncio


async def double(x, delay: float):
    await asyncio.sleep(delay)
    return x * 2


async def waited() -> list[int]:
    tasks = [asyncio.create_task(double(n, 0.01 * (3 - n))) for n in range(3)]
    await asyncio.wait(tasks)
    return [t.result() for t in tasks]


async def gathered(words: list[str]) -> None:
    jobs = []
    for word in words:
        jobs.append(asyncio.create_task(double(word, 0.01)))
    await asyncio.gather(*jobs)
    for job in jobs:
        print(job.result())


async def finished(n: int) -> list[int]:
    pending_jobs = [asyncio.create_task(double(i, 0.01)) for i in range(n)]
    done, _ = await asyncio.wait(pending_jobs)
    return sorted(t.result() for t in done)


async def main() -> None:
    print(await waited())
    await gathered(["a", "bc"])
    print(await finished(3))


asyncio.run(main())
