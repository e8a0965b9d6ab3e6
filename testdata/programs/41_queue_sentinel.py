"""A producer/consumer queue with a None sentinel, local to one coroutine
(AM401): it becomes a memory object stream pair closed by a `with`."""
# e2e-flags: --unsafe
# e2e-expect: anyio.create_memory_object_stream[int | None](math.inf)
# e2e-expect: with jobs_send, jobs_receive:
# e2e-expect: await jobs_send.send(n)
# e2e-expect: await jobs_receive.receive()
# e2e-absent: asyncio
# e2e-backends: asyncio trio

import asyncio


async def main() -> None:
    jobs: asyncio.Queue[int | None] = asyncio.Queue()
    total = 0

    async def producer() -> None:
        for n in range(1, 6):
            await jobs.put(n)
        await jobs.put(None)  # no more jobs

    async def consumer() -> None:
        nonlocal total
        while (n := await jobs.get()) is not None:
            total += n * n

    await asyncio.gather(producer(), consumer())
    print("sum of squares", total)


asyncio.run(main())
