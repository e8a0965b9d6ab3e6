"""Pre-3.9 style offloading through the running loop's default executor.

Exercises: `loop = asyncio.get_running_loop()` + `await
loop.run_in_executor(None, f, *args)` -> `await anyio.to_thread.run_sync(f,
*args, abandon_on_cancel=True)`, including under wait_for with a timeout that
fires while the thread keeps running. Backends: asyncio only, because the
`loop = asyncio.get_running_loop()` line may be left in place.
"""
# e2e-flags: --unsafe
# e2e-expect: await anyio.to_thread.run_sync(parse_size, "12MB", abandon_on_cancel=True)
# e2e-expect: await anyio.to_thread.run_sync(rebuild_index, "products", abandon_on_cancel=True)
# e2e-expect: with anyio.fail_after(0.1):
# e2e-absent: run_in_executor
# e2e-absent: wait_for
# e2e-backends: asyncio

import asyncio
import time

UNITS = {"KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30}


def parse_size(text: str) -> int:
    return int(text[:-2]) * UNITS[text[-2:]]


def rebuild_index(name: str) -> None:
    time.sleep(0.4)
    print(f"  index thread: {name} rebuilt")


async def main() -> None:
    loop = asyncio.get_running_loop()
    size = await loop.run_in_executor(None, parse_size, "12MB")
    print("parsed size:", size)
    try:
        await asyncio.wait_for(loop.run_in_executor(None, rebuild_index, "products"), 0.1)
    except asyncio.TimeoutError:
        print("rebuild: timed out waiting, thread still running")
    await asyncio.sleep(0.8)
    print("main: done")


asyncio.run(main())
