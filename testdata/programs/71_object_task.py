"""An async context manager that runs a task while it is entered.

`__aenter__` starts `self._task` and `__aexit__` cancels it and waits for it:
the object gets a task group it enters in `__aenter__` and exits in
`__aexit__`, which waits for the job's cleanup the same way (AM210). The
attribute's annotation and its `is not None` test follow the group.
"""
# e2e-flags: --unsafe
# e2e-backends: asyncio trio
# e2e-expect: self._task_group = anyio.create_task_group()
# e2e-expect: self._task_group.start_soon(self._tick, 0.05)
# e2e-expect: await self._task_group.__aexit__(None, None, None)
# e2e-expect: self._task_group: anyio.abc.TaskGroup | None = None
# e2e-expect: assert self._task_group is not None
# e2e-absent: asyncio

import asyncio


class Ticker:
    def __init__(self, log: list[str]) -> None:
        self.log = log
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> "Ticker":
        self._task = asyncio.create_task(self._tick(0.05))
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._task is not None
        self._task.cancel()
        try:
            await self._task
        except asyncio.CancelledError:
            pass
        self.log.append("exited")

    async def _tick(self, interval: float) -> None:
        try:
            while True:
                await asyncio.sleep(interval)
                self.log.append("tick")
        finally:
            self.log.append("stopped")


async def main() -> None:
    log: list[str] = []
    async with Ticker(log):
        await asyncio.sleep(0.12)
        log.append("body done")
    print(log)


asyncio.run(main())
