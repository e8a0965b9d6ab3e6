"""HTTP-style client with per-request timeouts and retries.

Exercises statement-level wait_for in every position: `return await ...`
(timeout an attribute), `x = await ...` (timeout a keyword literal) and a bare
expression statement (timeout a name), all -> `with anyio.fail_after(T):`.
Timeouts really fire and are caught with `except asyncio.TimeoutError`
(-> `except TimeoutError`); a request that keeps timing out makes the client
give up.
"""
# e2e-expect: with anyio.fail_after(self.timeout):
# e2e-expect: return await self.server.handle(path)
# e2e-expect: with anyio.fail_after(timeout):
# e2e-expect: await server.handle("/health")
# e2e-expect: with anyio.fail_after(0.5):
# e2e-expect: status = await server.handle("/status")
# e2e-expect: except TimeoutError:
# e2e-absent: wait_for
# e2e-absent: asyncio.TimeoutError
# e2e-absent: import asyncio
# e2e-backends: asyncio trio

import asyncio

# path -> how many requests hang before the server answers quickly
HANGS = {"/orders": 2, "/reports": 10}


class FakeServer:
    def __init__(self) -> None:
        self.hangs = dict(HANGS)
        self.hits = 0

    async def handle(self, path: str) -> str:
        self.hits += 1
        if self.hangs.get(path, 0) > 0:
            self.hangs[path] -= 1
            await asyncio.sleep(5)  # hangs far past any client timeout
        else:
            await asyncio.sleep(0.005)
        return f"200 {path}"


class Client:
    def __init__(self, server: FakeServer, timeout: float) -> None:
        self.server = server
        self.timeout = timeout

    async def get(self, path: str) -> str:
        return await asyncio.wait_for(self.server.handle(path), self.timeout)

    async def get_with_retries(self, path: str, attempts: int = 3) -> str:
        for attempt in range(1, attempts + 1):
            try:
                response = await self.get(path)
            except asyncio.TimeoutError:
                print(f"  {path}: attempt {attempt} timed out")
                continue
            print(f"  {path}: attempt {attempt} -> {response}")
            return response
        raise RuntimeError(f"{path}: gave up after {attempts} attempts")


async def warm_up(server: FakeServer, timeout: float) -> None:
    await asyncio.wait_for(server.handle("/health"), timeout)
    print("warm-up done")


async def main() -> None:
    server = FakeServer()
    await warm_up(server, 0.5)
    status = await asyncio.wait_for(server.handle("/status"), timeout=0.5)
    print("status:", status)

    client = Client(server, timeout=0.1)
    print("GET /users")
    await client.get_with_retries("/users")
    print("GET /orders")
    await client.get_with_retries("/orders")
    print("GET /reports")
    try:
        await client.get_with_retries("/reports")
    except RuntimeError as exc:
        print(f"  error: {exc}")
    print("server saw", server.hits, "requests")


asyncio.run(main())
