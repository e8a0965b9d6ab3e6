"""create_task then await in the same block (AM206, unsafe): the span becomes
a task group and the awaited handles still give the results."""
# e2e-flags: --unsafe
# e2e-expect: async with anyio.create_task_group() as tg:
# e2e-expect: t_fast = tg.create_task(work("fast", 0.01))
# e2e-expect: total = t_fast.return_value + t_slow.return_value
# e2e-absent: asyncio
# e2e-backends: asyncio trio

import asyncio


async def work(name: str, delay: float) -> int:
    await asyncio.sleep(delay)
    print(f"done {name}")
    return len(name)


async def main() -> None:
    t_slow = asyncio.create_task(work("slow", 0.2))
    t_fast = asyncio.create_task(work("fast", 0.01))
    # both run concurrently: fast finishes first
    total = await t_fast + await t_slow
    print("total", total)


asyncio.run(main())
