"""Request handler that commits a journal entry which must survive cancellation.

Exercises: statement-level `await asyncio.shield(f(x))` (expression statement
and assignment) -> `with anyio.CancelScope(shield=True):`. The slow request
times out while its commit is in flight; the commit still completes. The code
after each shield starts with an await and the caller waits for the journal
before reporting, so the output does not depend on asyncio.shield's orphaned
inner task (the caller is cancelled at once) versus a shielded scope (the
caller waits for the commit): see semantics notes.
"""
# e2e-flags: --unsafe
# e2e-expect: with anyio.CancelScope(shield=True):
# e2e-expect: await journal.commit(entry)
# e2e-expect: receipt = await journal.commit(entry)
# e2e-expect: anyio.Event()
# e2e-expect: with anyio.fail_after(2):
# e2e-absent: shield(
# e2e-absent: asyncio.
# e2e-backends: asyncio trio

import asyncio


class Journal:
    def __init__(self) -> None:
        self.entries: list[str] = []
        self.idle = asyncio.Event()

    async def commit(self, entry: str) -> str:
        print(f"  journal: writing {entry!r}")
        await asyncio.sleep(0.3)  # fsync
        self.entries.append(entry)
        print(f"  journal: {entry!r} is durable")
        self.idle.set()
        return f"receipt-{len(self.entries)}"


async def handle_fast(journal: Journal, entry: str) -> str:
    receipt = await asyncio.shield(journal.commit(entry))
    await asyncio.sleep(0.01)
    return receipt


async def handle_slow(journal: Journal, entry: str) -> None:
    await asyncio.shield(journal.commit(entry))
    await asyncio.sleep(5)  # post-processing that the timeout cuts off
    print("  request: post-processing done")


async def main() -> None:
    journal = Journal()
    print("fast request ->", await handle_fast(journal, "credit 5"))

    journal.idle = asyncio.Event()
    try:
        await asyncio.wait_for(handle_slow(journal, "debit 10"), 0.1)
    except asyncio.TimeoutError:
        await asyncio.wait_for(journal.idle.wait(), 2)  # let the in-flight commit land
        print("slow request timed out; journal:", journal.entries)


asyncio.run(main())
