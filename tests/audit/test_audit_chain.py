"""The audit trail is a hash chain per practice: any modified, deleted or reordered event is detected."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session

from app.audit import service as audit
from app.core.db import make_engine
from tests.dbs import fresh_database

ROOT = Path(__file__).resolve().parents[2]


class _Actor:
    kind = "user"

    def __init__(self) -> None:
        self.id = uuid.uuid4()


def _fill(session: Session, practice_id: uuid.UUID, n: int = 5) -> None:
    actor = _Actor()
    for i in range(n):
        audit.record(
            session,
            actor=actor,
            action="patient.read",
            practice_id=practice_id,
            resource_type="patient",
            resource_id=uuid.UUID(int=i + 1),
        )


def test_intact_chain_verifies(db, make):
    p = make.practice()
    _fill(db, p.id)
    assert audit.verify_all(db) == []


@pytest.mark.parametrize("tamper", ["modify", "delete_middle", "delete_last", "reorder"])
def test_tampering_is_detected(db, make, tamper):
    p = make.practice()
    _fill(db, p.id)
    chain = str(p.id)
    if tamper == "modify":
        db.execute(
            text("UPDATE audit_event SET action = 'patient.update' WHERE chain = :c AND seq = 3"),
            {"c": chain},
        )
    elif tamper == "delete_middle":
        db.execute(text("DELETE FROM audit_event WHERE chain = :c AND seq = 2"), {"c": chain})
    elif tamper == "delete_last":
        db.execute(text("DELETE FROM audit_event WHERE chain = :c AND seq = 5"), {"c": chain})
    else:
        db.execute(text("UPDATE audit_event SET seq = 100 WHERE chain = :c AND seq = 2"), {"c": chain})
        db.execute(text("UPDATE audit_event SET seq = 2 WHERE chain = :c AND seq = 4"), {"c": chain})
        db.execute(text("UPDATE audit_event SET seq = 4 WHERE chain = :c AND seq = 100"), {"c": chain})
    db.expire_all()
    problems = audit.verify_all(db)
    assert problems, tamper
    assert all(pr.chain == chain for pr in problems)


def test_chains_are_per_practice(db, make):
    a, b = make.practice(), make.practice()
    _fill(db, a.id, 3)
    _fill(db, b.id, 2)
    db.execute(
        text("UPDATE audit_event SET outcome = 'denied' WHERE chain = :c AND seq = 1"), {"c": str(b.id)}
    )
    db.expire_all()
    assert {pr.chain for pr in audit.verify_all(db)} == {str(b.id)}


def test_cli_audit_verify_exit_codes(tmp_path):
    with fresh_database(tmp_path) as url:
        engine = make_engine(url)
        practice_id = uuid.uuid4()
        with Session(engine) as session:
            _fill(session, practice_id, 4)
            session.commit()
        env = {**os.environ, "PERMANENCE_DATABASE_URL": url}
        cmd = [sys.executable, "-m", "app.cli", "audit-verify"]
        ok = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
        assert ok.returncode == 0, ok.stderr
        assert "intact" in ok.stdout
        with engine.begin() as conn:
            conn.execute(text("UPDATE audit_event SET resource_id = 'someone-else' WHERE seq = 2"))
        bad = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
        assert bad.returncode == 1
        assert "event 2" in bad.stderr and "modified" in bad.stderr
        engine.dispose()
