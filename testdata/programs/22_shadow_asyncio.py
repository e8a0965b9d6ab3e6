"""Replay tool where a local variable and a parameter are named `asyncio`.

Exercises shadowing of the module name itself: `import asyncio` is real at
module level, but inside `replay` a local `asyncio` and inside `replay_with`
a parameter `asyncio` are recording stand-ins; their `.sleep(...)` calls must
stay as they are (they print "[recorded sleep ...]" lines), while the real
module-level uses are rewritten.
"""
# e2e-expect: await asyncio.sleep(0.5)
# e2e-expect: await asyncio.sleep(2)
# e2e-expect: await anyio.sleep(0)
# e2e-expect: anyio.run(main)
# e2e-absent: import asyncio
# e2e-absent: anyio.sleep(0.5)
# e2e-absent: anyio.sleep(2)
# e2e-backends: asyncio trio

import asyncio
from types import SimpleNamespace


async def recorded_sleep(seconds: float) -> None:
    print(f"  [recorded sleep {seconds}]")
    await asyncio.sleep(0)


async def replay() -> None:
    asyncio = SimpleNamespace(sleep=recorded_sleep)  # stand-in module
    await asyncio.sleep(0.5)


async def replay_with(asyncio, label: str) -> None:
    print(f"replaying {label}")
    await asyncio.sleep(2)


async def main() -> None:
    print("replaying session")
    await replay()
    await replay_with(SimpleNamespace(sleep=recorded_sleep), "backup session")
    print("replay finished")


asyncio.run(main())
