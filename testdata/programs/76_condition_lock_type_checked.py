"""A condition on a lock that the program checks against `asyncio.Lock`.

AM301 leaves the lock asyncio's in any run (the program tests objects
against `asyncio.Lock`, which anyio's lock is not), so AM305 leaves the
condition on it asyncio's too: anyio's condition fails on an asyncio lock.
A condition with no lock of its own still becomes anyio's.
"""
# e2e-flags: --unsafe
# e2e-backends: asyncio
# e2e-expect: lock = asyncio.Lock()
# e2e-expect: ready = asyncio.Condition(lock)
# e2e-expect: alone = anyio.Condition()

import asyncio


async def main() -> None:
    lock = asyncio.Lock()
    ready = asyncio.Condition(lock)
    alone = asyncio.Condition()
    async with ready:
        ready.notify_all()
    async with alone:
        alone.notify_all()
    print(isinstance(lock, asyncio.Lock), ready.locked(), alone.locked())


asyncio.run(main())
