"""Holds: a short reservation while the caller decides; an expired hold frees its slot by itself."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.audit import service as audit
from app.auth.actor import Actor
from app.auth.deps import get_owned
from app.core.clock import utcnow
from app.core.config import get_settings
from app.practices.models import Practice
from app.scheduling import repository
from app.scheduling.models import Hold, SlotClaim
from app.scheduling.schemas import HoldIn, HoldOut
from app.scheduling.service import check_slot, claim, practice_objects, unavailable


def create_hold(session: Session, actor: Actor, body: HoldIn) -> HoldOut:
    practice, motif, practitioner = practice_objects(
        session, actor, body.practice_id, body.motif_id, body.practitioner_id
    )
    assert practitioner is not None
    now = utcnow()
    repository.purge_expired_holds(session, practitioner.id, now)
    slot = check_slot(session, practice, motif, practitioner, body.start, body.disposition, now)
    ttl = body.ttl_seconds or get_settings().hold_ttl_seconds
    hold = Hold(
        practice_id=practice.id,
        practitioner_id=practitioner.id,
        motif_id=motif.id,
        start_at=slot.start,
        end_at=slot.end,
        disposition=body.disposition,
        actor_kind=actor.kind,
        actor_id=actor.id,
        expires_at=now + timedelta(seconds=ttl),
    )
    try:
        with session.begin_nested():
            session.add(hold)
            claim(session, hold.id, "hold", practice, motif, slot, hold.expires_at)
            session.flush()
    except IntegrityError:  # another process claimed overlapping time meanwhile (PostgreSQL constraint)
        raise unavailable(session, practice, motif, body.start, body.disposition, now) from None
    audit.record(
        session,
        actor=actor,
        action="hold.create",
        practice_id=practice.id,
        resource_type="hold",
        resource_id=hold.id,
    )
    return hold_out(hold, practice)


def hold_out(hold: Hold, practice: Practice) -> HoldOut:
    tz = ZoneInfo(practice.timezone)
    return HoldOut(
        id=hold.id,
        practice_id=hold.practice_id,
        practitioner_id=hold.practitioner_id,
        motif_id=hold.motif_id,
        start=hold.start_at.astimezone(tz),
        end=hold.end_at.astimezone(tz),
        expires_at=hold.expires_at.astimezone(tz),
    )


def get_hold(session: Session, actor: Actor, hold_id: uuid.UUID) -> Hold:
    hold = get_owned(session, actor, Hold, hold_id, resource_type="hold")
    return hold


def release_hold(session: Session, actor: Actor, hold_id: uuid.UUID) -> None:
    hold = get_hold(session, actor, hold_id)
    drop_hold(session, hold)
    audit.record(
        session,
        actor=actor,
        action="hold.release",
        practice_id=hold.practice_id,
        resource_type="hold",
        resource_id=hold.id,
    )


def drop_hold(session: Session, hold: Hold) -> None:
    claim_row = session.get(SlotClaim, hold.id)
    if claim_row is not None:
        session.delete(claim_row)
    session.delete(hold)
    session.flush()


def own_hold(
    session: Session, actor: Actor, practitioner_id: uuid.UUID, start: datetime, now: datetime
) -> Hold | None:
    """A live hold of this actor on exactly this practitioner and start, if any."""
    stmt = select(Hold).where(
        Hold.practitioner_id == practitioner_id,
        Hold.start_at == start,
        Hold.actor_id == actor.id,
        col(Hold.expires_at) > now,
    )
    return session.scalars(stmt).first()
