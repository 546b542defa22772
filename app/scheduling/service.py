"""Use cases of slot search: load the practice's stored agendas, ask the pure engine, claim the time."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from app.audit import service as audit
from app.auth.actor import Actor
from app.calendars import service as calendars
from app.core.errors import NotFound
from app.practices import service as practices
from app.practices.models import Motif, Practice, Practitioner
from app.scheduling import availability, repository
from app.scheduling import rules as r
from app.scheduling.exceptions import EmergencyNotBookable, MotifNotOffered, SlotUnavailable
from app.scheduling.models import SlotClaim
from app.scheduling.schemas import AgendaFreshness, SlotOut, SlotsOut
from app.scheduling.timeline import from_ts, to_ts

ALTERNATIVES = 3
FIRST_CHUNK = 3 * 86400  # seconds of agenda read first by a slot search


def practice_objects(
    session: Session,
    actor: Actor,
    practice_id: uuid.UUID,
    motif_id: uuid.UUID,
    practitioner_id: uuid.UUID | None,
) -> tuple[Practice, Motif, Practitioner | None]:
    """The practice, and a motif and practitioner that belong to it (a foreign id answers 404)."""
    practice = practices.get_practice(session, actor, practice_id)
    motif = practices.get_motif(session, actor, motif_id)
    if motif.practice_id != practice.id or not motif.active:
        raise NotFound("Motif not found.")
    practitioner = None
    if practitioner_id is not None:
        practitioner = practices.get_practitioner(session, actor, practitioner_id)
        if practitioner.practice_id != practice.id or not practitioner.active:
            raise NotFound("Practitioner not found.")
    return practice, motif, practitioner


def compute_slots(
    session: Session,
    practice: Practice,
    motif: Motif,
    request: r.SlotRequest,
    skip_claim: uuid.UUID | None = None,
) -> list[r.Slot]:
    """Run the pure engine over the stored agendas of the practice (no iCalendar on this path)."""
    tz = ZoneInfo(practice.timezone)
    rules = repository.motif_rules(session, motif)
    try:
        lo, hi = availability.search_window(tz, rules, request)
    except r.EmergencyNotBookable as exc:
        raise EmergencyNotBookable("An emergency is never booked: the caller must call 15 or 112.") from exc
    ids = (
        [request.practitioner_id]
        if request.practitioner_id
        else repository.active_practitioners(session, practice.id)
    )
    if hi <= lo:
        return []
    # Read the stored agendas in growing chunks: the first N slots usually lie in the first days, so a
    # "first 10" search reads a few days of rows, not the whole horizon. Slots found in [lo, edge) are
    # the first ones overall, since every later slot starts at or after `edge`.
    end_pad = rules.duration + rules.buffer_after
    span = FIRST_CHUNK
    while True:
        edge = min(hi, lo + span)
        agendas = repository.load_agendas(
            session,
            practice.id,
            ids,
            from_ts(lo, tz) - rules.buffer_before,
            from_ts(edge, tz) + end_pad,
            skip_claim=skip_claim,
        )
        chunk = replace(request, window_end=from_ts(edge, tz)) if edge < hi else request
        try:
            found = availability.find_slots(practice.timezone, agendas, rules, chunk)
        except r.MotifNotOffered as exc:
            raise MotifNotOffered(str(exc)) from exc
        if len(found) >= request.limit or edge >= hi:
            return found
        span *= 4


def slot_out(slot: r.Slot) -> SlotOut:
    return SlotOut(
        start=slot.start, end=slot.end, practitioner_id=slot.practitioner_id, reserved=slot.reserved
    )


def search(
    session: Session, actor: Actor, practice_id: uuid.UUID, motif_id: uuid.UUID, request: r.SlotRequest
) -> SlotsOut:
    practice, motif, _ = practice_objects(session, actor, practice_id, motif_id, request.practitioner_id)
    slots = compute_slots(session, practice, motif, request)
    audit.record(
        session,
        actor=actor,
        action="slots.search",
        practice_id=practice.id,
        resource_type="motif",
        resource_id=motif.id,
    )
    ids = (
        [request.practitioner_id]
        if request.practitioner_id
        else repository.active_practitioners(session, practice.id)
    )
    freshness = [
        AgendaFreshness(
            practitioner_id=pid,
            kind=state.kind,
            status=state.status,
            last_synced_at=state.last_synced_at,
            age_seconds=state.age_seconds,
        )
        for pid, state in calendars.sync_status(session, ids).items()
        if state.kind != "internal"
    ]
    return SlotsOut(
        practice_id=practice.id,
        motif_id=motif.id,
        disposition=request.disposition,
        time_zone=practice.timezone,
        slots=[slot_out(s) for s in slots],
        agendas=freshness,
    )


def alternatives(
    session: Session,
    practice: Practice,
    motif: Motif,
    start: datetime,
    disposition: r.Disposition,
    now: datetime,
) -> list[dict[str, str]]:
    """The next free slots from `start` (any practitioner), for a 409 answer."""
    request = r.SlotRequest(now=now, disposition=disposition, window_start=start, limit=ALTERNATIVES)
    try:
        found = compute_slots(session, practice, motif, request)
    except (EmergencyNotBookable, MotifNotOffered):
        return []
    return [slot_out(s).model_dump(mode="json") for s in found]


def unavailable(
    session: Session,
    practice: Practice,
    motif: Motif,
    start: datetime,
    disposition: r.Disposition,
    now: datetime,
) -> SlotUnavailable:
    return SlotUnavailable(
        "This slot is no longer available.",
        alternatives=alternatives(session, practice, motif, start, disposition, now),
    )


def check_slot(
    session: Session,
    practice: Practice,
    motif: Motif,
    practitioner: Practitioner,
    start: datetime,
    disposition: r.Disposition,
    now: datetime,
    skip_claim: uuid.UUID | None = None,
) -> r.Slot:
    """The exact slot if it is bookable now by this disposition, else SlotUnavailable with alternatives."""
    request = r.SlotRequest(
        now=now,
        disposition=disposition,
        window_start=start,
        window_end=start + timedelta(seconds=1),
        practitioner_id=practitioner.id,
        limit=1,
    )
    found = compute_slots(session, practice, motif, request, skip_claim=skip_claim)
    if not found or to_ts(found[0].start) != to_ts(start):
        raise unavailable(session, practice, motif, start, disposition, now)
    return found[0]


def claim_bounds(motif: Motif, slot: r.Slot) -> tuple[datetime, datetime, datetime, datetime]:
    """(starts_at, ends_at, slot_start, slot_end) of the claim for a slot: buffers included."""
    before, after = (
        timedelta(minutes=motif.buffer_before_minutes),
        timedelta(minutes=motif.buffer_after_minutes),
    )
    return slot.start - before, slot.end + after, slot.start, slot.end


def claim(
    session: Session,
    claim_id: uuid.UUID,
    kind: str,
    practice: Practice,
    motif: Motif,
    slot: r.Slot,
    expires_at: datetime | None,
) -> SlotClaim:
    starts_at, ends_at, slot_start, slot_end = claim_bounds(motif, slot)
    row = SlotClaim(
        id=claim_id,
        practice_id=practice.id,
        practitioner_id=slot.practitioner_id,
        motif_id=motif.id,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        slot_start=slot_start,
        slot_end=slot_end,
        expires_at=expires_at,
    )
    session.add(row)
    return row
