"""Rate-limited mailer that imports asyncio names under aliases.

Exercises: `from asyncio import sleep as pause, Lock as AsyncLock,
TimeoutError as AsyncTimeout, run as run_async, timeout as deadline`: each
aliased use is rewritten (pause(...) -> anyio.sleep, AsyncLock() ->
anyio.Lock(), `except AsyncTimeout` -> `except TimeoutError`,
`async with deadline(T)` -> `with anyio.fail_after(T)`,
run_async(main()) -> anyio.run(main)).
"""
# e2e-expect: await anyio.sleep(0.01)
# e2e-expect: anyio.Lock()
# e2e-expect: with anyio.fail_after(0.1):
# e2e-expect: except TimeoutError:
# e2e-expect: anyio.run(main)
# e2e-absent: pause(
# e2e-absent: AsyncLock
# e2e-absent: AsyncTimeout
# e2e-absent: deadline(
# e2e-absent: run_async
# e2e-absent: from asyncio
# e2e-backends: asyncio trio

from asyncio import Lock as AsyncLock
from asyncio import TimeoutError as AsyncTimeout
from asyncio import run as run_async
from asyncio import sleep as pause
from asyncio import timeout as deadline

OUTBOX = ["a@example.test", "slow@example.test", "b@example.test"]


class Mailer:
    def __init__(self) -> None:
        self.lock = AsyncLock()
        self.sent: list[str] = []

    async def send(self, address: str) -> None:
        async with self.lock:
            if address.startswith("slow"):
                await pause(10)  # the SMTP server never answers
            await pause(0.01)
            self.sent.append(address)


async def main() -> None:
    mailer = Mailer()
    for address in OUTBOX:
        try:
            async with deadline(0.1):
                await mailer.send(address)
            print(f"sent to {address}")
        except AsyncTimeout:
            print(f"gave up on {address}")
    print("lock free:", not mailer.lock.locked(), "| sent:", mailer.sent)


run_async(main())
