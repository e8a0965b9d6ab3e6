"""Health checker using `gather(..., return_exceptions=True)`, without --unsafe.

The rewrite that keeps `return_exceptions=True` (a helper storing each
exception) is unsafe, so this run leaves that call as it is (asyncio backend
only) while the plain gather beside it and the sleeps are migrated;
45_return_exceptions_unsafe runs the same program with --unsafe.
"""
# e2e-expect: await asyncio.gather(*(probe(h) for h in hosts), return_exceptions=True)
# e2e-expect: async with anyio.create_task_group() as tg:
# e2e-expect: await anyio.sleep(0.01)
# e2e-expect: import asyncio
# e2e-backends: asyncio

import asyncio


async def probe(host: str) -> str:
    await asyncio.sleep(0.01)
    if host.startswith("down"):
        raise ConnectionError(host)
    return f"{host} up"


async def warm(host: str) -> None:
    await asyncio.sleep(0.01)


async def check(hosts: list[str]) -> None:
    await asyncio.gather(warm(hosts[0]), warm(hosts[-1]))
    statuses = await asyncio.gather(*(probe(h) for h in hosts), return_exceptions=True)
    for host, status in zip(hosts, statuses):
        print(host, "->", repr(status))


async def main() -> None:
    await check(["a", "down-b", "c"])


asyncio.run(main())
