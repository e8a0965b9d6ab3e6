"""Job scheduler that imports names straight from asyncio.

Exercises: `from asyncio import run, sleep, wait_for, Event, CancelledError`:
run(main()), sleep(<literal>), statement-level wait_for, Event() and
`except CancelledError` (re-raising) are rewritten through the imported
names, and the from-import is removed.
"""
# e2e-expect: anyio.run(main)
# e2e-expect: await anyio.sleep(0.01)
# e2e-expect: with anyio.fail_after(0.1):
# e2e-expect: anyio.Event()
# e2e-expect: except anyio.get_cancelled_exc_class():
# e2e-absent: from asyncio import
# e2e-absent: wait_for
# e2e-absent: except CancelledError
# e2e-backends: asyncio trio

from asyncio import CancelledError, Event, run, sleep, wait_for

JOBS = [("backup", False), ("reindex", True), ("email", False)]


async def run_job(name: str, hangs: bool, finished) -> str:
    try:
        await sleep(0.01)
        if hangs:
            await sleep(10)
        return f"{name}: ok"
    except CancelledError:
        print(f"  {name}: cancelled, releasing its lease")
        raise
    finally:
        finished.set()


async def main() -> None:
    for name, hangs in JOBS:
        finished = Event()
        try:
            outcome = await wait_for(run_job(name, hangs, finished), 0.1)
        except TimeoutError:
            outcome = f"{name}: timed out"
        print(outcome, "| finished flag:", finished.is_set())


run(main())
