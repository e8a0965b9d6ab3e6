"""Job tracker: code that tests for the cancellation exception by its class.

Exercises AM120 outside `except`: `exc_type is asyncio.CancelledError` in an
`__aexit__` and `isinstance(exc, (asyncio.CancelledError, ...))` in a handler
both become `anyio.get_cancelled_exc_class()`, which is trio's `Cancelled` on
trio, so the timeout's cancellation is recognised on both backends.
"""
# e2e-expect: if exc_type is anyio.get_cancelled_exc_class():
# e2e-expect: isinstance(exc, (anyio.get_cancelled_exc_class(), KeyboardInterrupt))
# e2e-absent: asyncio.CancelledError
# e2e-absent: import asyncio
# e2e-backends: asyncio trio

import asyncio


class Tracker:
    def __init__(self, log: list[str]) -> None:
        self.log = log

    async def __aenter__(self) -> "Tracker":
        return self

    async def __aexit__(self, exc_type, exc, tb) -> bool:
        if exc_type is asyncio.CancelledError:
            self.log.append("tracker saw the cancellation")
        elif exc_type is None:
            self.log.append("tracker: done")
        return False


async def job(log: list[str]) -> None:
    try:
        async with Tracker(log):
            await asyncio.sleep(10)
    except BaseException as exc:
        if isinstance(exc, (asyncio.CancelledError, KeyboardInterrupt)):
            log.append("job cancelled")
        raise


async def main() -> None:
    log: list[str] = []
    async with Tracker(log):
        await asyncio.sleep(0)
    try:
        async with asyncio.timeout(0.05):
            await job(log)
    except TimeoutError:
        log.append("timed out")
    print(log)


asyncio.run(main())
