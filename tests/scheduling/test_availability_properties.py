"""Property tests of the availability engine against its invariants and a naive reference."""

from __future__ import annotations

from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, assume, given, settings

from app.scheduling.availability import find_slots
from app.scheduling.rules import MotifNotOffered, MotifRules, PractitionerAgenda, Slot, SlotRequest

from .oracle import open_runs, overlaps, reference_slots, reference_window, wall_to_utc_forward
from .strategies import scenarios

Scenario = tuple[str, list[PractitionerAgenda], MotifRules, SlotRequest]
PROFILE = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def search(scenario: Scenario) -> list[Slot]:
    zone, agendas, motif, request = scenario
    try:
        return find_slots(zone, agendas, motif, request)
    except MotifNotOffered:
        assume(False)
        raise


@PROFILE
@given(scenarios())
def test_same_answer_as_the_naive_reference(scenario: Scenario) -> None:
    assert search(scenario) == reference_slots(*scenario)


@PROFILE
@given(scenarios())
def test_slots_never_overlap_busy_time_appointments_or_live_holds(scenario: Scenario) -> None:
    _zone, agendas, motif, request = scenario
    by_id = {a.practitioner_id: a for a in agendas}
    for slot in search(scenario):
        agenda = by_id[slot.practitioner_id]
        padded = (slot.start - motif.buffer_before, slot.end + motif.buffer_after)
        for start, end in zip(agenda.busy.starts, agenda.busy.ends, strict=True):
            assert padded[1].timestamp() <= start or padded[0].timestamp() >= end
        for appt in agenda.appointments:
            assert not overlaps(*padded, appt.start - appt.buffer_before, appt.end + appt.buffer_after)
        for hold in agenda.holds:
            if hold.expires_at is None or hold.expires_at > request.now:
                assert not overlaps(*padded, hold.start - hold.buffer_before, hold.end + hold.buffer_after)


@PROFILE
@given(scenarios())
def test_slots_lie_inside_opening_hours_on_the_wall_clock_grid(scenario: Scenario) -> None:
    zone, agendas, motif, _request = scenario
    tz = ZoneInfo(zone)
    by_id = {a.practitioner_id: a for a in agendas}
    for slot in search(scenario):
        day = slot.start.date()
        minute = slot.start.hour * 60 + slot.start.minute
        runs = [r for r in open_runs(by_id[slot.practitioner_id], day) if r[0] <= minute < r[1]]
        assert len(runs) == 1, "slot start outside opening hours (or inside a closure)"
        run_start, run_end = runs[0]
        assert (minute - run_start) % motif.grid_minutes == 0
        assert slot.end <= wall_to_utc_forward(day, run_end, tz)
        # Real elapsed time is the motif's duration, even across a DST change.
        assert slot.end.astimezone(UTC) - slot.start.astimezone(UTC) == motif.duration
        assert slot.start.utcoffset() == tz.utcoffset(slot.start.replace(tzinfo=None))
        assert slot.start.tzinfo is tz


@PROFILE
@given(scenarios())
def test_reserved_blocks_notice_horizon_and_cap(scenario: Scenario) -> None:
    zone, agendas, motif, request = scenario
    tz = ZoneInfo(zone)
    lo, hi = reference_window(tz, motif, request)
    by_id = {a.practitioner_id: a for a in agendas}
    for slot in search(scenario):
        assert slot.start >= request.now + motif.min_notice
        assert slot.start < request.now + motif.horizon
        assert lo <= slot.start < hi
        agenda = by_id[slot.practitioner_id]
        day = slot.start.date()
        for block in agenda.reserved:
            if block.weekday != day.weekday():
                continue
            b0 = wall_to_utc_forward(day, block.minutes()[0], tz)
            b1 = wall_to_utc_forward(day, block.minutes()[1], tz)
            if overlaps(slot.start, slot.end, b0, b1):
                assert slot.reserved
                allowed = request.disposition in motif.reserved_dispositions
                assert allowed or request.now >= b0 - block.release_before
        if motif.daily_cap is not None:
            live = [h for h in agenda.holds if h.expires_at is None or h.expires_at > request.now]
            same_day = [
                o
                for o in [*agenda.appointments, *live]
                if o.motif_id == motif.motif_id and o.start.astimezone(tz).date() == day
            ]
            assert len(same_day) < motif.daily_cap


@PROFILE
@given(scenarios())
def test_slots_sorted_distinct_and_limited(scenario: Scenario) -> None:
    _, _, _, request = scenario
    slots = search(scenario)
    keys = [(s.start, s.practitioner_id) for s in slots]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)
    assert len(slots) <= request.limit
    if request.practitioner_id is not None:
        assert all(s.practitioner_id == request.practitioner_id for s in slots)
    # Same tzinfo: Python subtracts wall times; compare instants (fall-back slots can repeat wall times).
    assert all(s.end.astimezone(UTC) - s.start.astimezone(UTC) > timedelta(0) for s in slots)
