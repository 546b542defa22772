"""Retention purge: records without activity for the configured period are erased (tombstone + audit)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlmodel import col, select

from app.audit.models import AuditEvent
from app.core.clock import utcnow
from app.patients import service
from app.patients.models import Patient, PatientIndex
from tests.patients.helpers import BASE, create, search


def test_purge_erases_only_inactive_patients(client, db, make) -> None:
    practice = make.practice()
    agent = make.headers("agent", [practice])
    old = create(client, agent, practice.id, surname="Ancien", phones=["0611111111"])["patient"]
    recent = create(client, agent, practice.id, surname="Recent", phones=["0622222222"])["patient"]
    stale = db.get(Patient, uuid.UUID(old["id"]))
    assert stale is not None
    stale.last_activity_at = utcnow() - timedelta(days=4 * 365)
    db.add(stale)
    db.flush()
    assert service.purge_inactive(db, timedelta(days=3 * 365)) == 1
    assert service.purge_inactive(db, timedelta(days=3 * 365)) == 0  # idempotent
    assert client.get(f"{BASE}/patients/{old['id']}", headers=agent).status_code == 410
    assert client.get(f"{BASE}/patients/{recent['id']}", headers=agent).status_code == 200
    assert search(client, agent, practice.id, phone="0611111111") == []
    row = db.get(Patient, uuid.UUID(old["id"]))
    assert row is not None and row.surname is None and row.phones is None and row.erased_at is not None
    assert not db.exec(select(PatientIndex).where(col(PatientIndex.patient_id) == row.id)).all()
    events = db.exec(select(AuditEvent).where(col(AuditEvent.action) == "patient.purge")).all()
    assert [e.resource_id for e in events] == [old["id"]] and events[0].actor_type == "system"


def test_activity_restarts_the_retention_clock(client, db, make) -> None:
    practice = make.practice()
    agent = make.headers("agent", [practice])
    patient = create(client, agent, practice.id, surname="Actif")["patient"]
    row = db.get(Patient, uuid.UUID(patient["id"]))
    assert row is not None
    row.last_activity_at = utcnow() - timedelta(days=4 * 365)
    db.add(row)
    service.record_activity(db, row.id)
    assert service.purge_inactive(db, timedelta(days=3 * 365)) == 0
