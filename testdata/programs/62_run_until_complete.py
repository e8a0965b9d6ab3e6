"""A synchronous entry point that runs one coroutine on a loop of its own.

`loop = asyncio.new_event_loop()` / `set_event_loop` / `run_until_complete`
/ `close` becomes `anyio.run` (unsafe: tasks left running are cancelled, no
loop is left behind), and so does `get_event_loop().run_until_complete`.
"""
# e2e-flags: --unsafe
# e2e-backends: asyncio trio
# e2e-expect: total = anyio.run(functools.partial(add_up, [1, 2, 3], start=10))
# e2e-expect: print(anyio.run(add_up, [4, 5]))
# e2e-absent: asyncio

import asyncio


async def add_up(numbers: list[int], start: int = 0) -> int:
    total = start
    for n in numbers:
        await asyncio.sleep(0.001)
        total += n
    return total


def first() -> None:
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        total = loop.run_until_complete(add_up([1, 2, 3], start=10))
    finally:
        loop.close()
    print(total)


def second() -> None:
    print(asyncio.new_event_loop().run_until_complete(add_up([4, 5])))


first()
second()
