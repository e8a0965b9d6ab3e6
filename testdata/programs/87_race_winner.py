"""A race whose winner is read: the fastest mirror's answer, taken with
`done.pop().result()` and `[t.result() for t in done]`. The helper that
cancels the group keeps each job's value in `results`, and the reads
become `results[0]` / `results`."""

# e2e-flags: --unsafe
# e2e-expect: results.append(await func(*args))
# e2e-expect: return results[0]
# e2e-absent: asyncio
# e2e-backends: asyncio trio

import asyncio


async def mirror(name: str, delay: float) -> str:
    await asyncio.sleep(delay)
    return name.upper()


async def fastest(a: str, b: str) -> str:
    t1 = asyncio.create_task(mirror(a, 0.2))
    t2 = asyncio.create_task(mirror(b, 0.01))
    done, pending = await asyncio.wait([t1, t2], return_when=asyncio.FIRST_COMPLETED)
    for t in pending:
        t.cancel()
    return done.pop().result()


async def all_first(names: list[str]) -> list[str]:
    done, pending = await asyncio.wait(
        [asyncio.create_task(mirror(n, 0.01 * (i + 1))) for i, n in enumerate(names)],
        return_when=asyncio.FIRST_COMPLETED,
    )
    for t in pending:
        t.cancel()
    return [t.result() for t in done]


async def main() -> None:
    print(await fastest("slow", "quick"))
    print(await all_first(["x", "y", "z"]))


if __name__ == "__main__":
    asyncio.run(main())
