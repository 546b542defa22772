"""Reading a practice's audit trail (supervisors and admins)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict

from app.audit import service
from app.auth.deps import CanReadAudit
from app.core.db import SessionDep
from app.practices import service as practices

router = APIRouter(prefix="/api/v1", tags=["audit"])


class AuditEventPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    at: datetime
    actor_type: str
    actor_id: str | None
    action: str
    resource_type: str | None
    resource_id: str | None
    outcome: str
    request_id: str | None
    hash: str


@router.get("/practices/{practice_id}/audit", response_model=list[AuditEventPublic])
def practice_audit(
    practice_id: uuid.UUID,
    actor: CanReadAudit,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    before_seq: Annotated[int | None, Query(ge=1)] = None,
) -> list[AuditEventPublic]:
    practice = practices.get_practice(session, actor, practice_id)
    events = service.list_events(session, practice.id, limit, before_seq)
    return [AuditEventPublic.model_validate(e) for e in events]
