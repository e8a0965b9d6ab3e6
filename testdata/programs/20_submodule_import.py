"""Uploader that imports from asyncio's submodules.

Exercises name resolution through `from asyncio.tasks import ...`,
`from asyncio.locks import ...`, `from asyncio.exceptions import ...` and
`from asyncio.runners import run`: wait_for, sleep, shield, Semaphore,
CancelledError, TimeoutError and run are all asyncio's and are rewritten.
"""
# e2e-flags: --unsafe
# e2e-expect: anyio.run(main)
# e2e-expect: anyio.Semaphore(2)
# e2e-expect: with anyio.fail_after(0.1):
# e2e-expect: with anyio.CancelScope(shield=True):
# e2e-expect: except anyio.get_cancelled_exc_class():
# e2e-expect: except TimeoutError:
# e2e-absent: from asyncio
# e2e-absent: wait_for
# e2e-absent: shield(
# e2e-backends: asyncio trio

from asyncio.exceptions import CancelledError, TimeoutError
from asyncio.locks import Semaphore
from asyncio.runners import run
from asyncio.tasks import shield, sleep, wait_for

import anyio

SIZES = {"small.bin": 1, "huge.bin": 500, "tiny.bin": 1}


class Uploader:
    def __init__(self) -> None:
        self.slots = Semaphore(2)
        self.uploaded: list[str] = []
        self.audit: list[str] = []

    async def record(self, name: str) -> None:
        await sleep(0.01)
        self.audit.append(name)

    async def upload(self, name: str) -> None:
        async with self.slots:
            try:
                if SIZES[name] > 100:
                    await sleep(10)  # far too big for the deadline
                await sleep(0.01)
            except CancelledError:
                print(f"  {name}: upload cancelled")
                raise
            self.uploaded.append(name)
            await shield(self.record(name))

    async def upload_with_deadline(self, name: str) -> None:
        try:
            await wait_for(self.upload(name), 0.1)
        except TimeoutError:
            print(f"  {name}: deadline exceeded")


async def main() -> None:
    up = Uploader()
    async with anyio.create_task_group() as tg:
        for name in SIZES:
            tg.start_soon(up.upload_with_deadline, name)
    print("uploaded:", sorted(up.uploaded))
    print("audited:", sorted(up.audit))


run(main())
