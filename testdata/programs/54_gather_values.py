"""Price board: gathers whose results are used, on anyio 4.15's `amap` and `gather`.

Exercises AM203's `anyio.amap(f, us)` for one coroutine function over many
items (inside a `try` whose handler becomes `except*`), AM202's
`anyio.gather` for results returned, compared, iterated and unpacked (in
`list(...)` where the code needs a list: anyio's returns a tuple), and
AM201's `anyio.gather` for coroutine objects built beforehand. Later items
finish first, so the printed lists prove input order is kept.
"""
# e2e-expect: prices = await anyio.amap(quote, symbols)
# e2e-expect: except* LookupError:
# e2e-expect: return list(await anyio.gather(quote("b"), quote("a")))
# e2e-expect: for p in await anyio.gather(quote("c"), quote("d")):
# e2e-expect: assert list(await anyio.gather(quote("a"), quote("bb"))) == ["A1", "BB2"]
# e2e-expect: lo, hi = await anyio.gather(quote("x"), quote("yyy"))
# e2e-expect: await anyio.gather(*coros)
# e2e-absent: asyncio.gather
# e2e-absent: import asyncio
# e2e-flags: --unsafe
# e2e-backends: asyncio trio

import asyncio

log = []


async def quote(symbol: str) -> str:
    # Longer symbols finish sooner.
    await asyncio.sleep(0.05 - 0.01 * len(symbol))
    return f"{symbol.upper()}{len(symbol)}"


async def board(symbols: list[str]) -> list[str]:
    try:
        prices = await asyncio.gather(*(quote(s) for s in symbols))
    except LookupError:
        prices = []
    return prices


async def pair() -> list[str]:
    return await asyncio.gather(quote("b"), quote("a"))


async def record(symbol: str) -> None:
    await asyncio.sleep(0.01)
    log.append(symbol)


async def main() -> None:
    print(await board(["a", "bbb", "cc"]))
    print(await pair(), type(await pair()).__name__)
    for p in await asyncio.gather(quote("c"), quote("d")):
        print("each", p)
    assert await asyncio.gather(quote("a"), quote("bb")) == ["A1", "BB2"]
    lo, hi = await asyncio.gather(quote("x"), quote("yyy"))
    print(lo, hi)
    coros = [record(s) for s in ("p", "q")]
    await asyncio.gather(*coros)
    print(sorted(log))


asyncio.run(main())
