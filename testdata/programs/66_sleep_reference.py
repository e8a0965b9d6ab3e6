"""`asyncio.sleep` handed over as a function becomes `anyio.sleep` (unsafe).

A timer takes its sleep function as a parameter whose default is
`asyncio.sleep`; the callers here pass non-negative delays and no result,
so the output is the same.
"""
# e2e-flags: --unsafe
# e2e-backends: asyncio trio
# e2e-expect: sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
# e2e-absent: asyncio

import asyncio
from typing import Awaitable, Callable


class Timer:
    def __init__(
        self,
        interval: float,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.interval = interval
        self.sleep = sleep

    async def ticks(self, count: int) -> list[int]:
        out = []
        for i in range(count):
            await self.sleep(self.interval)
            out.append(i)
        return out


async def main() -> None:
    print(await Timer(0.01).ticks(3))


asyncio.run(main())
