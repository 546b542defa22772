"""Authentication and authorization, in one place.

Every route takes its actor from `require(area, verb)`, and every object id it resolves goes through
`ensure_practice` (or a repository that calls it): an object of a practice the actor is not assigned to
answers 404 — exactly like an id that does not exist — and leaves an `authz.denied` audit event.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from sqlmodel import Session, SQLModel

from app.audit import service as audit
from app.auth import secrets as sec
from app.auth import service
from app.auth.actor import Actor
from app.core.db import SessionDep
from app.core.errors import Forbidden, NotFound, Unauthenticated

SESSION_COOKIE = "permanence_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def current_actor(request: Request, session: SessionDep) -> Actor:
    auth = request.headers.get("authorization", "")
    if auth:
        scheme, _, credential = auth.partition(" ")
        if scheme.lower() != "bearer" or not credential.strip():
            raise Unauthenticated("Use 'Authorization: Bearer <token or API key>'.")
        credential = credential.strip()
        if credential.startswith(service.API_KEY_PREFIX):
            return service.api_key_actor(session, credential)
        return service.session_actor(session, credential, "bearer")[0]
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise Unauthenticated("Authentication required.")
    actor, row = service.session_actor(session, cookie, "cookie")
    if request.method not in SAFE_METHODS:
        presented = request.headers.get(CSRF_HEADER, "")
        if not presented or row.csrf_hash is None or not sec.same(row.csrf_hash, sec.token_hash(presented)):
            raise Forbidden("Missing or wrong CSRF token (send the X-CSRF-Token header).")
    return actor


ActorDep = Annotated[Actor, Depends(current_actor)]


def require(area: str, verb: str) -> Callable[..., Actor]:
    """A dependency that yields the actor if it holds `area:verb`, else answers 403."""

    def dependency(actor: ActorDep) -> Actor:
        if not actor.can(area, verb):
            raise Forbidden(f"This account may not {verb} {area}.")
        return actor

    dependency.__name__ = f"require_{area}_{verb}"
    return dependency


# One alias per area and verb keeps route signatures short: `actor: CanReadPatients`.
CanReadPractices = Annotated[Actor, Depends(require("practices", "read"))]
CanWritePractices = Annotated[Actor, Depends(require("practices", "write"))]
CanReadPatients = Annotated[Actor, Depends(require("patients", "read"))]
CanWritePatients = Annotated[Actor, Depends(require("patients", "write"))]
CanReadTriage = Annotated[Actor, Depends(require("triage", "read"))]
CanWriteTriage = Annotated[Actor, Depends(require("triage", "write"))]
CanReadScheduling = Annotated[Actor, Depends(require("scheduling", "read"))]
CanWriteScheduling = Annotated[Actor, Depends(require("scheduling", "write"))]
CanReadCalls = Annotated[Actor, Depends(require("calls", "read"))]
CanWriteCalls = Annotated[Actor, Depends(require("calls", "write"))]
CanReadReports = Annotated[Actor, Depends(require("reports", "read"))]
CanReadAudit = Annotated[Actor, Depends(require("audit", "read"))]
CanAdminRead = Annotated[Actor, Depends(require("admin", "read"))]
CanAdminWrite = Annotated[Actor, Depends(require("admin", "write"))]


def ensure_practice(
    session: Session,
    actor: Actor,
    practice_id: uuid.UUID | None,
    *,
    resource_type: str,
    resource_id: uuid.UUID | None = None,
) -> None:
    """404 (and an audit event that survives the rollback) when the actor may not touch this practice."""
    if practice_id is not None and actor.sees(practice_id):
        return
    audit.record_outside(
        session,
        actor=actor,
        action="authz.denied",
        practice_id=practice_id,
        resource_type=resource_type,
        resource_id=resource_id,
        outcome="denied",
    )
    raise NotFound(f"{resource_type.replace('_', ' ').capitalize()} not found.")


Owned = TypeVar("Owned", bound=SQLModel)


def get_owned(
    session: Session,
    actor: Actor,
    model: type[Owned],
    object_id: uuid.UUID,
    *,
    resource_type: str,
    in_practice: uuid.UUID | None = None,
) -> Owned:
    """The row with this id if the actor may touch its practice — and, given `in_practice`, it is that
    practice's (a linked object); otherwise 404 exactly like a missing id."""
    row = session.get(model, object_id)
    owner = getattr(row, "practice_id", None) if row is not None else None
    ensure_practice(session, actor, owner, resource_type=resource_type, resource_id=object_id)
    if in_practice is not None and owner != in_practice:
        raise NotFound(f"{resource_type.replace('_', ' ').capitalize()} not found.")
    assert row is not None
    return row
