"""Use cases of patient records: create, read, update, search, export, erase, retention purge.

Every read or change leaves an audit event naming the patient by its random id only. A record
whose ciphertext fails authentication is reported (audit event, log line without data) and never
returned garbled: a single read answers a problem, a listing flags the row without content.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import Session

from app.audit import service as audit
from app.auth.actor import Actor
from app.auth.deps import ensure_practice
from app.core.clock import utcnow
from app.core.errors import Invalid, PreconditionFailed
from app.crypto import blind_index as bi
from app.crypto import service as keys
from app.crypto.errors import IntegrityError, NormalisationError, UnknownKeyVersion
from app.crypto.fields import RowCipher
from app.crypto.keyring import PracticeKeyring
from app.crypto.normalise import fold_surname, normalise_birth_date, normalise_phone
from app.patients import records, repository
from app.patients.exceptions import PatientErased, RecordIntegrityError
from app.patients.models import TABLE, Patient
from app.patients.schemas import PatientCreate, PatientSearch, PatientUpdate
from app.practices.models import Practice

log = logging.getLogger("permanence.patients")
RESOURCE = "patient"
CANDIDATE_LIMIT = 500  # index hits examined per search (true matches + truncation false positives)


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


def _event(
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


def _practice(session: Session, actor: Actor, practice_id: uuid.UUID) -> Practice:
    practice = session.get(Practice, practice_id)
    ensure_practice(
        session, actor, practice.id if practice else None, resource_type="practice", resource_id=practice_id
    )
    assert practice is not None
    return practice


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


def duplicates_of(
    session: Session, actor: Actor | None, patient: Patient, data: records.PatientData
) -> dict[uuid.UUID, list[str]]:
    """Other live records sharing a phone or surname + birth date (confirmed by decryption)."""
    ring = keys.keyring_for(session, patient.practice_id)
    found: dict[uuid.UUID, list[str]] = {}
    probes: list[tuple[str, bi.IndexSpec, str, Any]] = [("phone", bi.PHONE, p, p) for p in data.phones]
    if data.birth_date is not None:
        for name in {fold_surname(n) for n in (data.surname, data.birth_surname) if n}:
            value = bi.compound(name, data.birth_date.isoformat())
            probes.append(("surname_birth_date", bi.SURNAME_BIRTH_DATE, value, (name, data.birth_date)))
    for reason, spec, value, exact in probes:
        for other in repository.by_index(
            session, patient.practice_id, spec.name, ring.blind_index(spec, value), CANDIDATE_LIMIT
        ):
            if other.id == patient.id:
                continue
            opened = open_or_flag(session, actor, other)
            if opened.data is None:
                continue
            hit = (
                records.matches(opened.data, exact, None, None)
                if reason == "phone"
                else records.matches(opened.data, None, exact[0], exact[1])
            )
            if hit and reason not in found.setdefault(other.id, []):
                found[other.id].append(reason)
    return found


def create(
    session: Session, actor: Actor, practice_id: uuid.UUID, body: PatientCreate
) -> tuple[Patient, records.PatientData, dict[uuid.UUID, list[str]]]:
    practice = _practice(session, actor, practice_id)
    data = records.normalise(body.model_dump(), practice.phone_region)
    patient = Patient(practice_id=practice.id)
    _write(session, patient, data)
    dupes = duplicates_of(session, actor, patient, data)
    _event(session, actor, "patient.create", patient)
    return patient, data, dupes


def read(session: Session, actor: Actor, patient_id: uuid.UUID, action: str = "patient.read") -> Opened:
    patient = load(session, actor, patient_id)
    data = _open_single(session, actor, patient)
    _event(session, actor, action, patient)
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
    _event(session, actor, "patient.update", patient)
    return Opened(patient, data)


def _search_terms(body: PatientSearch, region: str) -> tuple[str | None, str | None, date | None]:
    try:
        phone = normalise_phone(body.phone, region) if body.phone else None
        surname = fold_surname(body.surname) if body.surname else None
        born = normalise_birth_date(body.birth_date) if body.birth_date else None
    except NormalisationError as exc:
        raise Invalid(exc.message, errors=[{"loc": ["body", exc.field], "msg": exc.message}]) from exc
    if phone is None and surname is None and born is None:
        raise Invalid("Give a phone number, a surname or a birth date to search.")
    return phone, surname, born


def search(
    session: Session, actor: Actor, practice_id: uuid.UUID, body: PatientSearch
) -> tuple[list[Opened], bool]:
    """Exact search through the most selective blind index, candidates confirmed by decryption."""
    practice = _practice(session, actor, practice_id)
    phone, surname, born = _search_terms(body, practice.phone_region)
    ring = keys.keyring_for(session, practice.id)
    if phone is not None:
        spec, value = bi.PHONE, phone
    elif surname is not None and born is not None:
        spec, value = bi.SURNAME_BIRTH_DATE, bi.compound(surname, born.isoformat())
    elif surname is not None:
        spec, value = bi.SURNAME, surname
    else:
        assert born is not None
        spec, value = bi.BIRTH_DATE, born.isoformat()
    hits: list[Opened] = []
    for candidate in repository.by_index(
        session, practice.id, spec.name, ring.blind_index(spec, value), CANDIDATE_LIMIT
    ):
        opened = open_or_flag(session, actor, candidate)
        if opened.data is None or records.matches(opened.data, phone, surname, born):
            hits.append(opened)
    truncated = len(hits) > body.limit
    for opened in hits[: body.limit]:
        if opened.data is not None:
            _event(session, actor, "patient.search", opened.patient)
    return hits[: body.limit], truncated


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
    _event(session, actor, action, patient)


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
