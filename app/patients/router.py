"""HTTP routes of patient records (thin: parse, call the service, shape the answer).

Search terms travel in POST bodies, never in URLs, because they are identity data.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Response

from app.auth.deps import CanReadPatients, CanWritePatients
from app.core.clock import utcnow
from app.core.db import SessionDep
from app.core.errors import Forbidden
from app.patients import search as finder
from app.patients import service
from app.patients.models import Patient
from app.patients.records import PatientData
from app.patients.schemas import (
    DuplicateWarning,
    PatientCreate,
    PatientCreated,
    PatientExport,
    PatientOut,
    PatientSearch,
    PatientUpdate,
    SearchHit,
    SearchResult,
)

router = APIRouter(prefix="/api/v1", tags=["patients"])
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200)]
ERASERS = frozenset({"admin", "supervisor"})


def _out(patient: Patient, data: PatientData) -> PatientOut:
    return PatientOut(
        id=patient.id,
        practice_id=patient.practice_id,
        surname=data.surname,
        birth_surname=data.birth_surname,
        given_names=data.given_names,
        birth_date=data.birth_date,
        sex=data.sex,
        phones=list(data.phones),
        email=data.email,
        notes=data.notes,
        revision=patient.revision,
        created_at=patient.created_at,
        updated_at=patient.updated_at,
    )


@router.post(
    "/practices/{practice_id}/patients",
    response_model=PatientCreated,
    status_code=201,
    responses={200: {"description": "Replay of an earlier request with the same Idempotency-Key"}},
)
def create_patient(
    practice_id: uuid.UUID,
    body: PatientCreate,
    actor: CanWritePatients,
    session: SessionDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> PatientCreated:
    patient, data, replay = service.create(session, actor, practice_id, body, idempotency_key)
    dupes = finder.duplicates_of(session, actor, patient, data)
    if replay:
        response.status_code = 200
    response.headers["ETag"] = service.etag(patient)
    response.headers["Location"] = f"/api/v1/patients/{patient.id}"
    return PatientCreated(
        patient=_out(patient, data),
        duplicates=[DuplicateWarning(patient_id=pid, matched_on=reasons) for pid, reasons in dupes.items()],
    )


@router.post("/practices/{practice_id}/patients/search", response_model=SearchResult)
def search_patients(
    practice_id: uuid.UUID, body: PatientSearch, actor: CanReadPatients, session: SessionDep
) -> SearchResult:
    hits, truncated = finder.search(session, actor, practice_id, body)
    return SearchResult(
        truncated=truncated,
        items=[
            SearchHit(id=h.patient.id, status="ok", patient=_out(h.patient, h.data))
            if h.data is not None
            else SearchHit(id=h.patient.id, status="integrity_error", patient=None)
            for h in hits
        ],
    )


@router.get("/patients/{patient_id}", response_model=PatientOut)
def read_patient(
    patient_id: uuid.UUID, actor: CanReadPatients, session: SessionDep, response: Response
) -> PatientOut:
    opened = service.read(session, actor, patient_id)
    assert opened.data is not None
    response.headers["ETag"] = service.etag(opened.patient)
    return _out(opened.patient, opened.data)


@router.patch("/patients/{patient_id}", response_model=PatientOut)
def update_patient(
    patient_id: uuid.UUID,
    body: PatientUpdate,
    actor: CanWritePatients,
    session: SessionDep,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
) -> PatientOut:
    opened = service.update(session, actor, patient_id, body, if_match)
    assert opened.data is not None
    response.headers["ETag"] = service.etag(opened.patient)
    return _out(opened.patient, opened.data)


@router.get("/patients/{patient_id}/export", response_model=PatientExport)
def export_patient(
    patient_id: uuid.UUID, actor: CanReadPatients, session: SessionDep, response: Response
) -> PatientExport:
    opened = service.read(session, actor, patient_id, action="patient.export")
    assert opened.data is not None
    response.headers["Content-Disposition"] = f'attachment; filename="patient-{patient_id}.json"'
    response.headers["Cache-Control"] = "no-store"
    return PatientExport(exported_at=utcnow(), patient=_out(opened.patient, opened.data))


@router.delete("/patients/{patient_id}", status_code=204)
def erase_patient(patient_id: uuid.UUID, actor: CanWritePatients, session: SessionDep) -> Response:
    """Right to erasure: every field and index entry removed; the audit trail keeps the id only."""
    patient = service.load(session, actor, patient_id)
    if actor.role not in ERASERS:
        raise Forbidden("Only a supervisor or an administrator may erase a patient.")
    service.erase(session, actor, patient)
    return Response(status_code=204)
