"""A producer and a consumer defined at module level and handed the queue,
shut down with a None sentinel (AM401): each gets the one end it uses, with
its parameter retyped (without the `None`), and the sentinel becomes the end
of the stream."""
# e2e-flags: --unsafe
# e2e-expect: async def producer(out: MemoryObjectSendStream[int], n: int) -> None:
# e2e-expect: async with out:
# e2e-expect: async def consumer(inbox: MemoryObjectReceiveStream[int]) -> int:
# e2e-expect: async for item in inbox:
# e2e-expect: tg.start_soon(producer, jobs_send, 5)
# e2e-absent: put(None)
# e2e-absent: asyncio
# e2e-backends: asyncio trio

import asyncio


async def producer(out: asyncio.Queue[int | None], n: int) -> None:
    """Puts 1..n, then the sentinel."""
    for i in range(1, n + 1):
        await out.put(i)
    await out.put(None)


async def consumer(inbox: asyncio.Queue[int | None]) -> int:
    got = []
    while True:
        item = await inbox.get()
        if item is None:
            break
        got.append(item)
    print("consumer got", got)
    return sum(got)


async def main() -> None:
    jobs: asyncio.Queue[int | None] = asyncio.Queue(maxsize=1)
    await asyncio.gather(producer(jobs, 5), consumer(jobs))
    print("finished")


asyncio.run(main())
