"""Crawler: `rs = await asyncio.gather(*(f(u) for u in us))` -> fetch_all shape.

Exercises AM203 over a typed list parameter (read as it is, with typed new
code), a generator function (materialised with
`list(...)`), a `range`, and a list comprehension inside `*[...]`. Later items
finish first, so completion order is the reverse of input order: the result
lists prove input order is kept. Below anyio 4.15 (this program's target);
54_gather_values.py has the `anyio.amap` form of 4.15 and later.
"""
# e2e-flags: --target-anyio 4.14
# e2e-expect: results[i] = await fetch(u)
# e2e-expect: tg.start_soon(_fetch_one, i, u)
# e2e-expect: for i, u in enumerate(urls):
# e2e-expect: results: list[str] = [None] * len(urls)
# e2e-expect: items = list(pages())
# e2e-expect: sizes: list[int] = [None] * len(items)
# e2e-expect: async with anyio.create_task_group() as tg:
# e2e-absent: asyncio.gather
# e2e-absent: import asyncio
# e2e-backends: asyncio trio

import asyncio


async def pause(ticks: float) -> None:
    """Sleep `ticks` hundredths of a second (literal sleeps: a safe rewrite)."""
    for _ in range(round(ticks)):
        await asyncio.sleep(0.01)


async def fetch(url: str) -> str:
    await pause(5 - len(url))
    return url.upper()


async def size(page: str) -> int:
    await pause(5 - len(page))
    return len(page)


async def square(n: int) -> int:
    await pause(4 - n)
    return n * n


def pages():
    yield "a"
    yield "bb"
    yield "ccc"


async def fetch_all(urls: list[str]) -> list[str]:
    results = await asyncio.gather(*(fetch(u) for u in urls))
    return results


async def main() -> None:
    print(await fetch_all(["x", "yy", "zzz", "wwww"]))
    sizes = await asyncio.gather(*[size(p) for p in pages()])
    print(sizes, type(sizes).__name__)
    squares = await asyncio.gather(*(square(n) for n in range(4)))
    print(squares)
    empty = await asyncio.gather(*(square(n) for n in []))
    print(empty)


asyncio.run(main())
