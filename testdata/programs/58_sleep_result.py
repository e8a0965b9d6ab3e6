"""`asyncio.sleep(delay, result)`: the sleep, then the value.

A literal result becomes the sleep followed by the statement with the value
in place of the await; a result that is a variable is read after the delay
instead of before, so that rewrite waits for --unsafe (here a sibling task
rebinds nothing, and the output is the same).
"""
# e2e-flags: --unsafe
# e2e-backends: asyncio trio
# e2e-expect: await anyio.sleep(0.01)
# e2e-expect: return "ready"
# e2e-expect: token = current
# e2e-expect: anyio.run(main)

import asyncio


async def probe() -> str:
    return await asyncio.sleep(0.01, "ready")


async def tick(count: int) -> int:
    await asyncio.sleep(0.01, count)
    total = await asyncio.sleep(0, result=count + 1)
    return total


async def echo(current: str) -> str:
    token = await asyncio.sleep(0.01, current)
    return token.upper()


async def main() -> None:
    print(await probe())
    print(await tick(2))
    print(await echo("abc"))


asyncio.run(main())
