"""Database maintenance where some steps deliberately have no deadline.

Exercises: wait_for(X, None) -> plain `await X` with no cancel scope, in the
expression-statement, assignment and return positions.
"""
# e2e-expect: await db.compact("orders")
# e2e-expect: freed = await db.vacuum("orders")
# e2e-expect: return await db.analyze(table)
# e2e-absent: wait_for
# e2e-absent: fail_after
# e2e-absent: move_on_after
# e2e-absent: None)
# e2e-backends: asyncio trio

import asyncio


class Database:
    def __init__(self) -> None:
        self.pages = {"orders": 120, "users": 40}

    async def compact(self, table: str) -> None:
        await asyncio.sleep(0.01)
        self.pages[table] -= 20
        print(f"compacted {table}")

    async def vacuum(self, table: str) -> int:
        await asyncio.sleep(0.01)
        freed = self.pages[table] // 4
        self.pages[table] -= freed
        return freed

    async def analyze(self, table: str) -> str:
        await asyncio.sleep(0.01)
        return f"{table}: {self.pages[table]} pages"


async def stats(db: Database, table: str) -> str:
    # maintenance calls take as long as they take: no deadline on purpose
    return await asyncio.wait_for(db.analyze(table), None)


async def main() -> None:
    db = Database()
    await asyncio.wait_for(db.compact("orders"), None)
    freed = await asyncio.wait_for(db.vacuum("orders"), None)
    print(f"vacuum freed {freed} pages")
    for table in ("orders", "users"):
        print(await stats(db, table))


asyncio.run(main())
