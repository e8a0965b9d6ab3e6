"""Offloading blocking work to threads, and giving up on a slow thread.

Exercises: `await asyncio.to_thread(f, *args)` -> `await
anyio.to_thread.run_sync(f, *args, abandon_on_cancel=True)`, with a keyword
argument (-> functools.partial), and under a timeout block. The export thread
outlives its timed-out caller: the caller reports first and the thread
finishes later, which only holds with abandon_on_cancel=True.
"""
# e2e-expect: await anyio.to_thread.run_sync(checksum, b"payload", 2000, abandon_on_cancel=True)
# e2e-expect: functools.partial(checksum, b"header", rounds=10)
# e2e-expect: abandon_on_cancel=True
# e2e-expect: with anyio.fail_after(0.1):
# e2e-absent: asyncio
# e2e-backends: asyncio trio

import asyncio
import hashlib
import time


def checksum(data: bytes, rounds: int) -> str:
    digest = data
    for _ in range(rounds):
        digest = hashlib.sha256(digest).digest()
    return digest.hex()[:16]


def slow_export(name: str) -> None:
    time.sleep(0.4)  # blocking I/O
    print(f"  export thread: {name} written")


async def main() -> None:
    digest = await asyncio.to_thread(checksum, b"payload", 2000)
    print("payload checksum:", digest)
    header = await asyncio.to_thread(checksum, b"header", rounds=10)
    print("header checksum:", header)

    try:
        async with asyncio.timeout(0.1):
            await asyncio.to_thread(slow_export, "report.csv")
    except TimeoutError:
        print("export: gave up waiting, the thread carries on")
    await asyncio.sleep(0.8)
    print("main: done")


asyncio.run(main())
