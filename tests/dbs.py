"""Test databases: a fresh SQLite file or a fresh PostgreSQL database, migrated by Alembic."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

PG_ADMIN_URL = os.environ.get("PERMANENCE_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")


def backend() -> str:
    return os.environ.get("PERMANENCE_TEST_DB", "sqlite")


@contextmanager
def fresh_database(tmp_dir: Path, kind: str | None = None) -> Iterator[str]:
    """Yield the SQLAlchemy URL of a new, empty, migrated database; drop it afterwards."""
    from app.cli import migrate_database

    kind = kind or backend()
    if kind == "sqlite":
        url = f"sqlite:///{tmp_dir / f'permanence-{uuid.uuid4().hex[:8]}.db'}"
        migrate_database(url)
        yield url
        return
    name = f"permanence_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + "/" + name
    try:
        migrate_database(url)
        yield url
    finally:
        from app.core.db import get_engine

        get_engine.cache_clear()
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
