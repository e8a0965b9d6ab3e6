"""Query runner built on the async-timeout backport package.

Exercises: `async with async_timeout.timeout(T):` -> `with anyio.fail_after(T):`
and `except asyncio.TimeoutError` -> `except TimeoutError`. The slow query
times out; the fast one returns rows.
"""
# e2e-expect: with anyio.fail_after(0.1):
# e2e-expect: with anyio.fail_after(QUERY_TIMEOUT):
# e2e-expect: except TimeoutError:
# e2e-absent: async_timeout.timeout
# e2e-absent: asyncio.
# e2e-backends: asyncio trio

import asyncio

import async_timeout

QUERY_TIMEOUT = 0.5


class FakeDB:
    async def execute(self, sql: str) -> list[tuple[int, str]]:
        if "JOIN" in sql:
            await asyncio.sleep(5)  # missing index: takes forever
        await asyncio.sleep(0.01)
        return [(1, "alice"), (2, "bob")]


async def run_query(db: FakeDB, sql: str) -> list[tuple[int, str]] | None:
    try:
        async with async_timeout.timeout(0.1):
            return await db.execute(sql)
    except asyncio.TimeoutError:
        print(f"query timed out: {sql}")
        return None


async def main() -> None:
    db = FakeDB()
    print(await run_query(db, "SELECT id, name FROM users"))
    print(await run_query(db, "SELECT * FROM users JOIN orders"))
    async with async_timeout.timeout(QUERY_TIMEOUT):
        rows = await db.execute("SELECT 1")
    print("health check rows:", len(rows))


asyncio.run(main())
