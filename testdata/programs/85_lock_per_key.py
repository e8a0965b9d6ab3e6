"""A lock per key (`defaultdict(asyncio.Lock)`), the cache-stampede guard:
the dict makes anyio locks, and its annotation follows."""

# e2e-expect: defaultdict(anyio.Lock)
# e2e-expect: defaultdict[str, anyio.Lock]
# e2e-absent: asyncio
# e2e-backends: asyncio trio

import asyncio
from collections import defaultdict

locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
cache: dict[str, int] = {}


async def compute(key: str) -> int:
    await asyncio.sleep(0.01)
    return len(key)


async def get(key: str) -> int:
    async with locks[key]:
        if key not in cache:
            cache[key] = await compute(key)
        return cache[key]


async def main() -> None:
    print(await asyncio.gather(get("a"), get("a"), get("bb")))


if __name__ == "__main__":
    asyncio.run(main())
