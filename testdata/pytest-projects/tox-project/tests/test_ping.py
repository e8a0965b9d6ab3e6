from __future__ import annotations

import pytest
import pytest_asyncio

from heartbeat import ping, ping_or_none

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.slow,
]


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def latencies() -> dict[str, float]:
    return {"alpha": 0.0, "beta": 0.001}


@pytest.mark.asyncio
async def test_ping_answers(hosts: list[str]) -> None:
    assert [await ping(h) for h in hosts] == ["pong from alpha", "pong from beta"]


@pytest.mark.asyncio
class TestDeadlines:
    async def test_fast_ping_beats_deadline(self, latencies: dict[str, float]) -> None:
        assert await ping_or_none("beta", latencies["beta"], timeout=0.5) == "pong from beta"

    async def test_slow_ping_misses_deadline(self) -> None:
        assert await ping_or_none("gamma", 0.2, timeout=0.01) is None

    @pytest.mark.parametrize("host", ["alpha", "beta"])
    async def test_each_host(self, host: str, latencies: dict[str, float]) -> None:
        assert await ping(host, latencies[host]) == f"pong from {host}"
