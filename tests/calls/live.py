"""End-to-end harness: a committed database of its own, the API on it, the worker, real receivers.

The `db` fixture's rolled-back transaction is invisible to the worker, so these tests migrate a fresh
database (tests/dbs.fresh_database), serve the application on it and drive `app.worker.run_once`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from app import worker
from app.calls.models import DeliveryAttempt, PractitionerMessage
from app.core.clock import utcnow
from app.core.config import get_settings
from app.core.db import make_engine, scope, unit_of_work
from app.core.outbox import OutboxJob
from tests.calls.receivers import HttpSink, SmtpSink
from tests.dbs import fresh_database
from tests.factories import Factory


@dataclass
class Live:
    engine: Engine
    client: TestClient
    smtp: SmtpSink
    http: HttpSink

    def build(self) -> tuple[Session, Factory]:
        """A session for setting things up; commit it before calling the API (SQLite serialises writers)."""
        session = Session(self.engine, expire_on_commit=False)
        return session, Factory(session)

    def drain(self, rounds: int = 20) -> int:
        """Run the worker until no job is due; returns how many jobs ran."""
        ran = 0
        for _ in range(rounds):
            done = worker.run_once(self.engine)
            if not done:
                break
            ran += sum(done.values())
        return ran

    def due_now(self, *kinds: str) -> int:
        """Move pending jobs of these kinds to now: time passes for retries and escalation."""
        with self.engine.begin() as conn:
            result = conn.execute(
                update(OutboxJob)
                .where(col(OutboxJob.status) == "pending", col(OutboxJob.kind).in_(kinds))
                .values(run_at=utcnow())
            )
        return int(getattr(result, "rowcount", 0) or 0)

    def pending(self, kind: str) -> list[OutboxJob]:
        with Session(self.engine) as s:
            stmt = select(OutboxJob).where(OutboxJob.kind == kind, OutboxJob.status == "pending")
            return list(s.scalars(stmt))

    def message(self, message_id: str | uuid.UUID) -> PractitionerMessage:
        with Session(self.engine, expire_on_commit=False) as s:
            row = s.get(PractitionerMessage, uuid.UUID(str(message_id)))
            assert row is not None
            return row

    def attempts(self, message_id: str | uuid.UUID) -> list[DeliveryAttempt]:
        with Session(self.engine) as s:
            stmt = select(DeliveryAttempt).where(DeliveryAttempt.message_id == uuid.UUID(str(message_id)))
            return sorted(s.scalars(stmt), key=lambda a: (a.step, a.created_at))

    def get(self, model: Any, **where: Any) -> list[Any]:
        with Session(self.engine) as s:
            stmt = select(model)
            for key, value in where.items():
                stmt = stmt.where(getattr(model, key) == value)
            return list(s.scalars(stmt))


@pytest.fixture
def live(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Live]:
    from app.main import app as fastapi_app

    worker.load_handlers()
    smtp, http = SmtpSink().start(), HttpSink().start()
    settings = get_settings()
    monkeypatch.setattr(settings, "smtp_host", "127.0.0.1")
    monkeypatch.setattr(settings, "smtp_port", smtp.port)
    monkeypatch.setattr(settings, "smtp_timeout_seconds", 5.0)
    monkeypatch.setattr(settings, "webhook_timeout_seconds", 5.0)
    with fresh_database(tmp_path) as url:
        engine = make_engine(url)

        def uow() -> Iterator[Session]:
            with Session(engine, expire_on_commit=False) as session:
                yield from scope(session)

        fastapi_app.dependency_overrides[unit_of_work] = uow
        try:
            yield Live(engine, TestClient(fastapi_app, raise_server_exceptions=False), smtp, http)
        finally:
            fastapi_app.dependency_overrides.clear()
            smtp.stop()
            http.stop()
            engine.dispose()
