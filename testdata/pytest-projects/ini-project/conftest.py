from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from ledger import Account


@pytest_asyncio.fixture
async def alice() -> Account:
    account = Account("alice")
    await account.deposit(100)
    return account


@pytest_asyncio.fixture
async def bob() -> AsyncIterator[Account]:
    account = Account("bob")
    await account.deposit(50)
    yield account
    # Nothing may still hold the lock once the test is over.
    assert not account.lock.locked()
    account.history.clear()
