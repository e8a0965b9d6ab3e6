"""A function run in a worker thread calls back into the event loop.

`loop.run_in_executor(None, export, rows, loop)` becomes
`anyio.to_thread.run_sync` (AM502); the function it runs then calls back
with `anyio.from_thread` instead of `run_coroutine_threadsafe(...).result()`
and `call_soon_threadsafe` (also a future submitted in one statement and
waited for in the next), its `loop` parameter goes, and so does the
caller's `get_running_loop()`.
"""
# e2e-flags: --unsafe
# e2e-backends: asyncio trio
# e2e-expect: anyio.from_thread.run(save, row, store)
# e2e-expect: anyio.from_thread.run_sync(store.append, "done")
# e2e-expect: saved = anyio.from_thread.run(count_saved, store)
# e2e-expect: def export(rows: list[str], store: list[str]) -> int:
# e2e-absent: asyncio

import asyncio


async def save(row: str, store: list[str]) -> None:
    await asyncio.sleep(0.001)
    store.append(row.upper())


async def count_saved(store: list[str]) -> int:
    await asyncio.sleep(0.001)
    return len(store)


def export(rows: list[str], store: list[str], loop: asyncio.AbstractEventLoop) -> int:
    for row in rows:
        asyncio.run_coroutine_threadsafe(save(row, store), loop).result()
    future = asyncio.run_coroutine_threadsafe(count_saved(store), loop)
    saved = future.result()
    loop.call_soon_threadsafe(store.append, "done")
    return saved


async def main() -> None:
    store: list[str] = []
    loop = asyncio.get_running_loop()
    count = await loop.run_in_executor(None, export, ["a", "b"], store, loop)
    await asyncio.sleep(0.01)
    print(count, store)


asyncio.run(main())
