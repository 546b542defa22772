"""Shared fixtures: one migrated database per run (SQLite or PostgreSQL), one rolled-back
transaction per test.

Select the backend with PERMANENCE_TEST_DB=sqlite|postgresql (`make test` runs both).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("PERMANENCE_ENV", "test")
os.environ["PERMANENCE_RUN_WORKER_IN_PROCESS"] = "false"
_TMP = Path(tempfile.mkdtemp(prefix="permanence-tests-"))
os.environ.setdefault("PERMANENCE_VAR_DIR", str(_TMP))

import pytest  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import Engine  # noqa: E402
from sqlmodel import Session  # noqa: E402

from tests.dbs import backend, fresh_database  # noqa: E402
from tests.factories import Factory  # noqa: E402

_db_cm = fresh_database(_TMP)
os.environ["PERMANENCE_DATABASE_URL"] = _db_cm.__enter__()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    with contextlib.suppress(Exception):  # best effort: drop the test database
        _db_cm.__exit__(None, None, None)


def pytest_report_header(config: pytest.Config) -> str:
    return f"permanence test database: {backend()}"


@pytest.fixture(scope="session")
def engine() -> Engine:
    from app.core.db import get_engine

    return get_engine()


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test; commits become savepoints."""
    connection = engine.connect()
    transaction = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()
        transaction.rollback()
        connection.close()


@pytest.fixture
def app(db: Session):  # type: ignore[no-untyped-def]
    from app.core.db import scope, unit_of_work
    from app.main import app as fastapi_app

    def test_unit_of_work() -> Iterator[Session]:
        db.commit()  # keep what the test built so far (a savepoint) if the request rolls back
        yield from scope(db)

    fastapi_app.dependency_overrides[unit_of_work] = test_unit_of_work
    yield fastapi_app
    fastapi_app.dependency_overrides.clear()


@pytest.fixture
def client(app) -> TestClient:  # type: ignore[no-untyped-def]
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture
def make(db: Session) -> Factory:
    return Factory(db)
