"""Batch importer: a gather inside `try/except` whose handlers become `except*`.

Exercises AM201/AM202/AM203 inside `try: ... except ValueError:` (and a
tuple of types, an `else:` and a `finally:`). A failing task really raises,
and the printed lines prove the rewritten `except*` handler still runs. The
failing task is always the slowest one, so the sibling tasks have finished
before it fails (gather would leave them running, a task group cancels them;
here they are done either way).
"""
# e2e-expect: except* ValueError:
# e2e-expect: except* (KeyError, TypeError):
# e2e-expect: async with anyio.create_task_group() as tg:
# e2e-expect: await anyio.gather(load(1), load(2))
# e2e-backends: asyncio

import asyncio


async def pause(ticks: float) -> None:
    """Sleep `ticks` hundredths of a second (literal sleeps: a safe rewrite)."""
    for _ in range(round(ticks)):
        await asyncio.sleep(0.01)

done: list[int] = []


async def load(n: int) -> int:
    await pause(n)
    if n == 13:
        raise ValueError(f"row {n} is malformed")
    if n == 14:
        raise KeyError(n)
    done.append(n)
    return n


async def import_batch(rows: list[int]) -> None:
    try:
        await asyncio.gather(*(load(n) for n in rows))
    except ValueError:
        print("  handler: a row was malformed")
    except (KeyError, TypeError):
        print("  handler: a row was missing")
    else:
        print("  batch ok")
    finally:
        print("  batch finished")


async def pair() -> None:
    try:
        a, b = await asyncio.gather(load(1), load(2))
        print("  pair:", a, b)
        c, d = await asyncio.gather(load(3), load(13))
        print("  never printed", c, d)
    except ValueError:
        print("  pair handler ran")


async def collect(rows: list[int]) -> list[int]:
    try:
        results = await asyncio.gather(*(load(n) for n in rows))
    except ValueError:
        print("  collect handler ran")
        results = []
    return results


async def main() -> None:
    print("batch 1")
    await import_batch([1, 2, 3])
    print("batch 2")
    await import_batch([1, 2, 13])
    print("batch 3")
    await import_batch([4, 14])
    print("pair")
    await pair()
    print("collect:", await collect([5, 6]))
    print("collect:", await collect([5, 13]))
    print("done:", sorted(done))


asyncio.run(main())
