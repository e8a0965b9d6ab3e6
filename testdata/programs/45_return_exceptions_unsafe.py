"""Health checker using `gather(..., return_exceptions=True)` with --unsafe:
the comprehension gather becomes the fetch_all shape whose helper stores the
exception in the result list (AM203), and the results print the same. A typed
list parameter is read as it is and the new code is typed; an untyped iterable
(here an iterator) is copied once; a returned gather returns the list."""
# e2e-flags: --unsafe
# e2e-expect: except Exception as exc:
# e2e-expect: statuses[i] = exc
# e2e-expect: statuses: list[str | Exception] = [None] * len(hosts)
# e2e-expect: for i, h in enumerate(hosts):
# e2e-expect: for i, host in enumerate(items):
# e2e-expect: return results
# e2e-absent: asyncio
# e2e-backends: asyncio trio

import asyncio
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


async def check_all(hosts):
    return await asyncio.gather(*(probe(host) for host in hosts), return_exceptions=True)


async def main() -> None:
    await check(["a", "down-b", "c"])
    print([repr(s) for s in await check_all(iter(["down-d", "e"]))])


asyncio.run(main())
