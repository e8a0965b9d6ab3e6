"""Heartbeat ticker: the plain entry point and literal sleeps.

Exercises: asyncio.run(main()) -> anyio.run(main); await asyncio.sleep(<literal>)
with a float, an int 0 and an exponent literal -> anyio.sleep; `import asyncio`
removed once nothing refers to it; `import anyio` added.
"""
# e2e-expect: import anyio
# e2e-expect: anyio.run(main)
# e2e-expect: await anyio.sleep(0.01)
# e2e-expect: await anyio.sleep(0)
# e2e-expect: await anyio.sleep(1e-3)
# e2e-absent: import asyncio
# e2e-absent: asyncio.
# e2e-backends: asyncio trio

import asyncio


class Ticker:
    def __init__(self, name: str, beats: int) -> None:
        self.name = name
        self.beats = beats
        self.log: list[str] = []

    async def run(self) -> None:
        for n in range(1, self.beats + 1):
            await asyncio.sleep(0.01)
            self.log.append(f"{self.name}: beat {n}")
        await asyncio.sleep(0)  # give waiters a chance to run


async def main() -> None:
    ticker = Ticker("heart", 3)
    await ticker.run()
    for line in ticker.log:
        print(line)
    await asyncio.sleep(1e-3)
    print(f"{ticker.name}: stopped after {len(ticker.log)} beats")


asyncio.run(main())
