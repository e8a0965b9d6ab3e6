"""Best-effort metrics push: a slow collector must never block the worker.

Exercises: `try: await asyncio.wait_for(X, T)` / `except asyncio.TimeoutError:
pass` -> `with anyio.move_on_after(T): await X`. The first push hangs and is
abandoned (its "acked" line never prints); the second one completes.
"""
# e2e-flags: --unsafe
# e2e-expect: with anyio.move_on_after(0.1):
# e2e-expect: await collector.push(batch)
# e2e-absent: wait_for
# e2e-absent: TimeoutError
# e2e-absent: import asyncio
# e2e-backends: asyncio trio

import asyncio


class Collector:
    def __init__(self, stalls: int) -> None:
        self.stalls = stalls
        self.received: list[list[int]] = []

    async def push(self, batch: list[int]) -> None:
        print(f"  push {batch} started")
        if self.stalls:
            self.stalls -= 1
            await asyncio.sleep(5)
        else:
            await asyncio.sleep(0.01)
        self.received.append(batch)
        print(f"  push {batch} acked")


async def flush_metrics(collector: Collector, batch: list[int]) -> None:
    try:
        await asyncio.wait_for(collector.push(batch), 0.1)
    except asyncio.TimeoutError:
        pass
    print(f"worker: continuing after batch {batch}")


async def main() -> None:
    collector = Collector(stalls=1)
    await flush_metrics(collector, [1, 2])
    await flush_metrics(collector, [3])
    print("collector received:", collector.received)


asyncio.run(main())
