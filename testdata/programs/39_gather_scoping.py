"""Regression program for scoping bugs of the gather rewrites (fails today).

Each function prints a value that the original computes one way and a wrong
rewrite would change:

* `leak_unused` / `leak_collected`: the loop variable of the generator given
  to `gather` is local to the generator; the rewrite's `for u in ...` loop
  must not overwrite the function's own `u` (AM201, AM203).
* `keep_on_failure`: when a task fails, `results = await gather(...)` never
  assigns `results`; the rewrite must not leave a half-filled list in it
  (AM203 pre-allocates the target before the tasks run).
* `evaluate_once`: the iterable of the generator is evaluated once; AM203 must
  not copy a list display / comprehension into both `len(...)` and
  `enumerate(...)`.
The program targets anyio 4.14: from 4.15 on these gathers become `anyio.amap` or `anyio.gather`.
"""
# e2e-flags: --target-anyio 4.14
# e2e-expect: async with anyio.create_task_group() as tg:
# e2e-backends: asyncio

import asyncio

made: list[str] = []


async def echo(x: str) -> str:
    await asyncio.sleep(0.01)
    if x == "boom":
        raise ValueError(x)
    return x


def make(name: str) -> str:
    made.append(name)
    return name


async def leak_unused(names: list[str]) -> None:
    u = "mine"
    await asyncio.gather(*(echo(u) for u in names))
    print("leak_unused:", u)


async def leak_collected(names: list[str]) -> None:
    u = "mine"
    rs = await asyncio.gather(*(echo(u) for u in names))
    print("leak_collected:", u, rs)


async def keep_on_failure(names: list[str]) -> None:
    results = ["previous"]
    try:
        results = await asyncio.gather(*(echo(n) for n in names))
    except ValueError:
        print("keep_on_failure: handler ran")
    print("keep_on_failure:", results)


async def evaluate_once() -> None:
    rs = await asyncio.gather(*(echo(x) for x in [make("a"), make("b")]))
    print("evaluate_once:", rs, made)


async def main() -> None:
    await leak_unused(["x", "y"])
    await leak_collected(["x", "y"])
    await keep_on_failure(["ok", "boom"])
    await evaluate_once()


asyncio.run(main())
