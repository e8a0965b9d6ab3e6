"""Crawler that caps the number of requests in flight with semaphores.

Exercises: `asyncio.Semaphore(3)` -> `anyio.Semaphore(3)` and the no-argument
`asyncio.Semaphore()` -> `anyio.Semaphore(1)`. Prints the peak concurrency
observed under each limit (3, then 1), which a wrong limit would change.
"""
# e2e-expect: anyio.Semaphore(3)
# e2e-expect: anyio.Semaphore(1)
# e2e-absent: asyncio
# e2e-backends: asyncio trio

import asyncio

import anyio

URLS = [f"https://example.test/page/{i}" for i in range(10)]


class Gauge:
    def __init__(self) -> None:
        self.current = 0
        self.peak = 0

    def enter(self) -> None:
        self.current += 1
        self.peak = max(self.peak, self.current)

    def leave(self) -> None:
        self.current -= 1


async def crawl(urls: list[str], limit) -> tuple[int, int]:
    gauge = Gauge()
    fetched: list[str] = []

    async def fetch(url: str) -> None:
        async with limit:
            gauge.enter()
            await asyncio.sleep(0.02)
            fetched.append(url)
            gauge.leave()

    async with anyio.create_task_group() as tg:
        for url in urls:
            tg.start_soon(fetch, url)
    return len(fetched), gauge.peak


async def main() -> None:
    n, peak = await crawl(URLS, asyncio.Semaphore(3))
    print(f"parallel crawl: {n} pages, peak concurrency {peak}")
    polite = asyncio.Semaphore()
    n, peak = await crawl(URLS[:4], polite)
    print(f"polite crawl: {n} pages, peak concurrency {peak}")


asyncio.run(main())
