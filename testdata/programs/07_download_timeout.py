"""Chunked downloader under a timeout block, with cancellation cleanup.

Exercises: `async with asyncio.timeout(T):` -> `with anyio.fail_after(T):`;
`except asyncio.CancelledError:` that cleans up and re-raises ->
`except anyio.get_cancelled_exc_class():`. The first download stalls after two
chunks, so the timeout fires, the cleanup handler runs and the caller catches
the builtin TimeoutError; the second one finishes inside its deadline.
"""
# e2e-expect: with anyio.fail_after(0.2):
# e2e-expect: with anyio.fail_after(1):
# e2e-expect: except anyio.get_cancelled_exc_class():
# e2e-absent: asyncio.timeout
# e2e-absent: async with anyio
# e2e-absent: CancelledError
# e2e-absent: import asyncio
# e2e-backends: asyncio trio

import asyncio


class Download:
    def __init__(self, name: str, chunks: int, stall_after: int | None) -> None:
        self.name = name
        self.chunks = chunks
        self.stall_after = stall_after
        self.received = 0

    async def next_chunk(self) -> None:
        if self.received == self.stall_after:
            await asyncio.sleep(10)  # the peer stops sending
        await asyncio.sleep(0.01)
        self.received += 1


async def fetch(dl: Download) -> int:
    try:
        while dl.received < dl.chunks:
            await dl.next_chunk()
    except asyncio.CancelledError:
        print(f"  {dl.name}: cancelled after {dl.received} chunks, removing partial file")
        raise
    print(f"  {dl.name}: complete")
    return dl.received


async def main() -> None:
    big = Download("big.iso", chunks=8, stall_after=2)
    try:
        async with asyncio.timeout(0.2):
            await fetch(big)
    except TimeoutError:
        print("big.iso: timed out")

    small = Download("small.txt", chunks=3, stall_after=None)
    async with asyncio.timeout(1):
        n = await fetch(small)
    print(f"small.txt: {n} chunks")


asyncio.run(main())
