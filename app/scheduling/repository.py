"""Queries that turn stored rows into the availability engine's plain inputs."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime, time, timedelta

from sqlmodel import Session, col, delete, or_, select

from app.calendars import service as calendars
from app.practices.models import Motif, MotifPractitioner, Practitioner
from app.scheduling import rules as r
from app.scheduling.models import OpeningException, OpeningRule, ReservedBlock, SlotClaim
from app.scheduling.timeline import Timeline

# Busy time synchronised from remote agendas (app/calendars) — looked up through a hook so that
# calendars never imports scheduling and scheduling works before any agenda source exists.
BusyLoader = Callable[
    [Session, Sequence[uuid.UUID], datetime, datetime], dict[uuid.UUID, list[tuple[datetime, datetime]]]
]
_MARGIN = timedelta(days=2)  # daily caps count whole local days (up to 25 h) around the window


def _clock(minute: int | None) -> time | None:
    if minute is None:
        return None
    return time(0) if minute >= 1440 else time(minute // 60, minute % 60)


def motif_rules(session: Session, motif: Motif) -> r.MotifRules:
    offered = session.scalars(
        select(MotifPractitioner.practitioner_id).where(MotifPractitioner.motif_id == motif.id)
    )
    return r.MotifRules(
        motif_id=motif.id,
        duration=timedelta(minutes=motif.duration_minutes),
        buffer_before=timedelta(minutes=motif.buffer_before_minutes),
        buffer_after=timedelta(minutes=motif.buffer_after_minutes),
        min_notice=timedelta(minutes=motif.min_notice_minutes),
        horizon=timedelta(days=motif.horizon_days),
        daily_cap=motif.daily_cap,
        practitioner_ids=frozenset(offered),
        reserved_dispositions=frozenset(motif.reserved_levels),
        patient_kind=motif.patient_kind if motif.patient_kind in ("new", "known") else "any",  # type: ignore[arg-type]
    )


def active_practitioners(session: Session, practice_id: uuid.UUID) -> list[uuid.UUID]:
    stmt = select(Practitioner.id).where(
        Practitioner.practice_id == practice_id, col(Practitioner.active).is_(True)
    )
    return list(session.scalars(stmt))


def purge_expired_holds(session: Session, practitioner_id: uuid.UUID, now: datetime) -> None:
    """Expired holds free their slot by themselves; their rows are removed lazily, here."""
    from app.scheduling.models import Hold

    session.execute(
        delete(SlotClaim).where(
            col(SlotClaim.practitioner_id) == practitioner_id,
            col(SlotClaim.kind) == "hold",
            col(SlotClaim.expires_at) <= now,
        )
    )
    session.execute(
        delete(Hold).where(col(Hold.practitioner_id) == practitioner_id, col(Hold.expires_at) <= now)
    )


def load_agendas(
    session: Session,
    practice_id: uuid.UUID,
    practitioner_ids: Sequence[uuid.UUID],
    lo: datetime,
    hi: datetime,
    busy_loader: BusyLoader | None = None,
    skip_claim: uuid.UUID | None = None,
) -> list[r.PractitionerAgenda]:
    """Hours, exceptions, reserved blocks, claims and busy time of some practitioners around [lo, hi)."""
    ids = list(practitioner_ids)
    if not ids:
        return []
    lo, hi = lo - _MARGIN, hi + _MARGIN
    rules: dict[uuid.UUID, list[r.OpeningRule]] = defaultdict(list)
    for row in session.scalars(select(OpeningRule).where(col(OpeningRule.practitioner_id).in_(ids))):
        rules[row.practitioner_id].append(
            r.OpeningRule(row.weekday, _clock(row.start_minute) or time(0), _clock(row.end_minute) or time(0))
        )
    blocks: dict[uuid.UUID, list[r.ReservedBlock]] = defaultdict(list)
    for blk in session.scalars(select(ReservedBlock).where(col(ReservedBlock.practitioner_id).in_(ids))):
        blocks[blk.practitioner_id].append(
            r.ReservedBlock(
                blk.weekday,
                _clock(blk.start_minute) or time(0),
                _clock(blk.end_minute) or time(0),
                timedelta(minutes=blk.release_minutes),
            )
        )
    exceptions: dict[uuid.UUID | None, list[r.OpeningException]] = defaultdict(list)
    exc_stmt = select(OpeningException).where(
        OpeningException.practice_id == practice_id,
        or_(col(OpeningException.practitioner_id).in_(ids), col(OpeningException.practitioner_id).is_(None)),
        col(OpeningException.day) >= lo.date() - _MARGIN,
        col(OpeningException.day) <= hi.date() + _MARGIN,
    )
    for exc in session.scalars(exc_stmt):
        exceptions[exc.practitioner_id].append(
            r.OpeningException(
                exc.day,
                "open" if exc.kind == "open" else "closed",
                _clock(exc.start_minute),
                _clock(exc.end_minute),
            )
        )
    claims: dict[uuid.UUID, list[SlotClaim]] = defaultdict(list)
    claim_stmt = select(SlotClaim).where(
        col(SlotClaim.practitioner_id).in_(ids), col(SlotClaim.ends_at) > lo, col(SlotClaim.starts_at) < hi
    )
    for claim in session.scalars(claim_stmt):
        if claim.id != skip_claim:
            claims[claim.practitioner_id].append(claim)
    busy = (busy_loader or default_busy_loader)(session, ids, lo, hi)
    return [
        r.PractitionerAgenda(
            practitioner_id=pid,
            rules=rules[pid],
            exceptions=exceptions[pid] + exceptions[None],
            reserved=blocks[pid],
            busy=Timeline.from_datetimes(busy.get(pid, [])),
            appointments=[_occupation(c) for c in claims[pid] if c.kind == "appointment"],
            holds=[_occupation(c) for c in claims[pid] if c.kind == "hold"],
        )
        for pid in ids
    ]


def _occupation(claim: SlotClaim) -> r.Occupation:
    return r.Occupation(
        start=claim.slot_start,
        end=claim.slot_end,
        buffer_before=claim.slot_start - claim.starts_at,
        buffer_after=claim.ends_at - claim.slot_end,
        motif_id=claim.motif_id,
        expires_at=claim.expires_at,
    )


def default_busy_loader(
    session: Session, ids: Sequence[uuid.UUID], lo: datetime, hi: datetime
) -> dict[uuid.UUID, list[tuple[datetime, datetime]]]:
    """Busy intervals stored by the last good sync of each remote agenda (app/calendars)."""
    return calendars.busy_intervals(session, ids, lo, hi)
