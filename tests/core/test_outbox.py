"""The outbox: jobs commit with the change that caused them, are retried with backoff, and run once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from app import worker
from app.core import outbox
from app.core.clock import utcnow
from app.core.db import make_engine
from app.core.outbox import OutboxJob
from tests.dbs import backend, fresh_database

_runs: list[str] = []


@outbox.handler("test.record")
def _record(session: Session, payload: dict) -> None:
    _runs.append(payload["n"])


_flaky_failures = {"left": 0}


@outbox.handler("test.flaky")
def _flaky(session: Session, payload: dict) -> None:
    if _flaky_failures["left"] > 0:
        _flaky_failures["left"] -= 1
        raise outbox.RetryLater("remote down")
    _runs.append(payload["n"])


def test_rolled_back_change_enqueues_nothing(db):
    with pytest.raises(RuntimeError), db.begin_nested():
        outbox.enqueue(db, "test.record", {"n": "x"})
        raise RuntimeError("the booking failed")
    assert db.scalars(select(OutboxJob).where(OutboxJob.kind == "test.record")).all() == []


def test_retry_with_backoff_then_success(db):
    _runs.clear()
    _flaky_failures["left"] = 2
    job = outbox.enqueue(db, "test.flaky", {"n": "a"})
    now = utcnow()
    assert outbox.claim(db, now=now) == [job.id]
    assert outbox.perform(db, job.id, now=now) == "pending"
    assert job.attempts == 1 and job.run_at == now + timedelta(seconds=2)
    assert outbox.claim(db, now=now + timedelta(seconds=1)) == []  # not due yet
    later = now + timedelta(seconds=3)
    assert outbox.claim(db, now=later) == [job.id]
    assert outbox.perform(db, job.id, now=later) == "pending"
    last = later + timedelta(seconds=10)
    assert outbox.claim(db, now=last) == [job.id]
    assert outbox.perform(db, job.id, now=last) == "done"
    assert _runs == ["a"] and job.last_error is None


def test_job_without_handler_ends_dead_after_max_attempts(db):
    job = outbox.enqueue(db, "test.nobody", {})
    now = utcnow()
    for i in range(outbox.MAX_ATTEMPTS):
        now += timedelta(hours=2)
        assert outbox.claim(db, now=now) == [job.id], i
        outbox.perform(db, job.id, now=now)
    assert job.status == "dead"
    assert "no handler" in (job.last_error or "")


def test_expired_lease_is_claimed_again(db):
    job = outbox.enqueue(db, "test.record", {"n": "b"})
    now = utcnow()
    assert outbox.claim(db, now=now) == [job.id]  # a worker claims it, then dies
    assert outbox.claim(db, now=now + timedelta(minutes=1)) == []
    assert outbox.claim(db, now=now + outbox.LEASE + timedelta(seconds=1)) == [job.id]


def test_concurrent_workers_never_run_a_job_twice(tmp_path):
    _runs.clear()
    with fresh_database(tmp_path) as url:
        engine = make_engine(url, **({"pool_size": 8} if backend() == "postgresql" else {}))
        with Session(engine) as session:
            for i in range(60):
                outbox.enqueue(session, "test.record", {"n": str(i)})
            session.commit()

        def work() -> None:
            while worker.run_once(engine, limit=5):
                pass

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        with Session(engine) as session:
            statuses = {j.status for j in session.scalars(select(OutboxJob))}
        engine.dispose()
    assert sorted(_runs, key=int) == [str(i) for i in range(60)]  # each exactly once
    assert statuses == {"done"}
