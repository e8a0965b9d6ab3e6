"""The worker pool of asyncio's queue documentation: jobs put on a queue,
workers that take them (`while True: job = await queue.get()` ...
`queue.task_done()`), `await queue.join()`, then the workers cancelled and
gathered. The workers get a task group (AM206), and the queue becomes a
memory object stream whose send end closes where `join()` was: the workers
iterate the receive end and end once they have taken every job."""

# e2e-flags: --unsafe
# e2e-expect: async for job in queue:
# e2e-expect: queue_send.close()
# e2e-absent: task_done
# e2e-absent: cancel_scope.cancel()
# e2e-absent: asyncio
# e2e-backends: asyncio trio

import asyncio


async def worker(name: str, queue: asyncio.Queue, done: list[str]) -> None:
    while True:
        job = await queue.get()
        try:
            await asyncio.sleep(0.01 * job)
            done.append(f"{job}")
        finally:
            queue.task_done()


async def main() -> None:
    queue: asyncio.Queue[int] = asyncio.Queue()
    for job in [1, 2, 3, 1, 2]:
        queue.put_nowait(job)
    done: list[str] = []
    workers = [asyncio.create_task(worker(f"w{i}", queue, done)) for i in range(2)]
    await queue.join()
    for w in workers:
        w.cancel()
    await asyncio.gather(*workers, return_exceptions=True)
    print(sorted(done))
    print("left", queue.qsize())


if __name__ == "__main__":
    asyncio.run(main())
