"""A deliberately naive re-implementation of slot search, used as the reference in property tests.

Minute sets instead of interval arithmetic, zoneinfo for every conversion, a linear scan of all busy
time: slow and obvious, so that the fast engine can be checked against it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from app.scheduling.rules import MotifRules, PractitionerAgenda, Slot, SlotRequest


def wall_to_utc(day: date, minute: int, tz: ZoneInfo) -> datetime | None:
    """UTC instant of a wall time (fold=0), or None inside a DST gap."""
    day = day + timedelta(days=minute // 1440)
    minute %= 1440
    wall = datetime.combine(day, time(minute // 60, minute % 60))
    instant = wall.replace(tzinfo=tz).astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) != wall:
        return None
    return instant


def wall_to_utc_forward(day: date, minute: int, tz: ZoneInfo) -> datetime:
    found = wall_to_utc(day, minute, tz)
    while found is None:
        minute += 1
        found = wall_to_utc(day, minute, tz)
    return found


def open_runs(agenda: PractitionerAgenda, day: date) -> list[tuple[int, int]]:
    """Maximal runs of open minutes of the day."""
    minutes: set[int] = set()
    for rule in agenda.rules:
        if rule.weekday == day.weekday():
            s, e = rule.minutes()
            minutes |= set(range(s, e))
    for exc in agenda.exceptions:
        if exc.day == day and exc.kind == "open":
            s, e = exc.minutes()
            minutes |= set(range(s, e))
    for exc in agenda.exceptions:
        if exc.day == day and exc.kind == "closed":
            s, e = exc.minutes()
            minutes -= set(range(s, e))
    runs: list[tuple[int, int]] = []
    for m in sorted(minutes):
        if runs and runs[-1][1] == m:
            runs[-1] = (runs[-1][0], m + 1)
        else:
            runs.append((m, m + 1))
    return runs


def reference_window(tz: ZoneInfo, motif: MotifRules, req: SlotRequest) -> tuple[datetime, datetime]:
    now = req.now.astimezone(UTC)
    lo, hi = now + motif.min_notice, now + motif.horizon
    if req.disposition == "urgent":
        tomorrow = now.astimezone(tz).date() + timedelta(days=1)
        hi = min(hi, wall_to_utc_forward(tomorrow, 0, tz))
    if req.disposition == "soon":
        hi = min(hi, now + timedelta(hours=72))
    if req.window_start:
        lo = max(lo, req.window_start)
    if req.window_end:
        hi = min(hi, req.window_end)
    return lo, hi


def overlaps(a0: datetime, a1: datetime, b0: datetime, b1: datetime) -> bool:
    return a0 < b1 and b0 < a1


def reference_slots(
    tz_name: str, agendas: list[PractitionerAgenda], motif: MotifRules, req: SlotRequest
) -> list[Slot]:
    tz = ZoneInfo(tz_name)
    lo, hi = reference_window(tz, motif, req)
    found: list[tuple[datetime, UUID, datetime, bool]] = []
    for agenda in agendas:
        if motif.practitioner_ids and agenda.practitioner_id not in motif.practitioner_ids:
            continue
        if req.practitioner_id and agenda.practitioner_id != req.practitioner_id:
            continue
        live_holds = [h for h in agenda.holds if h.expires_at is None or h.expires_at > req.now]
        occupied = list(agenda.appointments) + live_holds
        busy = [
            (datetime.fromtimestamp(s, UTC), datetime.fromtimestamp(e, UTC))
            for s, e in zip(agenda.busy.starts, agenda.busy.ends, strict=True)
        ]
        busy += [(o.start - o.buffer_before, o.end + o.buffer_after) for o in occupied]
        day = lo.astimezone(tz).date() - timedelta(days=1)
        while day <= hi.astimezone(tz).date() + timedelta(days=1):
            count = sum(
                1 for o in occupied if o.motif_id == motif.motif_id and o.start.astimezone(tz).date() == day
            )
            capped = motif.daily_cap is not None and count >= motif.daily_cap
            skip_day = capped or (req.weekdays is not None and day.weekday() not in req.weekdays)
            for run_start, run_end in [] if skip_day else open_runs(agenda, day):
                run_end_utc = wall_to_utc_forward(day, run_end, tz)
                for minute in range(run_start, run_end, motif.grid_minutes):
                    start = wall_to_utc(day, minute, tz)
                    if start is None:
                        continue
                    end = start + motif.duration
                    if end > run_end_utc or not (lo <= start < hi):
                        continue
                    if req.part_of_day == "morning" and minute >= 720:
                        continue
                    if req.part_of_day == "afternoon" and minute < 720:
                        continue
                    padded = (start - motif.buffer_before, end + motif.buffer_after)
                    if any(overlaps(*padded, b0, b1) for b0, b1 in busy):
                        continue
                    reserved = locked = False
                    for block in agenda.reserved:
                        if block.weekday != day.weekday():
                            continue
                        b0 = wall_to_utc_forward(day, block.minutes()[0], tz)
                        b1 = wall_to_utc_forward(day, block.minutes()[1], tz)
                        if overlaps(start, end, b0, b1):
                            reserved = True
                            released = req.now >= b0 - block.release_before
                            if req.disposition not in motif.reserved_dispositions and not released:
                                locked = True
                    if not locked:
                        found.append((start, agenda.practitioner_id, end, reserved))
            day += timedelta(days=1)
    found.sort(key=lambda f: (f[0], f[1]))
    return [Slot(s.astimezone(tz), e.astimezone(tz), p, r) for s, p, e, r in found[: max(req.limit, 0)]]
