"""In-memory stand-ins for the remote service (no network, no sockets)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

from .client import Request, Response


@dataclass
class Route:
    """A canned answer; the first few calls can stall or fail on purpose."""

    body: Any
    status: int = 200
    latency: float = 0.002
    stall_first: int = 0
    error_first: int = 0


class FakeServer:
    """Serves :class:`Route` objects and records how it was called."""

    def __init__(self, routes: dict[str, Route] | None = None, *, stall_for: float = 1.0) -> None:
        self.routes = dict(routes or {})
        self.stall_for = stall_for
        self.calls: dict[str, int] = {}
        self.in_flight = 0
        self.max_in_flight = 0

    async def handle(self, request: Request) -> Response:
        count = self.calls[request.path] = self.calls.get(request.path, 0) + 1
        route = self.routes.get(request.path)
        if route is None:
            return Response(404, b'{"error": "not found"}')
        if request.path != "/auth/token" and "authorization" not in request.headers:
            return Response(401, b'{"error": "unauthorized"}')
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            stalled = count <= route.stall_first
            await asyncio.sleep(self.stall_for if stalled else route.latency)
        finally:
            self.in_flight -= 1
        if count <= route.stall_first + route.error_first:
            return Response(503, b'{"error": "unavailable"}')
        return Response(route.status, json.dumps(route.body).encode())


DOCUMENTS = [
    "Structured concurrency keeps every task inside a scope that owns it",
    "Timeouts and cancellation compose when every scope has a deadline",
    "A worker pool offloads blocking compression to threads",
    "Retries with backoff hide transient failures from every caller",
    "Memory streams give producers backpressure and a clean close",
    "A scope that owns its tasks cancels them when the scope exits",
]


def demo_routes() -> dict[str, Route]:
    """The service used by ``python -m demo_app`` and by the tests."""
    routes = {
        "/auth/token": Route({"token": "tok-1"}),
        "/health": Route({"ok": True}),
        "/warmup": Route({"warmed": True}, latency=0.005),
        "/config": Route({"min_word_length": 5, "stopwords": ["every", "their"]}),
        "/users": Route([{"id": 1, "name": "ada"}, {"id": 2, "name": "linus"}]),
    }
    for doc_id, text in enumerate(DOCUMENTS, start=1):
        routes[f"/docs/{doc_id}"] = Route(
            {"doc_id": doc_id, "owner": 1 + doc_id % 2, "text": text}, latency=0.002 * doc_id
        )
    routes["/docs/3"].stall_first = 1  # first attempt hangs: exercises the timeout path
    routes["/docs/5"].error_first = 1  # first attempt is a 503: exercises the retry path
    return routes
