"""Service started in asyncio debug mode.

Exercises: `asyncio.run(main(), debug=True)` -> `anyio.run(main,
backend_options={"debug": True})`. The program checks that the loop really
runs in debug mode. asyncio backend only: trio.run() rejects `debug`.
"""
# e2e-expect: anyio.run(main, backend_options={"debug": True})
# e2e-expect: await anyio.sleep(0.01)
# e2e-absent: asyncio.run(
# e2e-backends: asyncio

import asyncio


async def main() -> None:
    await asyncio.sleep(0.01)
    print("debug mode:", asyncio.get_running_loop().get_debug())


asyncio.run(main(), debug=True)
