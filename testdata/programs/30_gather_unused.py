"""Cache warmer: `await asyncio.gather(...)` whose result is unused.

Exercises AM201: positional calls -> `tg.start_soon(f, a)`, a call with
keyword arguments -> `functools.partial`, an attribute call (`self.cache.put`),
and a starred generator -> a `for` loop of `start_soon`. The calls really run
concurrently (total time well under the serial sum) and every effect is
printed sorted, so trio's random start order does not matter.
"""
# e2e-expect: async with anyio.create_task_group() as tg:
# e2e-expect: tg.start_soon(fetch, "home")
# e2e-expect: tg.start_soon(functools.partial(store, "menu", key="m1", ttl=30))
# e2e-expect: tg.start_soon(self.cache.put, "logo", 3)
# e2e-expect: for page in pages:
# e2e-expect: tg.start_soon(fetch, page)
# e2e-absent: asyncio.gather
# e2e-absent: import asyncio
# e2e-backends: asyncio trio

import asyncio
import time

fetched: list[str] = []
stored: dict[str, tuple[str, int]] = {}


async def fetch(page: str) -> None:
    await asyncio.sleep(0.1)
    fetched.append(page)


async def store(name: str, key: str = "", ttl: int = 0) -> None:
    await asyncio.sleep(0.1)
    stored[name] = (key, ttl)


class Cache:
    def __init__(self) -> None:
        self.entries: dict[str, int] = {}

    async def put(self, name: str, size: int) -> None:
        await asyncio.sleep(0.1)
        self.entries[name] = size


class Warmer:
    def __init__(self) -> None:
        self.cache = Cache()

    async def warm(self, pages: list[str]) -> None:
        await asyncio.gather(fetch("home"), store("menu", key="m1", ttl=30), self.cache.put("logo", 3), *(fetch(page) for page in pages))


async def main() -> None:
    warmer = Warmer()
    start = time.monotonic()
    await warmer.warm(["a", "b", "c"])
    elapsed = time.monotonic() - start
    print("fetched:", sorted(fetched))
    print("stored:", stored)
    print("cache:", warmer.cache.entries)
    print("concurrent:", elapsed < 0.45)


asyncio.run(main())
