"""Accounts whose balances are updated under a lock, with timed transfers."""

from __future__ import annotations

import asyncio


class InsufficientFunds(Exception):
    pass


class Account:
    def __init__(self, name: str, balance: int = 0) -> None:
        self.name = name
        self.balance = balance
        self.lock = asyncio.Lock()
        self.history: list[int] = []

    async def deposit(self, amount: int, delay: float = 0.0) -> int:
        async with self.lock:
            current = self.balance
            await asyncio.sleep(delay)  # a slow write: the lock keeps it atomic
            self.balance = current + amount
            self.history.append(amount)
            return self.balance


async def _move(src: Account, dst: Account, amount: int, delay: float) -> None:
    first, second = sorted((src, dst), key=lambda a: a.name)
    async with first.lock:
        async with second.lock:
            if src.balance < amount:
                raise InsufficientFunds(src.name)
            await asyncio.sleep(delay)
            src.balance -= amount
            dst.balance += amount


async def transfer(src: Account, dst: Account, amount: int, *, delay: float = 0.0, timeout: float = 1.0) -> None:
    await asyncio.wait_for(_move(src, dst, amount, delay), timeout)


async def total(*accounts: Account) -> int:
    await asyncio.sleep(0)
    return sum(a.balance for a in accounts)
