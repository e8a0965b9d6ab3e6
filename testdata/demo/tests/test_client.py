from __future__ import annotations

import asyncio

import pytest

from demo_app.client import HTTPError, HttpClient
from demo_app.fakes import FakeServer, Route


@pytest.mark.asyncio
async def test_get_json_returns_payload(client: HttpClient) -> None:
    assert await client.get_json("/health") == {"ok": True}
    assert client.stats.timeouts == 0


@pytest.mark.asyncio
async def test_token_is_fetched_once_under_concurrency(client: HttpClient, server: FakeServer) -> None:
    client._token = None  # force a refresh while five requests race for it
    await asyncio.gather(*(client.get("/health") for _ in range(5)))
    assert server.calls["/auth/token"] == 2  # once by the fixture, once by the race
    assert client.stats.token_refreshes == 2


async def test_connection_pool_limits_concurrency(client: HttpClient, server: FakeServer) -> None:
    urls = [f"/docs/{i}" for i in (1, 2, 4, 6)] * 2
    await asyncio.gather(*(client.get(u) for u in urls))
    assert server.max_in_flight == 3


async def test_unknown_path_raises_http_error(client: HttpClient) -> None:
    with pytest.raises(HTTPError) as excinfo:
        await client.get("/nope")
    assert excinfo.value.status == 404


class TestRetries:
    async def test_stalled_request_is_retried(self, client: HttpClient, server: FakeServer) -> None:
        doc = await client.get_json("/docs/3")
        assert doc["doc_id"] == 3
        assert server.calls["/docs/3"] == 2
        assert client.stats.timeouts == 1

    async def test_server_error_is_retried(self, client: HttpClient, server: FakeServer) -> None:
        doc = await client.get_json("/docs/5")
        assert doc["doc_id"] == 5
        assert client.stats.server_errors == 1

    async def test_gives_up_after_last_attempt(self, client: HttpClient, server: FakeServer) -> None:
        server.routes["/slow"] = Route({}, stall_first=10)
        with pytest.raises(asyncio.TimeoutError):
            await client.get("/slow")
        assert server.calls["/slow"] == client.retries == 3
        assert server.in_flight == 0  # every timed-out attempt was cancelled

    async def test_persistent_server_error_raises(self, client: HttpClient, server: FakeServer) -> None:
        server.routes["/down"] = Route({}, error_first=10)
        with pytest.raises(HTTPError) as excinfo:
            await client.get("/down")
        assert excinfo.value.status == 503


class TestBatchBudget:
    async def test_batch_within_budget(self, client: HttpClient) -> None:
        docs = await client.get_many_within(["/docs/1", "/docs/2"], budget=0.5)
        assert [d["doc_id"] for d in docs] == [1, 2]

    async def test_batch_over_budget_times_out(self, client: HttpClient, server: FakeServer) -> None:
        for i in range(5):
            server.routes[f"/item/{i}"] = Route({"i": i}, latency=0.03)
        with pytest.raises(TimeoutError):
            await client.get_many_within([f"/item/{i}" for i in range(5)], budget=0.05)
        assert client.stats.timeouts == 0  # the batch deadline fired, not a per-request one
        assert server.calls["/item/1"] == 1  # in flight when the deadline fired
        assert "/item/3" not in server.calls
