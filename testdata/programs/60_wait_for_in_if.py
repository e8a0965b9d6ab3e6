"""`if await asyncio.wait_for(X, T) ...:` — the value is awaited in the
timeout scope just before the `if`, into a fresh local the condition tests.
"""
# e2e-flags: --unsafe
# e2e-backends: asyncio trio
# e2e-expect: with anyio.fail_after(0.5):
# e2e-expect: value = await probe("db", 0.01)
# e2e-expect: if value == "db: up":
# e2e-expect: value = await probe("cache", 1)

import asyncio


async def probe(name: str, delay: float) -> str:
    await asyncio.sleep(delay)
    return f"{name}: up"


async def main() -> None:
    if await asyncio.wait_for(probe("db", 0.01), 0.5) == "db: up":
        print("db healthy")
    try:
        if await asyncio.wait_for(probe("cache", 1), 0.05):
            print("cache healthy")
    except TimeoutError:
        print("cache timed out")


asyncio.run(main())
