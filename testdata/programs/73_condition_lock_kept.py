"""A condition on a lock whose `acquire()` result the code reads.

In a safe run AM301 leaves that lock asyncio's (anyio's `acquire()` returns
`None`), so AM305 must leave the condition asyncio's too: anyio's condition
fails on an asyncio lock (`Lock` has no `statistics()`).
"""
# e2e-backends: asyncio
# e2e-expect: lock = asyncio.Lock()
# e2e-expect: ready = asyncio.Condition(lock)
# e2e-expect: anyio.run(main)

import asyncio


async def main() -> None:
    lock = asyncio.Lock()
    ready = asyncio.Condition(lock)
    if await lock.acquire():
        print("acquired")
        lock.release()
    async with ready:
        ready.notify_all()
    print("notified")


asyncio.run(main())
