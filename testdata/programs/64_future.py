"""A future made, set and awaited in one coroutine becomes an `anyio.Future`.

The future is set from a callback the coroutine defines and hands to a
publisher task; `done()` guards the second message; the annotated one is
set by a sibling task before it is awaited.
"""
# e2e-flags: --unsafe
# e2e-backends: asyncio trio
# e2e-expect: reply = anyio.Future()
# e2e-expect: if reply.status is anyio.Future.Status.PENDING:
# e2e-expect: reply.return_value = message
# e2e-expect: ready: anyio.Future[int] = anyio.Future()
# e2e-absent: asyncio

import asyncio
from typing import Callable


async def publish(callback: Callable[[str], None]) -> None:
    for message in ("first", "second"):
        await asyncio.sleep(0.01)
        callback(message)


async def next_message() -> str:
    reply = asyncio.get_running_loop().create_future()

    def on_message(message: str) -> None:
        if not reply.done():
            reply.set_result(message)

    async with asyncio.TaskGroup() as tg:
        tg.create_task(publish(on_message))
        got = await reply
    print("done after the group:", reply.done(), reply.result())
    return got


async def counted() -> int:
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[int] = loop.create_future()

    async def count() -> None:
        await asyncio.sleep(0.01)
        ready.set_result(3)

    async with asyncio.TaskGroup() as tg:
        tg.create_task(count())
    return await ready


async def main() -> None:
    print(await next_message())
    print(await counted())


asyncio.run(main())
