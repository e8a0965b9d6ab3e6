from __future__ import annotations

import asyncio

import pytest

from ledger import Account, total

pytestmark = pytest.mark.asyncio


async def test_deposit_returns_balance(alice: Account) -> None:
    assert await alice.deposit(5) == 105


async def test_lock_makes_deposits_atomic() -> None:
    account = Account("carol")
    await asyncio.gather(*(account.deposit(1, delay=0.001) for _ in range(10)))
    assert account.balance == 10
    assert len(account.history) == 10


async def test_total(alice: Account, bob: Account) -> None:
    assert await total(alice, bob) == 150
