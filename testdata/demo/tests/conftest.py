from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from demo_app.client import FakeTransport, HttpClient
from demo_app.fakes import FakeServer, demo_routes
from demo_app.worker import ResultStore, WorkerPool


@pytest.fixture
def server() -> FakeServer:
    return FakeServer(demo_routes())


@pytest_asyncio.fixture
async def client(server: FakeServer) -> HttpClient:
    """A client that has already authenticated against ``server``."""
    client = HttpClient(FakeTransport(server), timeout=0.05, retries=3, max_connections=3)
    await client.authenticate()
    return client


@pytest.fixture
def store() -> ResultStore:
    return ResultStore()


@pytest_asyncio.fixture
async def pool(store: ResultStore) -> AsyncIterator[WorkerPool]:
    pool = WorkerPool(store, concurrency=2)
    yield pool
    await pool.aclose()
