"""Audit logger with fire-and-forget tasks: constructs the tool only reports.

Exercises manual-only constructs that must be left untouched: fire-and-forget
`asyncio.create_task` kept in a `_background_tasks` set with
`add_done_callback`, `asyncio.get_event_loop()` with `loop.call_later`, and an
`asyncio.Event` that is `.clear()`ed (anyio events are one-shot). Beside them,
a never-cleared Event, literal sleeps and the entry point are still
rewritten. asyncio backend only.
"""
# e2e-expect: asyncio.create_task(
# e2e-expect: asyncio.get_event_loop()
# e2e-expect: self.tick = asyncio.Event()
# e2e-expect: await anyio.sleep(0.01)
# e2e-expect: anyio.run(main)
# e2e-backends: asyncio

import asyncio

_background_tasks: set[asyncio.Task] = set()


class AuditLog:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.tick = asyncio.Event()  # re-armed after every write
        self.closed = asyncio.Event()

    async def _write(self, line: str) -> None:
        await asyncio.sleep(0.01)
        self.lines.append(line)
        self.tick.set()

    def log(self, line: str) -> None:
        task = asyncio.create_task(self._write(line))
        _background_tasks.add(task)
        task.add_done_callback(_background_tasks.discard)

    async def wait_for_write(self) -> None:
        await self.tick.wait()
        self.tick.clear()


async def main() -> None:
    audit = AuditLog()
    loop = asyncio.get_event_loop()
    loop.call_later(0.2, audit.closed.set)
    for user in ("ann", "bob"):
        audit.log(f"login {user}")
        await audit.wait_for_write()
        print("written:", audit.lines[-1], "| pending tasks:", len(_background_tasks))
    await audit.closed.wait()
    await asyncio.sleep(0.01)
    print("closed; pending tasks:", len(_background_tasks), "| lines:", audit.lines)


asyncio.run(main())
