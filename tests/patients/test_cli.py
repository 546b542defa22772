"""`permanence rotate-keys` and `permanence purge-patients` on a database of their own (real commits)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from app.auth.actor import Actor
from app.auth.permissions import ROLE_PERMISSIONS
from app.cli import app as cli
from app.core.clock import utcnow
from app.core.config import get_settings
from app.core.db import get_engine
from app.crypto import service as keys
from app.crypto.models import KeyRotation, PracticeKey
from app.patients import service
from app.patients.models import Patient
from app.patients.schemas import PatientCreate
from app.practices.models import Practice
from tests.dbs import fresh_database

ADMIN = Actor(kind="system", id=uuid.UUID(int=0), role="admin", permissions=ROLE_PERMISSIONS["admin"],
              practice_ids=None)  # fmt: skip


def _reset() -> None:
    get_settings.cache_clear()
    get_engine.cache_clear()
    keys.get_provider.cache_clear()
    keys.clear_cache()


@pytest.fixture
def own_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with fresh_database(tmp_path, "sqlite") as url:
        monkeypatch.setenv("PERMANENCE_DATABASE_URL", url)
        _reset()
        try:
            yield url
        finally:
            get_engine().dispose()
            monkeypatch.undo()
            _reset()


def test_rotate_keys_command_then_retire_then_purge(own_db: str) -> None:
    with Session(get_engine(), expire_on_commit=False) as session:
        practice = Practice(name="Cabinet CLI", specialties=["generaliste"])
        session.add(practice)
        session.commit()
        bodies = [
            PatientCreate(surname="Durand", phones=[f"06{i:08d}"]) for i in range(10_000_001, 10_000_008)
        ]
        ids = [service.create(session, ADMIN, practice.id, body)[0].id for body in bodies]
        session.commit()
    runner = CliRunner()
    result = runner.invoke(cli, ["rotate-keys", "--batch-size", "3"])
    assert result.exit_code == 0, result.output
    assert "re-encrypting to data key version 2" in result.output and "7 rows re-encrypted" in result.output
    refused = runner.invoke(cli, ["rotate-keys", "--retire"])
    assert refused.exit_code == 1 and "younger" in refused.output
    retired = runner.invoke(cli, ["rotate-keys", "--retire", "--min-age-seconds", "0"])
    assert retired.exit_code == 0 and "retired data key versions [1]" in retired.output
    keys.clear_cache()
    with Session(get_engine(), expire_on_commit=False) as session:
        jobs = session.exec(select(KeyRotation)).all()
        assert [j.rows_done for j in jobs] == [7] and jobs[0].finished_at is not None
        data_keys = session.exec(select(PracticeKey).where(col(PracticeKey.purpose) == "data")).all()
        assert sorted((k.version, k.retired_at is not None) for k in data_keys) == [(1, True), (2, False)]
        for pid in ids:
            assert service.read(session, ADMIN, pid).data.surname == "Durand"  # type: ignore[union-attr]
        session.commit()
        old = session.get(Patient, ids[0])
        assert old is not None
        old.last_activity_at = utcnow() - timedelta(days=400)
        session.add(old)
        session.commit()
    dry = runner.invoke(cli, ["purge-patients", "--older-than-days", "365", "--dry-run"])
    assert dry.exit_code == 0 and "1 patients would be erased" in dry.output
    purge = runner.invoke(cli, ["purge-patients", "--older-than-days", "365"])
    assert purge.exit_code == 0 and "erased 1 patients" in purge.output
    with Session(get_engine()) as session:
        erased = session.get(Patient, ids[0])
        assert erased is not None and erased.erased_at is not None and erased.surname is None


def test_service_refuses_to_start_with_a_wrong_master_key(
    own_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fastapi.testclient import TestClient

    from app.crypto.errors import KeyConfigurationError
    from app.crypto.keys import generate_master_key
    from app.main import app

    with Session(get_engine(), expire_on_commit=False) as session:
        practice = Practice(name="Cabinet clé", specialties=["generaliste"])
        session.add(practice)
        session.commit()
        service.create(session, ADMIN, practice.id, PatientCreate(surname="Blanc"))
        session.commit()
    with TestClient(app):  # the configured (development) key: starts, and records its check value
        pass
    monkeypatch.setenv("PERMANENCE_MASTER_KEY", generate_master_key())
    _reset()
    with (
        pytest.raises(KeyConfigurationError, match="not the key this database was set up with"),
        TestClient(app),
    ):
        pass
