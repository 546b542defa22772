"""HTTP routes of triage (thin: parse, call the service, shape the answer).

Findings, answers and patient context travel in bodies, never in URLs.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Response

from app.auth.deps import CanReadTriage, CanWriteTriage
from app.core.db import SessionDep
from app.triage import catalogue, service, views
from app.triage.schemas import (
    AnswerRequest,
    AssessRequest,
    AssessResponse,
    DispositionOut,
    FindingOut,
    GlobalChecklistOut,
    ProtocolDetail,
    ProtocolSummary,
    SessionCreate,
    SessionOut,
    SpecialtyName,
    SuggestRequest,
    SuggestResponse,
)

router = APIRouter(prefix="/api/v1/triage", tags=["triage"])
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200)]


@router.get("/findings", response_model=list[FindingOut])
def list_findings(actor: CanReadTriage) -> list[FindingOut]:
    return views.finding_list(catalogue.rules())


@router.get("/global", response_model=GlobalChecklistOut)
def global_checklist(actor: CanReadTriage) -> GlobalChecklistOut:
    """The global red-flag checklist (same for every call), so a console can show it before any protocol."""
    return views.global_checklist(catalogue.rules())


@router.get("/protocols", response_model=list[ProtocolSummary])
def list_protocols(actor: CanReadTriage, specialty: SpecialtyName | None = None) -> list[ProtocolSummary]:
    rules = catalogue.rules()
    return [
        views.protocol_summary(p, rules.protocol_hashes[pid])
        for pid, p in rules.protocols.items()
        if specialty is None or specialty in p.specialties
    ]


@router.get("/protocols/{protocol_id}", response_model=ProtocolDetail)
def read_protocol(protocol_id: str, actor: CanReadTriage) -> ProtocolDetail:
    rules = catalogue.rules()
    proto = catalogue.protocol(protocol_id)
    return views.protocol_detail(rules, proto, rules.protocol_hashes[protocol_id])


@router.post("/suggest", response_model=SuggestResponse)
def suggest(body: SuggestRequest, actor: CanReadTriage) -> SuggestResponse:
    found = catalogue.suggest(body)
    return SuggestResponse(
        suggestions=[views.suggestion_out(s) for s in found], motif=found[0].motif if found else None
    )


@router.post("/assess", response_model=AssessResponse)
def assess(body: AssessRequest, actor: CanReadTriage) -> AssessResponse:
    """Batch assess (stateless, nothing stored): unanswered questions count as unknown."""
    cp, suggestions, ignored, ev = catalogue.run_assess(body)
    return AssessResponse(
        protocol_id=cp.id,
        protocol_version=cp.protocol.version,
        suggestions=[views.suggestion_out(s) for s in suggestions],
        disposition=DispositionOut(**ev.disposition_json()),
        next_question=views.question_out(ev.question) if ev.question else None,
        ignored_findings=ignored,
    )


@router.post(
    "/sessions",
    response_model=SessionOut,
    status_code=201,
    responses={200: {"description": "Replay of an earlier request with the same Idempotency-Key"}},
)
def create_session(
    body: SessionCreate,
    actor: CanWriteTriage,
    session: SessionDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> SessionOut:
    view, replay = service.create_session(session, actor, body, idempotency_key)
    if replay:
        response.status_code = 200
    response.headers["Location"] = f"/api/v1/triage/sessions/{view.row.id}"
    return views.session_out(view, catalogue.rules())


@router.get("/sessions/{triage_session_id}", response_model=SessionOut)
def read_session(triage_session_id: uuid.UUID, actor: CanReadTriage, session: SessionDep) -> SessionOut:
    return views.session_out(service.read_session(session, actor, triage_session_id), catalogue.rules())


@router.post("/sessions/{triage_session_id}/answers", response_model=SessionOut)
def answer_session(
    triage_session_id: uuid.UUID, body: AnswerRequest, actor: CanWriteTriage, session: SessionDep
) -> SessionOut:
    return views.session_out(
        service.answer_session(session, actor, triage_session_id, body), catalogue.rules()
    )
