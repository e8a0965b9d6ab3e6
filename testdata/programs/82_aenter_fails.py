"""A client whose __aenter__ starts a keepalive task and then fails its
handshake: __aexit__ never runs, so the group the object enters must be left
in __aenter__ itself before the error goes on (trio: "Nursery stack
corrupted" otherwise), and the caller catches the bare ConnectionError."""

# e2e-flags: --unsafe
# e2e-expect: except BaseException:
# e2e-expect: await self._task_group.__aexit__(None, None, None)
# e2e-absent: asyncio
# e2e-backends: asyncio trio

import asyncio


class Client:
    def __init__(self, ok: bool) -> None:
        self.ok = ok
        self.pings = 0

    async def _keepalive(self) -> None:
        while True:
            await asyncio.sleep(0.01)
            self.pings += 1

    async def _handshake(self) -> None:
        await asyncio.sleep(0.005)
        if not self.ok:
            raise ConnectionError("handshake failed")

    async def __aenter__(self) -> "Client":
        self._task = asyncio.create_task(self._keepalive())
        await self._handshake()
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._task.cancel()
        try:
            await self._task
        except asyncio.CancelledError:
            pass


async def main() -> None:
    async with Client(True) as c:
        await asyncio.sleep(0.03)
    print("pings ok:", c.pings >= 2)
    try:
        async with Client(False):
            print("not reached")
    except ConnectionError as e:
        print("connect failed:", e)
    await asyncio.sleep(0.02)
    print("done")


if __name__ == "__main__":
    asyncio.run(main())
