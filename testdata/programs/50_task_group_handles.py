"""asyncio.TaskGroup whose task objects are read after the group (AM204,
unsafe): the tasks become anyio task handles, and `t.result()` /
`t.exception()` after the group their `return_value` / `exception`."""
# e2e-flags: --unsafe
# e2e-expect: async with anyio.create_task_group() as tg:
# e2e-expect: print(small.return_value, large.return_value)
# e2e-expect: print(small.exception)
# e2e-absent: asyncio
# e2e-backends: asyncio trio
import asyncio


async def square(x):
    await asyncio.sleep(0.01 * x)
    return x * x


async def main():
    async with asyncio.TaskGroup() as tg:
        small = tg.create_task(square(2))
        large = tg.create_task(square(5))
    print(small.result(), large.result())
    print(small.exception())


asyncio.run(main())
