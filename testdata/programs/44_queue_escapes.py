"""A queue handed to another function and joined: reported (AM401), not
rewritten; the program keeps its asyncio queue."""
# e2e-expect: anyio.run(main)
# e2e-backends: asyncio

import asyncio


async def worker(q: asyncio.Queue) -> None:
    while True:
        item = await q.get()
        print("handled", item)
        q.task_done()


async def main() -> None:
    q = asyncio.Queue()
    for i in range(3):
        q.put_nowait(i)
    task = asyncio.create_task(worker(q))
    await q.join()
    task.cancel()


asyncio.run(main())
