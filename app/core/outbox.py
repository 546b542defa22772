"""The transactional outbox: domains enqueue jobs in the same transaction as their change.

A job (CalDAV write-back, webhook, e-mail, calendar sync) is committed with the booking or message
that caused it, so it can never be lost or sent for something that was rolled back. Workers claim jobs
with `FOR UPDATE SKIP LOCKED` on PostgreSQL (SQLite serialises writers), run the handler registered for
the job's kind in a unit of work of its own, and retry with exponential backoff.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, Session, SQLModel, col, select

from app.core.clock import utcnow
from app.core.db import UTCDateTime

log = logging.getLogger("permanence.outbox")

Handler = Callable[[Session, dict[str, Any]], None]
_HANDLERS: dict[str, Handler] = {}

MAX_ATTEMPTS = 12
LEASE = timedelta(minutes=5)


class RetryLater(Exception):
    """Raised by a handler when a remote is unavailable; the job is retried with backoff."""


class OutboxJob(SQLModel, table=True):
    __tablename__ = "outbox_job"
    __table_args__ = (Index("ix_outbox_job_due", "status", "run_at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    kind: str = Field(max_length=64)
    practice_id: uuid.UUID | None = Field(default=None, index=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="pending", max_length=16)  # pending, running, done, dead
    attempts: int = 0
    run_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that performs jobs of `kind`."""

    def register(fn: Handler) -> Handler:
        _HANDLERS[kind] = fn
        return fn

    return register


def enqueue(
    session: Session,
    kind: str,
    payload: dict[str, Any],
    *,
    practice_id: uuid.UUID | None = None,
    run_at: datetime | None = None,
) -> OutboxJob:
    """Add a job to the caller's transaction. Payloads hold ids, never health data."""
    job = OutboxJob(kind=kind, payload=payload, practice_id=practice_id, run_at=run_at or utcnow())
    session.add(job)
    session.flush()
    return job


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(2**attempts, 3600))


def claim(session: Session, limit: int = 10, now: datetime | None = None) -> list[uuid.UUID]:
    """Mark up to `limit` due jobs as running under a lease and return their ids (commit follows)."""
    now = now or utcnow()
    due = ((col(OutboxJob.status) == "pending") & (col(OutboxJob.run_at) <= now)) | (
        (col(OutboxJob.status) == "running") & (col(OutboxJob.locked_until) < now)
    )
    stmt = select(OutboxJob).where(due).order_by(col(OutboxJob.run_at)).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    jobs = list(session.scalars(stmt))
    for job in jobs:
        job.status = "running"
        job.locked_until = now + LEASE
    session.flush()
    return [job.id for job in jobs]


def perform(session: Session, job_id: uuid.UUID, now: datetime | None = None) -> str:
    """Run one claimed job inside the caller's unit of work; returns the job's new status."""
    now = now or utcnow()
    job = session.get(OutboxJob, job_id)
    if job is None or job.status != "running":
        return "skipped"
    fn = _HANDLERS.get(job.kind)
    job.attempts += 1
    try:
        if fn is None:
            raise LookupError(f"no handler for job kind {job.kind!r}")
        with session.begin_nested():
            fn(session, dict(job.payload))
    except Exception as exc:
        job.last_error = f"{type(exc).__name__}: {exc}"[:500]
        job.locked_until = None
        if job.attempts >= MAX_ATTEMPTS:
            job.status = "dead"
        else:
            job.status = "pending"
            job.run_at = now + backoff(job.attempts)
        log.warning("job %s (%s) attempt %d failed: %s", job.id, job.kind, job.attempts, type(exc).__name__)
    else:
        job.status, job.done_at, job.locked_until, job.last_error = "done", now, None, None
    session.flush()
    return job.status
