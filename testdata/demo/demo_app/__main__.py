"""Entry point: ``python -m demo_app`` runs the pipeline against the fake service."""

from __future__ import annotations

import asyncio
import logging
import os

from .client import FakeTransport, HttpClient
from .fakes import FakeServer, demo_routes
from .pipeline import run_pipeline
from .worker import Job, ResultStore, WorkerPool


async def main() -> None:
    server = FakeServer(demo_routes())
    client = HttpClient(FakeTransport(server), timeout=0.05, retries=3, max_connections=3)
    urls = [f"/docs/{doc_id}" for doc_id in range(1, 7)]
    report = await run_pipeline(client, urls)

    store = ResultStore()
    pool = WorkerPool(store, concurrency=3)
    for doc in report.documents:
        pool.submit(Job(doc.doc_id, doc.text.encode()))
    processed = await pool.run()
    await pool.aclose()

    stats = client.stats
    print(f"documents: {len(report.documents)} (owners: {report.owners})")
    print(f"distinct words: {len(report.index)}")
    print("top words: " + ", ".join(f"{w}={n}" for w, n in report.top_words()))
    print(
        f"requests: {stats.requests}, timeouts: {stats.timeouts}, "
        f"server errors: {stats.server_errors}, token refreshes: {stats.token_refreshes}"
    )
    print(f"peak connections: {server.max_in_flight}")
    print(f"jobs processed: {processed}, stored: {len(store.rows)}, audited: {len(pool.audit_log)}")
    for row in store.rows:
        print(f"  job {row.job_id}: {row.digest} ({row.compressed_size} bytes)")


if __name__ == "__main__":
    logging.basicConfig(
        level=os.environ.get("DEMO_LOG_LEVEL", "ERROR"),
        format="%(levelname)s %(name)s: %(message)s",
    )
    asyncio.run(main())
