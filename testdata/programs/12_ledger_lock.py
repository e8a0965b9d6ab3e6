"""Concurrent withdrawals guarded by a module-level lock.

Exercises: `asyncio.Lock()` created at import time (outside any event loop) ->
`anyio.Lock()`; `async with lock` and `lock.locked()`. The file already uses
anyio task groups (a half-migrated module), so `import anyio` must not be
added twice. Without mutual exclusion every withdrawal would read the same
balance and all would be approved.
"""
# e2e-expect: ledger_lock = anyio.Lock()
# e2e-expect: await anyio.sleep(0.01)
# e2e-absent: asyncio
# e2e-backends: asyncio trio

import asyncio

import anyio

ledger_lock = asyncio.Lock()


class Account:
    def __init__(self, balance: int) -> None:
        self.balance = balance
        self.approved = 0
        self.rejected = 0


async def withdraw(account: Account, amount: int) -> None:
    async with ledger_lock:
        current = account.balance
        await asyncio.sleep(0.01)  # round trip to the ledger service
        if current >= amount:
            account.balance = current - amount
            account.approved += 1
        else:
            account.rejected += 1


async def main() -> None:
    account = Account(100)
    async with anyio.create_task_group() as tg:
        for _ in range(10):
            tg.start_soon(withdraw, account, 30)
    print(f"approved {account.approved}, rejected {account.rejected}")
    print(f"final balance {account.balance}")
    print("lock still held:", ledger_lock.locked())


asyncio.run(main())
