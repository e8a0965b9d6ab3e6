"""`gather(..., return_exceptions=True)` whose results are used.

Each call's result or exception goes to its place in a pre-allocated list
filled by a small helper that a task group starts once per call (anyio has
no `return_exceptions`); the results are read as before.
"""
# e2e-flags: --unsafe
# e2e-backends: asyncio trio
# e2e-expect: results = [None] * 3
# e2e-expect: async def _capture(i, func, *args):
# e2e-expect: tg.start_soon(_capture, 2, functools.partial(parse, "7", base=8))
# e2e-expect: first, second = results_2
# e2e-absent: asyncio

import asyncio


async def parse(text: str, base: int = 10) -> int:
    await asyncio.sleep(0.01)
    return int(text, base)


async def main() -> None:
    results = await asyncio.gather(
        parse("12"), parse("twelve"), parse("7", base=8), return_exceptions=True
    )
    for r in results:
        print(type(r).__name__, r if not isinstance(r, Exception) else "error")
    first, second = await asyncio.gather(parse("1"), parse("x"), return_exceptions=True)
    print(first, isinstance(second, ValueError))


asyncio.run(main())
