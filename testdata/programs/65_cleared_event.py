"""An event that is cleared becomes a fresh anyio event where it was cleared.

A ticker's consumer waits for the private event and clears it after each
tick; a local event in a coroutine is reused the same way.
"""
# e2e-flags: --unsafe
# e2e-backends: asyncio trio
# e2e-expect: self._tick = anyio.Event()
# e2e-expect: ready = anyio.Event()
# e2e-absent: asyncio

import asyncio


class Ticker:
    def __init__(self) -> None:
        self._tick = asyncio.Event()
        self.count = 0

    def notify(self) -> None:
        self.count += 1
        self._tick.set()

    async def next_tick(self) -> int:
        await self._tick.wait()
        self._tick.clear()
        return self.count


async def produce(ticker: Ticker) -> None:
    for _ in range(3):
        await asyncio.sleep(0.02)
        ticker.notify()


async def rounds() -> list[str]:
    seen = []
    ready = asyncio.Event()
    for name in ("a", "b"):
        ready.set()
        await ready.wait()
        seen.append(f"{name}: {ready.is_set()}")
        ready.clear()
        seen.append(f"{name} cleared: {ready.is_set()}")
    return seen


async def main() -> None:
    ticker = Ticker()
    async with asyncio.TaskGroup() as tg:
        tg.create_task(produce(ticker))
        for _ in range(3):
            print("tick", await ticker.next_tick())
    print(await rounds())


asyncio.run(main())
