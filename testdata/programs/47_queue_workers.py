"""Several workers share one queue, each stopped by its own sentinel (AM401):
the workers get the receiving end; the sentinels stay (one per worker is not
the single-producer shape that becomes an end of stream)."""
# e2e-flags: --unsafe
# e2e-expect: async def worker(name: str, jobs: MemoryObjectReceiveStream[int | None], done: list[int]) -> None:
# e2e-expect: tg.start_soon(worker, f"w{i}", jobs_receive, done)
# e2e-expect: jobs_send.send_nowait(None)
# e2e-absent: asyncio
# e2e-backends: asyncio trio

import asyncio

WORKERS = 3


async def worker(name: str, jobs: asyncio.Queue[int | None], done: list[int]) -> None:
    while (job := await jobs.get()) is not None:
        await asyncio.sleep(0.001 * job)
        done.append(job * job)
    done.append(-1)  # stopped


async def main() -> None:
    jobs = asyncio.Queue()
    done: list[int] = []
    for n in range(9):
        jobs.put_nowait(n)
    for _ in range(WORKERS):
        jobs.put_nowait(None)
    await asyncio.gather(*(worker(f"w{i}", jobs, done) for i in range(WORKERS)))
    print("squares", sorted(d for d in done if d >= 0))
    print("workers stopped", done.count(-1))
    print("left", jobs.qsize())


asyncio.run(main())
