"""A class keeps its queue on `self._jobs` (AM401): the pair of ends becomes
two attributes, and every method's use changes with them."""
# e2e-flags: --unsafe
# e2e-expect: self._jobs_send, self._jobs_receive = anyio.create_memory_object_stream[str](math.inf)
# e2e-expect: await self._jobs_send.send(job)
# e2e-expect: self._jobs_receive.receive_nowait()
# e2e-expect: except anyio.WouldBlock:
# e2e-absent: asyncio
# e2e-backends: asyncio trio

import asyncio


class Mailbox:
    def __init__(self) -> None:
        self._jobs: asyncio.Queue[str] = asyncio.Queue()
        self.handled: list[str] = []

    async def submit(self, job: str) -> None:
        await self._jobs.put(job)

    def pending(self) -> int:
        return self._jobs.qsize()

    async def handle_one(self) -> None:
        job = await self._jobs.get()
        self.handled.append(job.upper())

    def drain(self) -> list[str]:
        left = []
        while True:
            try:
                left.append(self._jobs.get_nowait())
            except asyncio.QueueEmpty:
                return left


async def main() -> None:
    box = Mailbox()
    for job in ["a", "b", "c", "d"]:
        await box.submit(job)
    print("pending", box.pending())
    await box.handle_one()
    await box.handle_one()
    print("handled", box.handled)
    print("drained", box.drain(), "pending", box.pending())


asyncio.run(main())
