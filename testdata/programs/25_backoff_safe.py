"""Backoff and deadline-based sleeping, migrated without --unsafe.

Exercises the safe/unsafe boundary: `asyncio.sleep(delay)` with a computed
delay is NOT rewritten by default (anyio.sleep raises ValueError on a negative
delay; here the flush deadline has already passed, so the delay is negative
and asyncio returns at once), and neither is a wait_for whose timeout is a
call. Literal sleeps and the entry point are still rewritten, so the program
mixes both libraries: asyncio backend only.
"""
# e2e-expect: await asyncio.sleep(delay)
# e2e-expect: await asyncio.sleep(deadline - now)
# e2e-expect: asyncio.wait_for(op(attempt), budget(attempt))
# e2e-expect: await anyio.sleep(0.01)
# e2e-expect: anyio.run(main)
# e2e-expect: import asyncio
# e2e-backends: asyncio

import asyncio


def budget(attempt: int) -> float:
    return 0.05 * (attempt + 1)


async def flaky_lookup(attempt: int) -> str:
    if attempt < 1:
        await asyncio.sleep(10)
    await asyncio.sleep(0.01)
    return f"answer from attempt {attempt}"


async def call_with_backoff(op, attempts: int, base: float) -> str:
    delay = base
    for attempt in range(attempts):
        try:
            return await asyncio.wait_for(op(attempt), budget(attempt))
        except asyncio.TimeoutError:
            print(f"attempt {attempt}: timed out, backing off {delay:.2f}s")
            await asyncio.sleep(delay)
            delay *= 2
    raise RuntimeError("out of attempts")


async def flush_at(deadline: float, now: float) -> str:
    # the deadline may already have passed: asyncio treats a negative delay as 0
    await asyncio.sleep(deadline - now)
    return "flushed"


async def main() -> None:
    print(await call_with_backoff(flaky_lookup, attempts=3, base=0.01))
    print("late batch:", await flush_at(deadline=10.0, now=12.5))


asyncio.run(main())
