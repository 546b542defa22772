"""Tampered or swapped ciphertexts: reported, never returned garbled, never a 500."""

from __future__ import annotations

import logging
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import StatementError
from sqlmodel import Session, col, select

from app.audit.models import AuditEvent
from app.crypto.fields import Sealed
from app.patients.models import Patient
from tests.patients.helpers import BASE, create, search


@pytest.fixture
def setup(client, make):  # type: ignore[no-untyped-def]
    practice = make.practice()
    agent = make.headers("agent", [practice])
    a = create(client, agent, practice.id, surname="Garnier", notes="note A", phones=["0611111111"])[
        "patient"
    ]
    b = create(client, agent, practice.id, surname="Garnier", notes="note B", phones=["0622222222"])[
        "patient"
    ]
    return practice, agent, uuid.UUID(a["id"]), uuid.UUID(b["id"])


def _raw(db: Session, patient_id: uuid.UUID, column: str) -> str:
    return db.execute(
        text(f"SELECT {column} FROM patient WHERE id = :id"),
        {"id": patient_id.hex if db.get_bind().dialect.name == "sqlite" else patient_id},
    ).scalar_one()


def _set_raw(db: Session, patient_id: uuid.UUID, column: str, value: str) -> None:
    key = patient_id.hex if db.get_bind().dialect.name == "sqlite" else patient_id
    db.execute(text(f"UPDATE patient SET {column} = :v WHERE id = :id"), {"v": value, "id": key})
    db.expire_all()


def _integrity_events(db: Session, patient_id: uuid.UUID) -> list[AuditEvent]:
    stmt = select(AuditEvent).where(
        col(AuditEvent.action) == "patient.integrity_error", col(AuditEvent.resource_id) == str(patient_id)
    )
    return list(db.exec(stmt))


@pytest.mark.parametrize("attack", ["swap", "flip", "garbage", "relabel"])
def test_tampered_record_is_reported_not_returned(client, db, setup, caplog, attack) -> None:
    practice, agent, a, b = setup
    token = _raw(db, a, "notes")
    tampered = {
        "swap": _raw(db, b, "notes"),  # a valid ciphertext of another row
        "flip": token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1],
        "garbage": "pas un chiffré",
        "relabel": token.replace("pe1.k1.", "pe1.k2.", 1),
    }[attack]
    _set_raw(db, a, "notes", tampered)
    with caplog.at_level(logging.WARNING):
        single = client.get(f"{BASE}/patients/{a}", headers=agent)
    assert single.status_code == 409, single.text
    assert single.headers["content-type"].startswith("application/problem+json")
    assert "Garnier" not in single.text and "note" not in single.text
    assert _integrity_events(db, a), "the integrity failure leaves an audit event"
    assert all("Garnier" not in r.getMessage() and "note " not in r.getMessage() for r in caplog.records)
    # In a listing the row is flagged without content; the healthy row is still served.
    hits = {h["id"]: h for h in search(client, agent, practice.id, surname="garnier")}
    assert hits[str(a)] == {"id": str(a), "status": "integrity_error", "patient": None}
    assert hits[str(b)]["status"] == "ok" and hits[str(b)]["patient"]["notes"] == "note B"
    # Updating or exporting the damaged record is refused the same way, never a 500.
    assert client.patch(f"{BASE}/patients/{a}", json={"notes": "x"}, headers=agent).status_code == 409
    assert client.get(f"{BASE}/patients/{a}/export", headers=agent).status_code == 409


def test_ciphertext_moved_to_another_column_fails(client, db, setup) -> None:
    _, agent, a, _ = setup
    _set_raw(db, a, "given_names", _raw(db, a, "surname"))
    assert client.get(f"{BASE}/patients/{a}", headers=agent).status_code == 409


def test_ciphertext_moved_to_another_practice_fails(client, db, make, setup) -> None:
    _practice, _agent, a, _ = setup
    other = make.practice()
    other_agent = make.headers("agent", [other])
    victim = uuid.UUID(create(client, other_agent, other.id, surname="Petit")["patient"]["id"])
    _set_raw(db, victim, "surname", _raw(db, a, "surname"))
    assert client.get(f"{BASE}/patients/{victim}", headers=other_agent).status_code == 409


def test_a_clear_value_cannot_be_written_by_accident(db, make) -> None:
    practice = make.practice()
    with pytest.raises(StatementError, match=r"patient\.surname is encrypted"):
        patient = Patient(practice_id=practice.id)
        patient.surname = "Dupont"  # type: ignore[assignment]
        db.add(patient)
        db.flush()
    db.rollback()


def test_a_ciphertext_of_another_column_cannot_be_assigned(db, make) -> None:
    practice = make.practice()
    with pytest.raises(StatementError, match=r"assigned to patient\.notes"):
        patient = Patient(practice_id=practice.id, notes=Sealed("pe1.k1.AAAA", "patient", "surname"))
        db.add(patient)
        db.flush()
    db.rollback()
