"""A race over tasks made by a list comprehension: the first mirror to
answer wins and the others are cancelled. The comprehension's loop starts
each job in a task group whose first finisher cancels the rest."""

# e2e-flags: --unsafe
# e2e-expect: for name, delay in MIRRORS:
# e2e-expect: tg.cancel_scope.cancel()
# e2e-absent: asyncio
# e2e-backends: asyncio trio

import asyncio

MIRRORS = [("a", 0.2), ("b", 0.01), ("c", 0.1)]


async def fetch_from(name: str, delay: float, log: list[str]) -> None:
    await asyncio.sleep(delay)
    log.append(name)


async def main() -> None:
    log: list[str] = []
    tasks = [asyncio.create_task(fetch_from(name, delay, log)) for name, delay in MIRRORS]
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for t in pending:
        t.cancel()
    print("answered:", log)


if __name__ == "__main__":
    asyncio.run(main())
