"""Inventory sync job whose entry point takes positional arguments.

Exercises: asyncio.run(main(a, b)) -> anyio.run(main, a, b), nested inside
sys.exit(...) under an `if __name__ == "__main__":` guard, with the run's
return value used as the exit status; `import anyio` lands after the
`from __future__` import.
"""
# e2e-expect: anyio.run(main, "warehouse-7", BATCHES)
# e2e-expect: await anyio.sleep(0.01)
# e2e-absent: asyncio.run(
# e2e-absent: import asyncio
# e2e-backends: asyncio trio

from __future__ import annotations

import asyncio
import sys

BATCHES = 3


async def sync_batch(store: str, batch: int) -> list[str]:
    await asyncio.sleep(0.01)  # pretend to talk to the warehouse API
    return [f"{store}/sku-{batch}{i}" for i in range(2)]


async def main(store: str, batches: int) -> int:
    synced: list[str] = []
    for b in range(batches):
        synced.extend(await sync_batch(store, b))
    print(f"{store}: synced {len(synced)} items")
    for item in synced:
        print(" ", item)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main("warehouse-7", BATCHES)))
