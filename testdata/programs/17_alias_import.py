"""Health monitor written against `import asyncio as aio`.

Exercises: every reference resolved through the alias: aio.run(main()),
aio.sleep(<literal>), statement-level aio.wait_for, aio.Lock(),
`except aio.TimeoutError` and `except aio.CancelledError` (re-raising). The
alias import is removed once nothing uses it. A probe that hangs is timed out
and its cancellation handler runs.
"""
# e2e-expect: anyio.run(main)
# e2e-expect: anyio.Lock()
# e2e-expect: with anyio.fail_after(0.1):
# e2e-expect: await anyio.sleep(0.01)
# e2e-expect: except TimeoutError:
# e2e-expect: except anyio.get_cancelled_exc_class():
# e2e-absent: aio.
# e2e-absent: import asyncio
# e2e-backends: asyncio trio

import asyncio as aio

STATUS = {"db": "up", "cache": "hung", "queue": "up"}


class Monitor:
    def __init__(self) -> None:
        self.lock = aio.Lock()
        self.report: dict[str, str] = {}

    async def probe(self, name: str) -> str:
        try:
            if STATUS[name] == "hung":
                await aio.sleep(10)
            await aio.sleep(0.01)
            return "ok"
        except aio.CancelledError:
            print(f"  probe {name}: cancelled")
            raise

    async def check(self, name: str) -> None:
        try:
            result = await aio.wait_for(self.probe(name), 0.1)
        except aio.TimeoutError:
            result = "timeout"
        async with self.lock:
            self.report[name] = result


async def main() -> None:
    monitor = Monitor()
    for name in STATUS:
        await monitor.check(name)
    for name, result in sorted(monitor.report.items()):
        print(f"{name}: {result}")


aio.run(main())
