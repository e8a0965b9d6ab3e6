"""A guard that remembers which task holds it.

`asyncio.current_task()` kept as an owner and compared with the current
task becomes `anyio.get_current_task()` compared with `==` (AM212): the
holder may re-enter, another task (the two run under `gather`) is refused
until it is released.
"""
# e2e-flags: --unsafe
# e2e-backends: asyncio trio
# e2e-expect: self._owner = anyio.get_current_task()
# e2e-expect: if self._owner == anyio.get_current_task():
# e2e-absent: asyncio

import asyncio


class Guard:
    def __init__(self) -> None:
        self._owner = None
        self.depth = 0

    def enter(self) -> bool:
        if self._owner is asyncio.current_task():
            self.depth += 1
            return True
        if self._owner is not None:
            return False
        self._owner = asyncio.current_task()
        self.depth = 1
        return True

    def leave(self) -> None:
        self.depth -= 1
        if self.depth == 0:
            self._owner = None


async def holder(guard: Guard, log: list[str]) -> None:
    log.append(f"holder: {guard.enter()}")
    log.append(f"holder again: {guard.enter()}")
    await asyncio.sleep(0.05)
    guard.leave()
    guard.leave()


async def other(guard: Guard, log: list[str]) -> None:
    await asyncio.sleep(0.01)
    log.append(f"other while held: {guard.enter()}")
    await asyncio.sleep(0.1)
    log.append(f"other after release: {guard.enter()}")
    log.append(f"other again: {guard.enter()}")


async def main() -> None:
    guard = Guard()
    log: list[str] = []
    await asyncio.gather(holder(guard, log), other(guard, log))
    print("\n".join(log))


asyncio.run(main())
