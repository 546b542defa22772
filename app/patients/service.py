"""Use cases of patient records: create, read, update, search, export, erase, retention purge.

Every read or change leaves an audit event naming the patient by its random id only. A record
whose ciphertext fails authentication is reported (audit event, log line without data) and never
returned garbled: a single read answers a problem, a listing flags the row without content.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from app.audit import service as audit
from app.auth.actor import Actor
from app.auth.deps import ensure_practice
from app.core.clock import utcnow
from app.core.errors import Conflict, Invalid, PreconditionFailed
from app.crypto import service as keys
from app.crypto.errors import IntegrityError, UnknownKeyVersion
from app.crypto.fields import RowCipher
from app.crypto.keyring import PracticeKeyring
from app.patients import records, repository
from app.patients.exceptions import PatientErased, RecordIntegrityError
from app.patients.models import TABLE, Patient
from app.patients.schemas import PatientCreate, PatientUpdate
from app.practices import service as practices
from app.practices.models import Practice

log = logging.getLogger("permanence.patients")
RESOURCE = "patient"


@dataclass(frozen=True)
class SystemActor:
    """The retention purge acts on its own, not for a user."""

    kind: str = "system"
    id: uuid.UUID | None = None


SYSTEM = SystemActor()


@dataclass(frozen=True)
class Opened:
    """A patient row and its decrypted content (None when the record failed its integrity check)."""

    patient: Patient
    data: records.PatientData | None


def audit_event(
    session: Session,
    actor: Actor | SystemActor | None,
    action: str,
    patient: Patient,
    outcome: str = "success",
) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        practice_id=patient.practice_id,
        resource_type=RESOURCE,
        resource_id=patient.id,
        outcome=outcome,
    )


def _cipher(ring: PracticeKeyring, patient: Patient) -> RowCipher:
    return RowCipher(ring, TABLE, patient.id)


def _open(session: Session, patient: Patient) -> records.PatientData:
    return keys.open_with_reload(
        session, patient.practice_id, lambda ring: records.open_from(patient, _cipher(ring, patient))
    )


def _report_integrity(session: Session, actor: Actor | None, patient: Patient, *, outside: bool) -> None:
    # The log names the record by id only: what failed is the ciphertext, and it may be health data.
    log.warning("integrity check failed for patient %s of practice %s", patient.id, patient.practice_id)
    kwargs: dict[str, Any] = {
        "actor": actor,
        "action": "patient.integrity_error",
        "practice_id": patient.practice_id,
        "resource_type": RESOURCE,
        "resource_id": patient.id,
        "outcome": "error",
    }
    if outside:
        audit.record_outside(session, **kwargs)
    else:
        audit.record(session, **kwargs)


def open_or_flag(session: Session, actor: Actor | None, patient: Patient) -> Opened:
    """Decrypt for a listing: a failing row is reported and returned without content."""
    try:
        return Opened(patient, _open(session, patient))
    except (IntegrityError, UnknownKeyVersion):
        _report_integrity(session, actor, patient, outside=False)
        return Opened(patient, None)


def load(session: Session, actor: Actor, patient_id: uuid.UUID) -> Patient:
    """The live patient if the actor may see its practice; 404 otherwise, 410 once erased."""
    patient = repository.get(session, patient_id)
    ensure_practice(
        session,
        actor,
        patient.practice_id if patient else None,
        resource_type=RESOURCE,
        resource_id=patient_id,
    )
    assert patient is not None
    if patient.erased_at is not None:
        raise PatientErased("This patient's data has been erased.")
    return patient


def _open_single(session: Session, actor: Actor, patient: Patient) -> records.PatientData:
    try:
        return _open(session, patient)
    except (IntegrityError, UnknownKeyVersion) as exc:
        _report_integrity(session, actor, patient, outside=True)
        raise RecordIntegrityError(
            "This record failed its integrity check and cannot be shown; it has been reported."
        ) from exc


def _write(session: Session, patient: Patient, data: records.PatientData) -> None:
    ring = keys.keyring_for(session, patient.practice_id)
    records.seal_into(patient, _cipher(ring, patient), data)
    session.add(patient)
    session.flush()
    repository.replace_indexes(session, patient, records.index_entries(ring, data))
    session.flush()


def create(
    session: Session,
    actor: Actor,
    practice_id: uuid.UUID,
    body: PatientCreate,
    idempotency_key: str | None = None,
) -> tuple[Patient, records.PatientData, bool]:
    """Create a record; with an Idempotency-Key, a replay returns the first record (third value True)."""
    practice = practices.get_practice(session, actor, practice_id)
    data = records.normalise(body.model_dump(), practice.phone_region)
    ring = keys.keyring_for(session, practice.id)
    key = fingerprint = None
    if idempotency_key is not None:
        # Keyed digests: neither the client's key nor the body can be guessed back from the columns.
        key = ring.keyed_digest("idempotency-key", f"{actor.kind}:{actor.id}:{idempotency_key}")
        fingerprint = ring.keyed_digest("create-body", repr(sorted(data.__dict__.items())))
        earlier = repository.by_create_key(session, practice.id, key)
        if earlier is not None:
            if earlier.create_fingerprint != fingerprint:
                raise Conflict("This Idempotency-Key was already used with a different body.")
            return earlier, _open_single(session, actor, earlier), True
    patient = Patient(practice_id=practice.id, create_key=key, create_fingerprint=fingerprint)
    _write(session, patient, data)
    audit_event(session, actor, "patient.create", patient)
    return patient, data, False


def read(session: Session, actor: Actor, patient_id: uuid.UUID, action: str = "patient.read") -> Opened:
    patient = load(session, actor, patient_id)
    data = _open_single(session, actor, patient)
    audit_event(session, actor, action, patient)
    return Opened(patient, data)


def etag(patient: Patient) -> str:
    return f'"{patient.revision}"'


def update(
    session: Session, actor: Actor, patient_id: uuid.UUID, body: PatientUpdate, if_match: str | None
) -> Opened:
    patient = load(session, actor, patient_id)
    if if_match is not None and if_match.strip().removeprefix("W/") != etag(patient):
        raise PreconditionFailed(
            "The record changed since you read it; reload and retry.", current_revision=patient.revision
        )
    current = _open_single(session, actor, patient)
    changes = body.model_dump(exclude_unset=True)
    if "surname" in changes and changes["surname"] is None:
        raise Invalid("Le nom est obligatoire.", errors=[{"loc": ["body", "surname"], "msg": "required"}])
    practice = session.get(Practice, patient.practice_id)
    data = records.normalise(records.merge(current, changes), practice.phone_region if practice else "FR")
    if data != current:
        _write(session, patient, data)
        patient.revision += 1
        patient.updated_at = patient.last_activity_at = utcnow()
        session.add(patient)
        session.flush()
    audit_event(session, actor, "patient.update", patient)
    return Opened(patient, data)


def erase(
    session: Session, actor: Actor | SystemActor | None, patient: Patient, action: str = "patient.erase"
) -> None:
    """Remove every encrypted field and index entry; the row stays as a tombstone (id only)."""
    records.erase(patient)
    patient.erased_at = patient.updated_at = utcnow()
    patient.revision += 1
    session.add(patient)
    repository.delete_indexes(session, patient.id)
    session.flush()
    audit_event(session, actor, action, patient)


def erase_by_id(session: Session, actor: Actor, patient_id: uuid.UUID) -> None:
    erase(session, actor, load(session, actor, patient_id))


def record_activity(session: Session, patient_id: uuid.UUID) -> None:
    """Other domains call this when a patient is in contact (call, booking): it restarts retention."""
    patient = repository.get(session, patient_id)
    if patient is not None and patient.erased_at is None:
        patient.last_activity_at = utcnow()
        session.add(patient)
        session.flush()


def purge_inactive(
    session: Session, retention: timedelta, *, now: datetime | None = None, batch: int = 500
) -> int:
    """Erase up to ``batch`` patients without activity for longer than ``retention``; returns how many."""
    cutoff = (now or utcnow()) - retention
    stale = repository.inactive_since(session, cutoff, batch)
    for patient in stale:
        erase(session, SYSTEM, patient, action="patient.purge")
    return len(stale)
