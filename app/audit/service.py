"""Recording and verifying audit events.

Every read or change of a practice's records, every login and every refused access leaves an event.
Events name resources by pseudonymous id only, never by a name or any health data.
"""

from __future__ import annotations

import uuid
from typing import Any, Protocol

from sqlmodel import Session, col, select

from app.audit import chain as hashchain
from app.audit.models import SYSTEM_CHAIN, AuditChainHead, AuditEvent
from app.core.clock import utcnow
from app.core.context import request_id_var
from app.core.db import defer_after_rollback


class ActorRef(Protocol):
    @property
    def kind(self) -> str: ...

    @property
    def id(self) -> uuid.UUID | None: ...


def chain_of(practice_id: uuid.UUID | None) -> str:
    return str(practice_id) if practice_id else SYSTEM_CHAIN


def record(
    session: Session,
    *,
    actor: ActorRef | None,
    action: str,
    practice_id: uuid.UUID | None,
    resource_type: str | None = None,
    resource_id: uuid.UUID | str | None = None,
    outcome: str = "success",
) -> AuditEvent:
    """Append an event to the practice's chain inside the caller's transaction."""
    chain = chain_of(practice_id)
    stmt = select(AuditChainHead).where(AuditChainHead.chain == chain)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    head = session.scalars(stmt).one_or_none()
    if head is None:
        head = AuditChainHead(chain=chain)
        session.add(head)
    fields: dict[str, Any] = {
        "chain": chain,
        "seq": head.seq + 1,
        "at": utcnow(),
        "actor_type": actor.kind if actor else "anonymous",
        "actor_id": str(actor.id) if actor and actor.id else None,
        "action": action,
        "resource_type": resource_type,
        "resource_id": str(resource_id) if resource_id else None,
        "outcome": outcome,
        "request_id": request_id_var.get(),
    }
    digest = hashchain.event_hash(fields, head.last_hash)
    event = AuditEvent(**fields, prev_hash=head.last_hash, hash=digest)
    head.seq, head.last_hash = fields["seq"], digest
    session.add(event)
    session.flush()
    return event


def record_outside(session: Session, **kwargs: Any) -> None:
    """Record an event that must survive even if the current transaction rolls back (refusals, failures)."""
    defer_after_rollback(session, lambda s: record(s, **kwargs))


def verify_all(session: Session) -> list[hashchain.ChainProblem]:
    problems: list[hashchain.ChainProblem] = []
    heads = {h.chain: h for h in session.scalars(select(AuditChainHead))}
    chains = set(heads) | set(session.scalars(select(AuditEvent.chain).distinct()))
    for chain in sorted(chains):
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.chain == chain).order_by(col(AuditEvent.seq))
        )
        events = [r.model_dump() for r in rows]
        head = heads.get(chain)
        problems += hashchain.verify(
            chain, events, head.seq if head else 0, head.last_hash if head else hashchain.GENESIS
        )
    return problems


def list_events(
    session: Session, practice_id: uuid.UUID, limit: int, before_seq: int | None
) -> list[AuditEvent]:
    stmt = select(AuditEvent).where(AuditEvent.chain == chain_of(practice_id))
    if before_seq is not None:
        stmt = stmt.where(AuditEvent.seq < before_seq)
    return list(session.scalars(stmt.order_by(col(AuditEvent.seq).desc()).limit(limit)))
