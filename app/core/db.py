"""Database engine, the unit of work per request, and column types shared by every domain.

The schema is created by Alembic only. SQLite runs in WAL mode with every transaction opened as
`BEGIN IMMEDIATE`, which serialises writers (the booking invariant relies on it); PostgreSQL enforces
the invariants with constraints.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from functools import lru_cache
from typing import Annotated, Any

from fastapi import Depends
from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, SQLModel

from app.core.config import get_settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION
metadata: MetaData = SQLModel.metadata


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with the project's dialect settings; health data never appears in SQL error text."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url, hide_parameters=True, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )
        _sqlite_serialised(engine)
        return engine
    return create_engine(url, hide_parameters=True, pool_pre_ping=True, **kwargs)


def _sqlite_serialised(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (savepoints work then)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


@lru_cache
def get_engine() -> Engine:
    settings = get_settings()
    if settings.is_sqlite:
        settings.var_dir.mkdir(parents=True, exist_ok=True)
    pool = {
        "pool_size": settings.db_pool_size,
        "max_overflow": settings.db_max_overflow,
        "pool_timeout": settings.db_pool_timeout_seconds,
    }
    return make_engine(settings.database_url, **(pool if ":memory:" not in settings.database_url else {}))


def unit_of_work() -> Iterator[Session]:
    """One session per request or job: commit on success, roll back on error.

    Failure audit events queued during the request (see app.audit.service.record_failure) are written
    after the rollback, so a refused access is recorded even though the request's work is undone.
    """
    with Session(get_engine(), expire_on_commit=False) as session:
        yield from scope(session)


def scope(session: Session) -> Iterator[Session]:
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        _flush_deferred(session)
        raise
    _flush_deferred(session)


def _flush_deferred(session: Session) -> None:
    writers = session.info.pop("after_rollback", [])
    if not writers:
        return
    for write in writers:
        write(session)
    session.commit()


def defer_after_rollback(session: Session, write: Any) -> None:
    """Run `write(session)` in its own transaction once the current one ends, committed or not."""
    session.info.setdefault("after_rollback", []).append(write)


SessionDep = Annotated[Session, Depends(unit_of_work, scope="function")]
