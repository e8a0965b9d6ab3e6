"""Profile page: `a, b = await asyncio.gather(f(), g())` -> `anyio.gather`.

Exercises AM202 with two and three names, keyword arguments inside the calls,
an attribute call, and a tuple-parenthesised target. The slowest call is the
first argument, so results in completion order would differ from argument
order: the printed values prove argument order is kept.
"""
# e2e-expect: user, posts = await anyio.gather(get_user(uid), get_posts(uid, limit=2))
# e2e-expect: (a, b, c) = await anyio.gather(self.slow(3), self.slow(1), self.slow(2))
# e2e-absent: asyncio.gather
# e2e-absent: import asyncio
# e2e-backends: asyncio trio

import asyncio


async def pause(ticks: float) -> None:
    """Sleep `ticks` hundredths of a second (literal sleeps: a safe rewrite)."""
    for _ in range(round(ticks)):
        await asyncio.sleep(0.01)


async def get_user(uid: int) -> str:
    await asyncio.sleep(0.05)
    return f"user{uid}"


async def get_posts(uid: int, limit: int = 10) -> list[str]:
    await asyncio.sleep(0.01)
    return [f"post{uid}-{n}" for n in range(limit)]


class Timer:
    async def slow(self, n: int) -> int:
        await pause(n * 2)
        return n * 10


async def page(uid: int) -> tuple[str, list[str]]:
    user, posts = await asyncio.gather(get_user(uid), get_posts(uid, limit=2))
    return user, posts


class Dashboard:
    def __init__(self) -> None:
        self.timer = Timer()

    async def slow(self, n: int) -> int:
        return await self.timer.slow(n)

    async def numbers(self) -> list[int]:
        (a, b, c) = await asyncio.gather(self.slow(3), self.slow(1), self.slow(2))
        return [a, b, c]


async def main() -> None:
    print(await page(7))
    print(await Dashboard().numbers())


asyncio.run(main())
