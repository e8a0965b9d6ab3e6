"""A queue handed to a helper that drains it with get_nowait() until
asyncio.QueueEmpty (AM401, unsafe): the helper gets the receive end, and its
handler catches anyio.WouldBlock, which receive_nowait() raises."""
# e2e-flags: --unsafe
# e2e-expect: items.append(inbox.receive_nowait())
# e2e-expect: except anyio.WouldBlock:
# e2e-absent: asyncio
# e2e-backends: asyncio trio
import asyncio


async def drain(inbox):
    items = []
    while True:
        try:
            items.append(inbox.get_nowait())
        except asyncio.QueueEmpty:
            break
    return items


async def fill(out):
    for i in range(3):
        await out.put(i)


async def main():
    q = asyncio.Queue()
    await fill(q)
    print(await drain(q))


asyncio.run(main())
