"""A heartbeat task started by an `asynccontextmanager` and stopped when its
block ends (with `try`/`finally` and a swallowed cancellation, or a plain
`cancel()` after the `yield`, the FastAPI lifespan shape): AM206 gives it a task
group that stays open across the `yield` (one task enters and leaves an
`asynccontextmanager`'s generator) and whose scope is cancelled where the
task was; a task cancelled before it could start is left (asyncio never runs
it, a task group's task would run up to its first await).
"""
# e2e-flags: --unsafe
# e2e-expect: tg.start_soon(beat, name)
# e2e-expect: tg.cancel_scope.cancel()
# e2e-expect: tg.start_soon(beat, app)
# e2e-backends: asyncio
import asyncio
from contextlib import asynccontextmanager, suppress

log = []


async def beat(name):
    log.append(f"{name} beating")
    try:
        await asyncio.sleep(3600)
    finally:
        log.append(f"{name} stopped")


@asynccontextmanager
async def heartbeat(name):
    task = asyncio.create_task(beat(name))
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


@asynccontextmanager
async def lifespan(app):
    task = asyncio.create_task(beat(app))
    yield
    task.cancel()


async def never_started():
    task = asyncio.create_task(beat("never"))
    task.cancel()
    with suppress(asyncio.CancelledError):
        await task


async def main():
    async with heartbeat("h"):
        await asyncio.sleep(0.01)
        log.append("h body")
    async with lifespan("l"):
        await asyncio.sleep(0.01)
        log.append("l body")
    await never_started()
    await asyncio.sleep(0.01)
    print(log)


asyncio.run(main())
