"""HTTP routes of agenda sources (thin): set a practitioner's source, read its sync status, sync now."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from sqlalchemy import func
from sqlmodel import Session, select

from app.audit import service as audit
from app.auth.actor import Actor
from app.auth.deps import CanReadPractices, CanWritePractices
from app.calendars import service
from app.calendars.models import AgendaSource, BusyInterval
from app.calendars.schemas import AgendaSourceIn, AgendaStatusPublic, SyncQueued
from app.core.clock import utcnow
from app.core.db import SessionDep
from app.core.errors import Conflict
from app.practices import service as practices
from app.practices.models import Practitioner

router = APIRouter(prefix="/api/v1", tags=["agendas"])


def _audit(session: Session, actor: Actor, action: str, practitioner: Practitioner) -> None:
    audit.record(
        session, actor=actor, action=action, practice_id=practitioner.practice_id,
        resource_type="agenda_source", resource_id=practitioner.id,
    )  # fmt: skip


def _public(session: Session, practitioner: Practitioner, source: AgendaSource | None) -> AgendaStatusPublic:
    if source is None:
        source = AgendaSource(practice_id=practitioner.practice_id, practitioner_id=practitioner.id)
    count = session.scalar(
        select(func.count()).select_from(BusyInterval).where(BusyInterval.source_id == source.id)
    )
    age = (utcnow() - source.last_synced_at).total_seconds() if source.last_synced_at else None
    return AgendaStatusPublic(
        practitioner_id=practitioner.id, kind=source.kind, url_hint=source.url_hint, username=source.username,
        has_credential=source.credential is not None, tentative_busy=source.tentative_busy,
        sync_interval_minutes=source.sync_interval_minutes, status=source.status,
        last_synced_at=source.last_synced_at, age_seconds=age, last_attempt_at=source.last_attempt_at,
        last_error=source.last_error, next_sync_at=source.next_sync_at, busy_intervals=count or 0,
    )  # fmt: skip


@router.get("/practitioners/{practitioner_id}/agenda", response_model=AgendaStatusPublic)
def read_agenda(
    practitioner_id: uuid.UUID, actor: CanReadPractices, session: SessionDep
) -> AgendaStatusPublic:
    """The practitioner's agenda source and how fresh its busy time is (no secret is returned)."""
    practitioner = practices.get_practitioner(session, actor, practitioner_id)
    _audit(session, actor, "agenda.read", practitioner)
    return _public(session, practitioner, service.source_of(session, practitioner.id))


@router.put("/practitioners/{practitioner_id}/agenda", response_model=AgendaStatusPublic)
def set_agenda(
    practitioner_id: uuid.UUID, body: AgendaSourceIn, actor: CanWritePractices, session: SessionDep
) -> AgendaStatusPublic:
    """Set where the practitioner's agenda lives; remote sources are synced by the worker right away."""
    practitioner = practices.get_practitioner(session, actor, practitioner_id)
    source = service.set_source(
        session, practitioner, body.kind, url=body.url, username=body.username, password=body.password,
        tentative_busy=body.tentative_busy, sync_interval_minutes=body.sync_interval_minutes,
    )  # fmt: skip
    if source.kind != "internal":
        service.request_sync(session, source)
    _audit(session, actor, "agenda.update", practitioner)
    return _public(session, practitioner, source)


@router.post("/practitioners/{practitioner_id}/agenda/sync", response_model=SyncQueued, status_code=202)
def sync_agenda(practitioner_id: uuid.UUID, actor: CanWritePractices, session: SessionDep) -> SyncQueued:
    """Queue a sync now (the answer does not wait for the remote calendar)."""
    practitioner = practices.get_practitioner(session, actor, practitioner_id)
    source = service.source_of(session, practitioner.id)
    if source is None or source.kind == "internal":
        raise Conflict("This practitioner's agenda is internal: there is nothing to synchronise.")
    job = service.request_sync(session, source)
    _audit(session, actor, "agenda.sync", practitioner)
    return SyncQueued(practitioner_id=practitioner.id, job_id=job.id)
