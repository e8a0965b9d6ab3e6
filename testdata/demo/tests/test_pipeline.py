from __future__ import annotations

import pytest

from demo_app.client import HttpClient
from demo_app.fakes import DOCUMENTS, FakeServer
from demo_app.pipeline import Document, build_index, fetch_documents, run_pipeline

pytestmark = pytest.mark.asyncio


async def test_fetch_documents_keeps_request_order(client: HttpClient) -> None:
    urls = ["/docs/6", "/docs/1", "/docs/4"]  # /docs/6 is the slowest to answer
    docs = await fetch_documents(client, urls)
    assert [d.doc_id for d in docs] == [6, 1, 4]


async def test_build_index_consumes_every_document() -> None:
    docs = [Document(1, 1, "Alpha beta"), Document(2, 2, "beta gamma"), Document(3, 1, "")]
    index = await build_index(docs, min_length=4)
    assert index == {"alpha": {1}, "beta": {1, 2}, "gamma": {2}}


async def test_build_index_of_nothing_is_empty() -> None:
    assert await build_index([]) == {}


async def test_run_pipeline_report(client: HttpClient, server: FakeServer) -> None:
    urls = [f"/docs/{i}" for i in range(1, len(DOCUMENTS) + 1)]
    report = await run_pipeline(client, urls)
    assert [d.doc_id for d in report.documents] == [1, 2, 3, 4, 5, 6]
    assert report.owners == {"ada": 3, "linus": 3}
    assert report.top_words(1) == [("scope", 3)]
    assert "every" not in report.index  # a stopword from /config
    assert server.calls["/warmup"] == server.calls["/health"] == 1
    assert client.stats.timeouts == 1 and client.stats.server_errors == 1
