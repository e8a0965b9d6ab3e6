"""An HTTP-like client with timeouts, retries and a connection pool.

The transport is pluggable; the application and the tests use
:class:`FakeTransport`, which hands requests to an in-memory server.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from typing import Any, Protocol

log = logging.getLogger(__name__)


class HTTPError(Exception):
    """Raised for a 4xx answer, or a 5xx answer that survived every retry."""

    def __init__(self, status: int, path: str) -> None:
        super().__init__(f"HTTP {status} for {path}")
        self.status = status
        self.path = path


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes = b""

    def json(self) -> Any:
        return json.loads(self.body)


class Handler(Protocol):
    async def handle(self, request: Request) -> Response: ...


class FakeTransport:
    """Delivers requests to an in-process handler instead of a socket."""

    def __init__(self, server: Handler) -> None:
        self._server = server

    async def request(self, request: Request) -> Response:
        return await self._server.handle(request)


@dataclass
class ClientStats:
    requests: int = 0
    timeouts: int = 0
    server_errors: int = 0
    token_refreshes: int = 0


class HttpClient:
    """Client with per-attempt timeouts, retries with backoff and pooling."""

    def __init__(
        self,
        transport: FakeTransport,
        *,
        timeout: float = 0.05,
        retries: int = 3,
        max_connections: int = 4,
    ) -> None:
        self._transport = transport
        self.timeout = timeout
        self.retries = retries
        self._pool = asyncio.Semaphore(max_connections)
        self._token_lock = asyncio.Lock()
        self._token: str | None = None
        self.stats = ClientStats()

    async def authenticate(self) -> str:
        """Return the bearer token, fetching it once even under concurrency."""
        async with self._token_lock:
            if self._token is None:
                resp = await self._send(Request("POST", "/auth/token"))
                self._token = resp.json()["token"]
                self.stats.token_refreshes += 1
                log.info("obtained token %s", self._token)
            return self._token

    async def get(self, path: str) -> Response:
        token = await self.authenticate()
        request = Request("GET", path, {"authorization": f"Bearer {token}"})
        resp = await self._send(request)
        if resp.status >= 400:
            raise HTTPError(resp.status, path)
        return resp

    async def get_json(self, path: str) -> Any:
        resp = await self.get(path)
        return resp.json()

    async def get_many_within(self, paths: list[str], budget: float) -> list[Any]:
        """Fetch ``paths`` one by one; the whole batch must finish in ``budget`` s."""
        results: list[Any] = []
        async with asyncio.timeout(budget):
            for path in paths:
                results.append(await self.get_json(path))
        return results

    async def _send(self, request: Request) -> Response:
        """Send one request, retrying timeouts and 5xx answers with backoff."""
        for attempt in range(1, self.retries + 1):
            try:
                async with self._pool:
                    resp = await asyncio.wait_for(self._transport.request(request), self.timeout)
            except asyncio.TimeoutError:
                self.stats.timeouts += 1
                log.warning(
                    "%s %s timed out (attempt %d/%d)",
                    request.method, request.path, attempt, self.retries,
                )
                if attempt == self.retries:
                    raise
            else:
                if resp.status < 500:
                    self.stats.requests += 1
                    return resp
                self.stats.server_errors += 1
                log.warning(
                    "%s %s returned %d (attempt %d/%d)",
                    request.method, request.path, resp.status, attempt, self.retries,
                )
                if attempt == self.retries:
                    raise HTTPError(resp.status, request.path)
            await asyncio.sleep(0.01 * attempt)
        raise AssertionError("unreachable: retries must be >= 1")
