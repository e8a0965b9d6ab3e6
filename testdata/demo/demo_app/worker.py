"""A worker pool that offloads blocking work (compression, hashing) to threads."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
import zlib
from collections import deque
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    job_id: int
    payload: bytes
    cost: float = 0.0  # seconds of simulated blocking work


@dataclass(frozen=True)
class JobResult:
    job_id: int
    digest: str
    compressed_size: int


def compress(payload: bytes, cost: float = 0.0) -> bytes:
    """Blocking: a slow codec, simulated with ``time.sleep``."""
    if cost:
        time.sleep(cost)
    return zlib.compress(payload, 6)


def checksum(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


class ResultStore:
    """In-memory stand-in for the database that receives results in batches."""

    def __init__(self) -> None:
        self.batches: list[list[JobResult]] = []

    async def write_batch(self, results: list[JobResult]) -> None:
        await asyncio.sleep(0.005)  # simulated round trip
        self.batches.append(sorted(results, key=lambda r: r.job_id))

    @property
    def rows(self) -> list[JobResult]:
        return sorted((r for batch in self.batches for r in batch), key=lambda r: r.job_id)


class WorkerPool:
    """Processes submitted jobs with ``concurrency`` workers until drained or shut down."""

    def __init__(self, store: ResultStore, *, concurrency: int = 3) -> None:
        self._store = store
        self.concurrency = concurrency
        self._pending: deque[Job] = deque()
        self._unflushed: list[JobResult] = []
        self._shutdown = asyncio.Event()
        self._background_tasks: set[asyncio.Task[None]] = set()
        self.audit_log: list[str] = []
        self.processed = 0

    @property
    def pending(self) -> int:
        return len(self._pending)

    def submit(self, job: Job) -> None:
        self._pending.append(job)

    def request_shutdown(self) -> None:
        """Ask every worker to stop after its current job."""
        self._shutdown.set()

    async def run(self) -> int:
        """Run the workers; return how many jobs this call processed."""
        loop = asyncio.get_event_loop()
        started, before = loop.time(), self.processed
        try:
            async with asyncio.TaskGroup() as tg:
                for worker_id in range(self.concurrency):
                    tg.create_task(self._worker(worker_id))
        finally:
            # Results already computed must reach the store even if we are cancelled.
            await asyncio.shield(self._flush())
        done = self.processed - before
        log.info("processed %d jobs in %.3fs", done, loop.time() - started)
        return done

    async def aclose(self) -> None:
        """Stop the workers and wait for outstanding audit tasks."""
        self.request_shutdown()
        if self._background_tasks:
            await asyncio.gather(*self._background_tasks)

    async def _worker(self, worker_id: int) -> None:
        while self._pending and not self._shutdown.is_set():
            job = self._pending.popleft()
            try:
                result = await self._process(job)
            except asyncio.CancelledError:
                log.info("worker %d cancelled, re-queueing job %d", worker_id, job.job_id)
                self._pending.appendleft(job)
                raise
            self._unflushed.append(result)
            self.processed += 1
            # Auditing must never slow a worker down: fire and forget.
            task = asyncio.create_task(self._audit(result))
            self._background_tasks.add(task)
            task.add_done_callback(self._background_tasks.discard)

    async def _process(self, job: Job) -> JobResult:
        compressed = await asyncio.to_thread(compress, job.payload, job.cost)
        loop = asyncio.get_running_loop()
        digest = await loop.run_in_executor(None, checksum, compressed)
        return JobResult(job.job_id, digest, len(compressed))

    async def _audit(self, result: JobResult) -> None:
        await asyncio.sleep(0)  # simulated call to the audit service
        self.audit_log.append(f"job={result.job_id} digest={result.digest}")

    async def _flush(self) -> None:
        if not self._unflushed:
            return
        batch, self._unflushed = self._unflushed, []
        await self._store.write_batch(batch)
        log.info("flushed %d results", len(batch))
