"""Clients that wait for a server to signal readiness, and a shutdown signal.

Exercises: `asyncio.Event()` (module level and local; never cleared) ->
`anyio.Event()`; `set()`, `wait()`, `is_set()`. Clients block until the
server is listening; the server runs until the shutdown event is set.
"""
# e2e-expect: shutdown = anyio.Event()
# e2e-expect: ready = anyio.Event()
# e2e-absent: asyncio
# e2e-backends: asyncio trio

import asyncio

import anyio

shutdown = asyncio.Event()


async def server(ready, log: list[str]) -> None:
    await asyncio.sleep(0.05)  # bind and listen
    log.append("server: listening")
    ready.set()
    await shutdown.wait()
    log.append("server: shut down")


async def client(name: str, ready, results: list[str]) -> None:
    await ready.wait()
    await asyncio.sleep(0.01)
    results.append(f"{name} connected")


async def main() -> None:
    ready = asyncio.Event()
    log: list[str] = []
    results: list[str] = []
    print("ready before start:", ready.is_set())
    async with anyio.create_task_group() as tg:
        tg.start_soon(server, ready, log)
        for name in ("alpha", "beta", "gamma"):
            tg.start_soon(client, name, ready, results)
        await asyncio.sleep(0.3)
        print("clients:", sorted(results))
        shutdown.set()
    print("\n".join(log))
    print("ready after run:", ready.is_set())


asyncio.run(main())
