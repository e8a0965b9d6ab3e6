"""Retry with exponential backoff, migrated with --unsafe.

Exercises the unsafe-only rewrites: `await asyncio.sleep(delay)` with a
computed delay -> anyio.sleep(delay), and a statement-level wait_for whose
timeout is a call (`budget(attempt)`) -> `with anyio.fail_after(budget(attempt)):`.
Both are applied only because the harness passes --unsafe.
"""
# e2e-flags: --unsafe
# e2e-expect: await anyio.sleep(delay)
# e2e-expect: with anyio.fail_after(budget(attempt)):
# e2e-expect: return await op(attempt)
# e2e-expect: except TimeoutError:
# e2e-absent: asyncio
# e2e-backends: asyncio trio


import asyncio


def budget(attempt: int) -> float:
    """Later attempts get a bigger time budget."""
    return 0.05 * (attempt + 1)


async def flaky_lookup(attempt: int) -> str:
    # the first two attempts hang, the third answers quickly
    if attempt < 2:
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


async def main() -> None:
    print(await call_with_backoff(flaky_lookup, attempts=4, base=0.01))


asyncio.run(main())
