"""Fetch documents, build a word index and summarise it."""

from __future__ import annotations

import asyncio
import logging
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from .client import HttpClient

log = logging.getLogger(__name__)

WORD = re.compile(r"[a-z]+")


@dataclass(frozen=True)
class Document:
    doc_id: int
    owner: int
    text: str


@dataclass
class PipelineReport:
    documents: list[Document]
    index: dict[str, set[int]]
    owners: dict[str, int]

    def top_words(self, n: int = 3) -> list[tuple[str, int]]:
        counts = Counter({word: len(ids) for word, ids in self.index.items()})
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:n]


async def warm_up(client: HttpClient) -> None:
    """Prime the server-side cache before the real traffic."""
    await client.get("/warmup")


async def check_health(client: HttpClient) -> None:
    health = await client.get_json("/health")
    if not health.get("ok"):
        raise RuntimeError("service unhealthy")


async def fetch_documents(client: HttpClient, urls: list[str]) -> list[Document]:
    """Fetch every document concurrently; the result keeps the order of ``urls``."""

    async def fetch(url: str) -> Document:
        data = await client.get_json(url)
        return Document(data["doc_id"], data["owner"], data["text"])

    results = await asyncio.gather(*(fetch(u) for u in urls))
    log.info("fetched %d documents", len(results))
    return list(results)


async def build_index(
    docs: list[Document], *, min_length: int = 1, stopwords: frozenset[str] = frozenset()
) -> dict[str, set[int]]:
    """Index documents through a producer/consumer queue."""
    queue: asyncio.Queue[Document | None] = asyncio.Queue()
    index: dict[str, set[int]] = {}

    async def producer() -> None:
        for doc in docs:
            await queue.put(doc)
        await queue.put(None)  # sentinel: no more documents

    async def consumer() -> None:
        while (doc := await queue.get()) is not None:
            for word in WORD.findall(doc.text.lower()):
                if len(word) >= min_length and word not in stopwords:
                    index.setdefault(word, set()).add(doc.doc_id)
            await asyncio.sleep(0)  # let the producer run

    await asyncio.gather(producer(), consumer())
    return index


async def run_pipeline(client: HttpClient, urls: list[str]) -> PipelineReport:
    await asyncio.gather(warm_up(client), check_health(client))
    config, users = await asyncio.gather(client.get_json("/config"), client.get_json("/users"))
    docs = await fetch_documents(client, urls)
    index = await build_index(
        docs, min_length=config["min_word_length"], stopwords=frozenset(config["stopwords"])
    )
    names: dict[int, Any] = {user["id"]: user["name"] for user in users}
    owners = Counter(names[doc.owner] for doc in docs)
    return PipelineReport(docs, index, dict(sorted(owners.items())))
