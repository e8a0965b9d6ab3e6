"""Several producers feed one consumer; the coordinating function puts the
None sentinel once every producer is done (AM401): the producers get the send
end, and the sentinel becomes closing it (`await send.aclose()`), which ends
the consumer's `async for`."""
# e2e-flags: --unsafe
# e2e-expect: async def produce(name: str, out: MemoryObjectSendStream[str | None], count: int) -> None:
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
