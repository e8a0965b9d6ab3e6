from __future__ import annotations

import asyncio

import pytest

from demo_app.worker import Job, ResultStore, WorkerPool, checksum, compress


def make_jobs(n: int, cost: float = 0.0) -> list[Job]:
    return [Job(i, f"payload {i} ".encode() * 20, cost) for i in range(n)]


@pytest.mark.asyncio
async def test_run_processes_every_job(pool: WorkerPool, store: ResultStore) -> None:
    jobs = make_jobs(5)
    for job in jobs:
        pool.submit(job)
    assert await pool.run() == 5
    assert [r.job_id for r in store.rows] == [0, 1, 2, 3, 4]
    assert store.rows[3].digest == checksum(compress(jobs[3].payload))
    assert pool.pending == 0


async def test_audit_entries_written_after_aclose(store: ResultStore) -> None:
    pool = WorkerPool(store, concurrency=3)
    for job in make_jobs(4):
        pool.submit(job)
    await pool.run()
    await pool.aclose()
    assert sorted(pool.audit_log)[0].startswith("job=0 digest=")
    assert len(pool.audit_log) == 4


async def test_shutdown_before_run_processes_nothing(pool: WorkerPool, store: ResultStore) -> None:
    for job in make_jobs(3):
        pool.submit(job)
    pool.request_shutdown()
    assert await pool.run() == 0
    assert pool.pending == 3
    assert store.batches == []


class TestCancellation:
    async def test_shutdown_mid_run_keeps_remaining_jobs(self, store: ResultStore) -> None:
        pool = WorkerPool(store, concurrency=1)
        for job in make_jobs(5, cost=0.03):
            pool.submit(job)

        async def stop_soon() -> None:
            await asyncio.sleep(0.045)
            pool.request_shutdown()

        await asyncio.gather(pool.run(), stop_soon())
        await pool.aclose()
        assert 0 < pool.processed < 5
        assert pool.processed + pool.pending == 5
        assert len(store.rows) == pool.processed

    async def test_timeout_requeues_job_and_flushes(self, pool: WorkerPool, store: ResultStore) -> None:
        pool.submit(Job(1, b"quick"))
        pool.submit(Job(2, b"slow", cost=0.15))
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(pool.run(), 0.08)
        assert pool.pending == 1  # the slow job went back to the queue
        assert [r.job_id for r in store.rows] == [1]  # the quick result was still flushed
