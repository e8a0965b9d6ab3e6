from __future__ import annotations

import asyncio

import pytest
import pytest_asyncio

from ledger import Account, InsufficientFunds, transfer

pytestmark = [pytest.mark.asyncio, pytest.mark.slow]


@pytest_asyncio.fixture(
    scope="module",
    loop_scope="module",
)
async def bank() -> Account:
    account = Account("bank", 1_000)
    await asyncio.sleep(0)
    return account


@pytest_asyncio.fixture(scope="module")
async def audit_log():
    entries: list[str] = []
    yield entries
    assert all(e.startswith("transfer") for e in entries)


async def test_transfer_moves_money(alice: Account, bob: Account, audit_log: list[str]) -> None:
    await transfer(alice, bob, 30)
    audit_log.append("transfer alice->bob")
    assert (alice.balance, bob.balance) == (70, 80)


async def test_transfer_rejects_overdraft(alice: Account, bob: Account) -> None:
    with pytest.raises(InsufficientFunds):
        await transfer(bob, alice, 500)
    assert bob.balance == 50


async def test_slow_transfer_times_out(alice: Account, bob: Account) -> None:
    with pytest.raises(asyncio.TimeoutError):
        await transfer(alice, bob, 10, delay=0.2, timeout=0.01)
    assert (alice.balance, bob.balance) == (100, 50)
    assert not alice.lock.locked()


async def test_bank_pays_out(bank: Account, bob: Account, audit_log: list[str]) -> None:
    await transfer(bank, bob, 100)
    audit_log.append("transfer bank->bob")
    assert bank.balance == 900
