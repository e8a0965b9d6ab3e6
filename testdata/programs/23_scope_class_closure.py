"""Throttled job runner: Python scoping rules around a name `sleep`.

Exercises two scoping subtleties of `from asyncio import run, sleep`:
- a method named `sleep` in a class body does NOT shadow the module-level
  name inside other methods (class scopes are not enclosing scopes), so the
  `await sleep(0.01)` inside `Throttle.sleep` is asyncio's and is rewritten;
- a closure that uses its enclosing function's parameter `sleep` is not
  asyncio's and must stay (it prints "pacer" lines).
"""
# e2e-expect: await anyio.sleep(0.01)
# e2e-expect: await sleep(0.3)
# e2e-expect: await self.sleep(0.5)
# e2e-expect: anyio.run(main)
# e2e-absent: from asyncio
# e2e-absent: anyio.sleep(0.3)
# e2e-absent: anyio.sleep(0.5)
# e2e-backends: asyncio trio

from asyncio import run, sleep


class Throttle:
    def __init__(self) -> None:
        self.pauses = 0

    async def sleep(self, seconds: float) -> None:
        self.pauses += 1
        print(f"  throttle: pause #{self.pauses} (asked for {seconds}s)")
        await sleep(0.01)  # module-level name: asyncio's sleep

    async def run(self, jobs: list[str]) -> None:
        for job in jobs:
            print(f"  job {job}")
            await self.sleep(0.5)


def make_pacer(sleep):
    async def pace(steps: int) -> None:
        for _ in range(steps):
            await sleep(0.3)  # the enclosing function's parameter

    return pace


async def fake_sleep(seconds: float) -> None:
    print(f"  pacer: would sleep {seconds}s")


async def main() -> None:
    await Throttle().run(["a", "b"])
    await make_pacer(fake_sleep)(2)
    print("done")


run(main())
