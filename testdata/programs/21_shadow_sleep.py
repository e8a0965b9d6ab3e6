"""Readiness polling with an injectable clock: a parameter and a local named
`sleep` that are not asyncio's.

Exercises shadowing: the module does `from asyncio import run, sleep`; inside
`wait_until` the parameter `sleep` and inside `drain` the local variable
`sleep` refer to a fake clock and must be left alone (their calls print
"fake clock" lines, and take no real time), while the module-level uses are
rewritten to anyio.sleep.
"""
# e2e-expect: await sleep(interval)
# e2e-expect: await sleep(0.25)
# e2e-expect: await anyio.sleep(0)
# e2e-expect: await anyio.sleep(0.01)
# e2e-expect: anyio.run(main)
# e2e-absent: from asyncio
# e2e-absent: anyio.sleep(interval)
# e2e-absent: anyio.sleep(0.25)
# e2e-backends: asyncio trio

from asyncio import run, sleep


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    async def advance(self, seconds: float) -> None:
        self.now += seconds
        print(f"  fake clock: +{seconds}s -> {self.now:.2f}s")
        await sleep(0)  # asyncio's sleep: just a checkpoint


async def wait_until(probe, sleep, interval: float, max_polls: int = 5) -> int:
    """Poll `probe` every `interval` using the caller-supplied `sleep`."""
    for polls in range(max_polls):
        if probe():
            return polls
        await sleep(interval)
    raise RuntimeError(f"not ready after {max_polls} polls")


async def drain(clock: FakeClock) -> None:
    sleep = clock.advance  # local binding: not asyncio's sleep
    for _ in range(2):
        await sleep(0.25)


async def main() -> None:
    clock = FakeClock()
    polls = await wait_until(lambda: clock.now >= 1.5, clock.advance, 0.5)
    print(f"service ready after {polls} polls")
    await drain(clock)
    await sleep(0.01)  # the real thing
    print(f"fake time elapsed: {clock.now:.2f}s")


run(main())
