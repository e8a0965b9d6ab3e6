"""Several producers feed one consumer; the coordinating function puts the
None sentinel once every producer is done (AM401): each producer gets its own
clone of the send end and closes it (`async with out:`), the sentinel becomes
closing the original (`await send.aclose()`), and the consumer's loop an
`async for` that ends when every send end is closed."""
# e2e-flags: --unsafe
# e2e-expect: async def produce(name: str, out: MemoryObjectSendStream[str], count: int) -> None:
# e2e-expect: async with out:
# e2e-expect: producers.start_soon(produce, name, lines_send.clone(), 3)
# e2e-expect: async for line in inbox:
# e2e-expect: await lines_send.aclose()
# e2e-absent: put(None)
# e2e-absent: asyncio
# e2e-backends: asyncio trio

import asyncio


async def produce(name: str, out: asyncio.Queue[str | None], count: int) -> None:
    for i in range(count):
        await asyncio.sleep(0.001 * (i + 1))
        await out.put(f"{name}-{i}")


async def collect(inbox: asyncio.Queue[str | None], seen: list[str]) -> None:
    while (line := await inbox.get()) is not None:
        seen.append(line)
    print("collector saw the end")


async def main() -> None:
    lines: asyncio.Queue[str | None] = asyncio.Queue(maxsize=2)
    seen: list[str] = []
    async with asyncio.TaskGroup() as tg:
        tg.create_task(collect(lines, seen))
        async with asyncio.TaskGroup() as producers:
            for name in ["a", "b", "c"]:
                producers.create_task(produce(name, lines, 3))
        await lines.put(None)  # every producer is done
    print(len(seen), "lines:", sorted(seen))


asyncio.run(main())
