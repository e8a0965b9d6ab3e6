"""A bounded queue (maxsize=2): the producer waits for room (AM401 keeps the
bound as the stream's buffer size)."""
# e2e-flags: --unsafe
# e2e-expect: anyio.create_memory_object_stream(2)
# e2e-expect: buf_receive.statistics().current_buffer_used
# e2e-absent: asyncio
# e2e-backends: asyncio trio

import asyncio


async def main() -> None:
    buf = asyncio.Queue(maxsize=2)
    peak = 0

    async def fill() -> None:
        nonlocal peak
        for i in range(6):
            await buf.put(i)
            peak = max(peak, buf.qsize())
        await buf.put(-1)

    async def drain() -> None:
        got = []
        while (i := await buf.get()) >= 0:
            await asyncio.sleep(0.01)
            got.append(i)
        print("drained", got)

    await asyncio.gather(fill(), drain())
    print("never more than", peak, "waiting")


asyncio.run(main())
