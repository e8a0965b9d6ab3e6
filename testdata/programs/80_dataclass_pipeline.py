"""An everyday pipeline: a dataclass holding an event and a lock made by
`field(default_factory=...)`, a bounded queue between a producer and a
consumer under `gather`, a spinner task cancelled when the work is done, and a
deadline from the loop's clock. The factories make anyio's objects (AM301,
AM302, unsafe: a caller may pass its own); the field annotations are left to a
person (dataclasses read them at run time).
"""
# e2e-flags: --unsafe
# e2e-backends: asyncio trio
# e2e-expect: ready: asyncio.Event = field(default_factory=anyio.Event)
# e2e-expect: lock: asyncio.Lock = field(default_factory=anyio.Lock)
# e2e-expect: tg.cancel_scope.cancel()
# e2e-expect: with anyio.fail_after(0.01):
# e2e-absent: asyncio.Queue
import asyncio
import contextlib
import inspect
from dataclasses import dataclass, field


@dataclass
class Bus:
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    seen: list[int] = field(default_factory=list)


async def producer(queue: asyncio.Queue, n: int) -> None:
    for i in range(n):
        await queue.put(i)
    await queue.put(None)


async def consumer(queue: asyncio.Queue, bus: Bus) -> int:
    total = 0
    while True:
        item = await queue.get()
        if item is None:
            break
        async with bus.lock:
            bus.seen.append(item)
        total += item
    bus.ready.set()
    return total


async def pipeline(n: int) -> int:
    queue: asyncio.Queue = asyncio.Queue(maxsize=2)
    bus = Bus()
    _, total = await asyncio.gather(producer(queue, n), consumer(queue, bus))
    await bus.ready.wait()
    return total


async def spinner(log: list[str]) -> None:
    while True:
        log.append("spin")
        await asyncio.sleep(0.005)


async def with_spinner() -> int:
    log: list[str] = []
    task = asyncio.create_task(spinner(log))
    await asyncio.sleep(0.02)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return len(log)


async def call(f, *args):
    if asyncio.iscoroutinefunction(f):
        return await f(*args)
    return f(*args)


async def deadline_demo() -> str:
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout_at(loop.time() + 0.01):
            await asyncio.sleep(1)
    except TimeoutError:
        return "deadline"
    return "no"


async def main() -> None:
    print(await pipeline(5))
    print(await with_spinner() > 1)
    print(await call(pipeline, 3), await call(len, "ab"))
    print(await deadline_demo())


asyncio.run(main())
