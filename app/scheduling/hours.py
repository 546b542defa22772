"""Opening hours administration: weekly rules, reserved blocks and dated exceptions of practitioners."""

from __future__ import annotations

import uuid

from sqlmodel import Session, col, delete, select

from app.audit import service as audit
from app.auth.actor import Actor
from app.auth.deps import get_owned
from app.core.errors import Invalid, NotFound
from app.practices import service as practices
from app.practices.models import Practice
from app.scheduling.models import OpeningException, OpeningRule, ReservedBlock
from app.scheduling.schemas import (
    OpeningExceptionIn,
    OpeningExceptionOut,
    OpeningHoursIn,
    OpeningHoursOut,
    ReservedBlockIn,
    WeeklyHoursIn,
)


def minute(value: str) -> int:
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


def hhmm(value: int) -> str:
    return f"{value // 60:02d}:{value % 60:02d}"


def read(session: Session, actor: Actor, practitioner_id: uuid.UUID) -> OpeningHoursOut:
    practitioner = practices.get_practitioner(session, actor, practitioner_id)
    practice = session.get(Practice, practitioner.practice_id)
    assert practice is not None
    rules = session.scalars(select(OpeningRule).where(OpeningRule.practitioner_id == practitioner.id))
    blocks = session.scalars(select(ReservedBlock).where(ReservedBlock.practitioner_id == practitioner.id))
    audit.record(
        session,
        actor=actor,
        action="opening_hours.read",
        practice_id=practice.id,
        resource_type="practitioner",
        resource_id=practitioner.id,
    )
    return OpeningHoursOut(
        practitioner_id=practitioner.id,
        time_zone=practice.timezone,
        rules=[
            WeeklyHoursIn(weekday=r.weekday, start=hhmm(r.start_minute), end=hhmm(r.end_minute))
            for r in sorted(rules, key=lambda r: (r.weekday, r.start_minute))
        ],
        reserved_blocks=[
            ReservedBlockIn(
                weekday=b.weekday,
                start=hhmm(b.start_minute),
                end=hhmm(b.end_minute),
                release_minutes=b.release_minutes,
            )
            for b in sorted(blocks, key=lambda b: (b.weekday, b.start_minute))
        ],
    )


def replace(
    session: Session, actor: Actor, practitioner_id: uuid.UUID, body: OpeningHoursIn
) -> OpeningHoursOut:
    """Replace a practitioner's weekly rules and reserved blocks as a whole."""
    practitioner = practices.get_practitioner(session, actor, practitioner_id)
    session.execute(delete(OpeningRule).where(col(OpeningRule.practitioner_id) == practitioner.id))
    session.execute(delete(ReservedBlock).where(col(ReservedBlock.practitioner_id) == practitioner.id))
    for rule in body.rules:
        session.add(
            OpeningRule(
                practice_id=practitioner.practice_id,
                practitioner_id=practitioner.id,
                weekday=rule.weekday,
                start_minute=minute(rule.start),
                end_minute=minute(rule.end),
            )
        )
    for block in body.reserved_blocks:
        session.add(
            ReservedBlock(
                practice_id=practitioner.practice_id,
                practitioner_id=practitioner.id,
                weekday=block.weekday,
                start_minute=minute(block.start),
                end_minute=minute(block.end),
                release_minutes=block.release_minutes,
            )
        )
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="opening_hours.update",
        practice_id=practitioner.practice_id,
        resource_type="practitioner",
        resource_id=practitioner.id,
    )
    return read(session, actor, practitioner.id)


def exception_out(row: OpeningException) -> OpeningExceptionOut:
    return OpeningExceptionOut(
        id=row.id,
        practitioner_id=row.practitioner_id,
        day=row.day,
        kind=row.kind,
        start=hhmm(row.start_minute) if row.start_minute is not None else None,
        end=hhmm(row.end_minute) if row.end_minute is not None else None,
        label=row.label,
    )


def add_exception(
    session: Session, actor: Actor, practice_id: uuid.UUID, body: OpeningExceptionIn
) -> OpeningExceptionOut:
    practice = practices.get_practice(session, actor, practice_id)
    if body.practitioner_id is not None:
        practitioner = practices.get_practitioner(session, actor, body.practitioner_id)
        if practitioner.practice_id != practice.id:
            raise NotFound("Practitioner not found.")
    if (body.start is None) != (body.end is None):
        raise Invalid("Give both start and end, or neither (whole day).")
    if body.kind == "open" and body.start is None:
        raise Invalid("A one-off opening needs start and end.")
    if body.start is not None and body.end is not None and body.end != "24:00" and body.end <= body.start:
        raise Invalid("end must be after start")
    row = OpeningException(
        practice_id=practice.id,
        practitioner_id=body.practitioner_id,
        day=body.day,
        kind=body.kind,
        start_minute=minute(body.start) if body.start else None,
        end_minute=minute(body.end) if body.end else None,
        label=body.label,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="opening_exception.create",
        practice_id=practice.id,
        resource_type="opening_exception",
        resource_id=row.id,
    )
    return exception_out(row)


def list_exceptions(session: Session, actor: Actor, practice_id: uuid.UUID) -> list[OpeningExceptionOut]:
    practice = practices.get_practice(session, actor, practice_id)
    rows = session.scalars(
        select(OpeningException)
        .where(OpeningException.practice_id == practice.id)
        .order_by(col(OpeningException.day))
    )
    audit.record(
        session,
        actor=actor,
        action="opening_exception.list",
        practice_id=practice.id,
        resource_type="practice",
        resource_id=practice.id,
    )
    return [exception_out(r) for r in rows]


def delete_exception(session: Session, actor: Actor, exception_id: uuid.UUID) -> None:
    row = get_owned(session, actor, OpeningException, exception_id, resource_type="opening_exception")
    session.delete(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="opening_exception.delete",
        practice_id=row.practice_id,
        resource_type="opening_exception",
        resource_id=row.id,
    )
