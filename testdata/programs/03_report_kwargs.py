"""Report generator whose entry point takes keyword arguments.

Exercises: asyncio.run(main(a, k=v)) -> anyio.run(functools.partial(main, a,
k=v)) with `import functools` added; a flaky step retried with literal sleeps.
"""
# e2e-expect: import functools
# e2e-expect: anyio.run(functools.partial(main, "weekly", retries=2, verbose=True))
# e2e-expect: await anyio.sleep(0.02)
# e2e-absent: asyncio
# e2e-backends: asyncio trio

import asyncio


class Flaky:
    def __init__(self, failures: int) -> None:
        self.failures = failures

    async def render(self, name: str) -> str:
        await asyncio.sleep(0.01)
        if self.failures:
            self.failures -= 1
            raise ConnectionError(f"renderer busy while rendering {name}")
        return f"<report {name}>"


async def main(name: str, *, retries: int = 0, verbose: bool = False) -> None:
    renderer = Flaky(failures=2)
    for attempt in range(retries + 1):
        try:
            out = await renderer.render(name)
        except ConnectionError as exc:
            if verbose:
                print(f"attempt {attempt + 1}: {exc}")
            await asyncio.sleep(0.02)
        else:
            print(f"attempt {attempt + 1}: {out}")
            break
    else:
        print("giving up")


asyncio.run(main("weekly", retries=2, verbose=True))
