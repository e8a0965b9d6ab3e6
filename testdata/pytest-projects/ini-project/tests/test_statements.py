from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from ledger import Account, transfer


@pytest.mark.asyncio
class TestStatement:
    @pytest_asyncio.fixture(autouse=True)
    async def opened(self) -> AsyncIterator[None]:
        self.account = Account("erin")
        await self.account.deposit(20)
        yield
        self.account.history.clear()

    async def test_history_records_deposits(self) -> None:
        await self.account.deposit(3)
        assert self.account.history == [20, 3]

    async def test_transfer_leaves_history_alone(self, bob: Account) -> None:
        await transfer(self.account, bob, 5)
        assert self.account.history == [20]
        assert self.account.balance == 15


class TestMarkedMethods:
    @pytest.mark.asyncio
    @pytest.mark.parametrize("amount", [1, 2])
    async def test_deposit_amounts(self, alice: Account, amount: int) -> None:
        assert await alice.deposit(amount) == 100 + amount


def test_new_account_is_empty() -> None:
    assert Account("dave").balance == 0
