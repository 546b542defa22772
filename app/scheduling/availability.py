"""Availability engine: the first N slots that fit a motif, computed in local wall time (pure).

Opening hours, exceptions and reserved blocks are wall-clock rules in the practice's zone; they are
turned into POSIX seconds one local day at a time (so DST days are right by construction), and every
candidate is checked against busy time, appointments and live holds by bisection. Each practitioner
yields candidates lazily in time order; the practice-wide answer is a k-way merge stopped at N.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import islice
from uuid import UUID
from zoneinfo import ZoneInfo

from app.scheduling.rules import (
    NOON_MINUTE,
    SOON_WINDOW,
    EmergencyNotBookable,
    MotifNotOffered,
    MotifRules,
    Occupation,
    PractitionerAgenda,
    Slot,
    SlotRequest,
)
from app.scheduling.timeline import LocalDay, Timeline, from_ts, to_ts

Span = tuple[int, int]
Candidate = tuple[int, UUID, int, bool]  # start ts, practitioner, end ts, uses a reserved block


@dataclass(frozen=True, slots=True)
class _Search:
    tz: ZoneInfo
    motif: MotifRules
    request: SlotRequest
    now: int
    lo: int  # slot starts lie in [lo, hi)
    hi: int
    days: tuple[date, ...]


def search_window(tz: ZoneInfo, motif: MotifRules, request: SlotRequest) -> tuple[int, int]:
    """[lo, hi) in POSIX seconds where slot starts may lie: notice, horizon, disposition, request window."""
    if request.disposition == "emergency":
        raise EmergencyNotBookable("emergency: call 15 or 112, never book")
    now = to_ts(request.now)
    lo = now + int(motif.min_notice.total_seconds())
    hi = now + int(motif.horizon.total_seconds())
    if request.disposition == "urgent":  # today, within hours: up to the next local midnight
        today = from_ts(now, tz).date()
        hi = min(hi, LocalDay(today, tz).ts_at_or_after(1440))
    elif request.disposition == "soon":
        hi = min(hi, now + int(SOON_WINDOW.total_seconds()))
    if request.window_start is not None:
        lo = max(lo, to_ts(request.window_start))
    if request.window_end is not None:
        hi = min(hi, to_ts(request.window_end))
    return lo, hi


def find_slots(
    time_zone: str, agendas: Sequence[PractitionerAgenda], motif: MotifRules, request: SlotRequest
) -> list[Slot]:
    """First `request.limit` fitting slots, ordered by start then practitioner."""
    tz = ZoneInfo(time_zone)
    if motif.patient_kind != "any" and request.patient_kind not in (None, "any", motif.patient_kind):
        raise MotifNotOffered("motif not offered to this kind of patient")
    chosen = [a for a in agendas if not motif.practitioner_ids or a.practitioner_id in motif.practitioner_ids]
    if request.practitioner_id is not None:
        chosen = [a for a in chosen if a.practitioner_id == request.practitioner_id]
        if not chosen:
            raise MotifNotOffered("motif not offered by this practitioner")
    lo, hi = search_window(tz, motif, request)
    if request.limit <= 0 or hi <= lo:
        return []
    first, last = from_ts(lo, tz).date(), from_ts(hi - 1, tz).date()
    days = tuple(first + timedelta(days=i) for i in range((last - first).days + 1))
    search = _Search(tz, motif, request, to_ts(request.now), lo, hi, days)
    streams = [_candidates(search, agenda) for agenda in chosen]
    return [
        Slot(from_ts(start, tz), from_ts(end, tz), pid, reserved)
        for start, pid, end, reserved in islice(heapq.merge(*streams), request.limit)
    ]


def slot_at(
    time_zone: str, agenda: PractitionerAgenda, motif: MotifRules, start: datetime, request: SlotRequest
) -> Slot | None:
    """The slot starting exactly at `start` for this practitioner if it is bookable now, else None."""
    probe = SlotRequest(
        now=request.now,
        disposition=request.disposition,
        window_start=start,
        window_end=start + timedelta(seconds=1),
        practitioner_id=agenda.practitioner_id,
        patient_kind=request.patient_kind,
        limit=1,
    )
    found = find_slots(time_zone, [agenda], motif, probe)
    return found[0] if found and to_ts(found[0].start) == to_ts(start) else None


def merge_spans(spans: list[Span]) -> list[Span]:
    merged: list[Span] = []
    for start, end in sorted(spans):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def subtract_spans(spans: list[Span], cuts: list[Span]) -> list[Span]:
    for cut_start, cut_end in cuts:
        kept: list[Span] = []
        for start, end in spans:
            if cut_end <= start or cut_start >= end:
                kept.append((start, end))
                continue
            if start < cut_start:
                kept.append((start, cut_start))
            if cut_end < end:
                kept.append((cut_end, end))
        spans = kept
    return spans


def opening_spans(agenda: PractitionerAgenda, day: date) -> list[Span]:
    """Open wall-clock minutes of one day: (weekly rules ∪ one-off openings) − closures."""
    weekday = day.weekday()
    spans = [rule.minutes() for rule in agenda.rules if rule.weekday == weekday]
    dated = [exc for exc in agenda.exceptions if exc.day == day]
    spans += [exc.minutes() for exc in dated if exc.kind == "open"]
    return subtract_spans(merge_spans(spans), [exc.minutes() for exc in dated if exc.kind == "closed"])


def _live(occupations: Sequence[Occupation], now: int) -> list[Occupation]:
    return [o for o in occupations if o.expires_at is None or to_ts(o.expires_at) > now]


def _candidates(search: _Search, agenda: PractitionerAgenda) -> Iterator[Candidate]:
    """This practitioner's fitting slots in time order, lazily, one local day at a time."""
    motif, request, tz = search.motif, search.request, search.tz
    duration = int(motif.duration.total_seconds())
    before, after = int(motif.buffer_before.total_seconds()), int(motif.buffer_after.total_seconds())
    step = motif.grid_minutes
    occupied = [*agenda.appointments, *_live(agenda.holds, search.now)]
    taken = Timeline.from_seconds(
        (
            to_ts(o.start) - int(o.buffer_before.total_seconds()),
            to_ts(o.end) + int(o.buffer_after.total_seconds()),
        )
        for o in occupied
    )
    busy = agenda.busy.window(search.lo - before, search.hi + duration + after)
    per_day: Counter[date] = Counter()
    if motif.daily_cap is not None:
        per_day.update(from_ts(to_ts(o.start), tz).date() for o in occupied if o.motif_id == motif.motif_id)
    unlocked = request.disposition in motif.reserved_dispositions
    for day in search.days:
        if request.weekdays is not None and day.weekday() not in request.weekdays:
            continue
        if motif.daily_cap is not None and per_day[day] >= motif.daily_cap:
            continue
        spans = opening_spans(agenda, day)
        if not spans:
            continue
        local = LocalDay(day, tz)
        blocks = [
            (bs, be, not unlocked and search.now < bs - int(b.release_before.total_seconds()))
            for b in agenda.reserved
            if b.weekday == day.weekday()
            for bs, be in [(local.ts_at_or_after(b.minutes()[0]), local.ts_at_or_after(b.minutes()[1]))]
        ]
        for span_start, span_end in spans:
            end_limit = local.ts_at_or_after(span_end)
            minute = span_start
            while minute < span_end:
                ts = local.ts(minute)
                if ts is None:
                    minute += step
                    continue
                if ts + duration > end_limit:
                    break
                if ts >= search.hi:
                    return
                wait = _wait(search, request, minute, ts, before, duration, after, busy, taken)
                if wait is not None:
                    minute += _steps(local, step, wait)
                    continue
                hits = [locked for bs, be, locked in blocks if bs < ts + duration and be > ts]
                if not any(hits):
                    yield ts, agenda.practitioner_id, ts + duration, bool(hits)
                minute += step


def _wait(
    search: _Search,
    request: SlotRequest,
    minute: int,
    ts: int,
    before: int,
    duration: int,
    after: int,
    busy: Timeline,
    taken: Timeline,
) -> int | None:
    """Seconds to skip before the next candidate could fit, or None when this candidate is free."""
    if ts < search.lo:
        return search.lo - ts
    if request.part_of_day == "morning" and minute >= NOON_MINUTE:
        return 86400  # nothing more today
    if request.part_of_day == "afternoon" and minute < NOON_MINUTE:
        return (NOON_MINUTE - minute) * 60
    start, end = ts - before, ts + duration + after
    blocked = busy.blocking_end(start, end)
    if blocked is None:
        blocked = taken.blocking_end(start, end)
    return None if blocked is None else blocked + before - ts


def _steps(local: LocalDay, step: int, wait: int) -> int:
    """Minutes to advance on the wall-clock grid; jumps only where wall time is linear in real time."""
    if not local.constant:
        return step
    return max(1, -(-wait // (step * 60))) * step
