"""Queries of the patients domain (the only place that builds them)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import bindparam, delete
from sqlmodel import Session, col, select

from app.patients.models import Patient, PatientIndex


def get(session: Session, patient_id: uuid.UUID) -> Patient | None:
    return session.get(Patient, patient_id)


def by_create_key(session: Session, practice_id: uuid.UUID, create_key: str) -> Patient | None:
    stmt = select(Patient).where(
        col(Patient.practice_id) == practice_id, col(Patient.create_key) == create_key
    )
    return session.exec(stmt).first()


# Built once: the lookup runs on every incoming call, and building the statement costs more than
# running it (bound parameters keep SQLAlchemy's compiled-statement cache warm).
_BY_INDEX = (
    select(Patient)
    .join(PatientIndex, col(PatientIndex.patient_id) == col(Patient.id))
    .where(
        col(PatientIndex.practice_id) == bindparam("practice_id"),
        col(PatientIndex.name) == bindparam("name"),
        col(PatientIndex.value) == bindparam("value"),
        col(Patient.erased_at).is_(None),
    )
    .order_by(col(Patient.created_at), col(Patient.id))
    .limit(bindparam("limit"))
)


def by_index(session: Session, practice_id: uuid.UUID, name: str, value: str, limit: int) -> list[Patient]:
    """Live patients whose index ``name`` has ``value`` (candidates: truncation admits false positives)."""
    params = {"practice_id": practice_id, "name": name, "value": value, "limit": limit}
    return list(session.exec(_BY_INDEX, params=params))


def replace_indexes(session: Session, patient: Patient, entries: Iterable[tuple[str, str]]) -> None:
    delete_indexes(session, patient.id)
    for name, value in sorted(set(entries)):
        session.add(
            PatientIndex(patient_id=patient.id, name=name, value=value, practice_id=patient.practice_id)
        )


def delete_indexes(session: Session, patient_id: uuid.UUID) -> None:
    session.execute(delete(PatientIndex).where(col(PatientIndex.patient_id) == patient_id))
    session.flush()


def inactive_since(session: Session, cutoff: datetime, limit: int) -> list[Patient]:
    stmt = (
        select(Patient)
        .where(col(Patient.last_activity_at) < cutoff, col(Patient.erased_at).is_(None))
        .order_by(col(Patient.id))
        .limit(limit)
    )
    return list(session.exec(stmt))
