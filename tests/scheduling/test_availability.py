"""Worked examples of the availability engine: DST days, dispositions, reserved blocks, preferences."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest

from app.scheduling.availability import find_slots, slot_at
from app.scheduling.rules import (
    EmergencyNotBookable,
    MotifNotOffered,
    MotifRules,
    Occupation,
    OpeningException,
    OpeningRule,
    PractitionerAgenda,
    ReservedBlock,
    SlotRequest,
)
from app.scheduling.timeline import Timeline

PARIS = "Europe/Paris"
DR_A, DR_B = UUID(int=1), UUID(int=2)
MOTIF = MotifRules(motif_id=UUID(int=9), duration=timedelta(minutes=30), horizon=timedelta(days=30))
WEEKDAYS = [OpeningRule(d, time(9), time(12)) for d in range(5)] + [
    OpeningRule(d, time(14), time(18)) for d in range(5)
]


def at(zone: str, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=ZoneInfo(zone))  # type: ignore[misc]


def walls(slots: list) -> list[str]:
    return [s.start.strftime("%Y-%m-%d %H:%M%z") for s in slots]


def test_first_slots_of_a_plain_week_with_offsets() -> None:
    agenda = PractitionerAgenda(DR_A, rules=WEEKDAYS)
    now = at(PARIS, 2026, 6, 8, 10, 7)  # Monday
    slots = find_slots(PARIS, [agenda], MOTIF, SlotRequest(now=now, limit=4))
    assert walls(slots) == [
        "2026-06-08 10:30+0200",
        "2026-06-08 11:00+0200",
        "2026-06-08 11:30+0200",
        "2026-06-08 14:00+0200",
    ]
    assert slots[0].end - slots[0].start == timedelta(minutes=30)


def test_spring_forward_night_keeps_the_wall_grid_and_real_durations() -> None:
    night = PractitionerAgenda(DR_A, rules=[OpeningRule(6, time(1), time(4))])  # Sunday 01:00-04:00
    now = at(PARIS, 2026, 3, 28, 12, 0)
    slots = find_slots(PARIS, [night], MOTIF, SlotRequest(now=now, window_end=now + timedelta(days=2)))
    # 02:00 and 02:30 never happen on 29 March 2026 in Paris; 01:30 ends at 03:00 CEST (30 real minutes).
    assert walls(slots) == [
        "2026-03-29 01:00+0100",
        "2026-03-29 01:30+0100",
        "2026-03-29 03:00+0200",
        "2026-03-29 03:30+0200",
    ]
    assert all(s.end.astimezone(UTC) - s.start.astimezone(UTC) == timedelta(minutes=30) for s in slots)
    assert slots[1].end.strftime("%H:%M%z") == "03:00+0200"


def test_fall_back_night_offers_each_wall_time_once() -> None:
    night = PractitionerAgenda(DR_A, rules=[OpeningRule(6, time(1), time(4))])
    now = at(PARIS, 2026, 10, 24, 12, 0)
    slots = find_slots(PARIS, [night], MOTIF, SlotRequest(now=now, window_end=now + timedelta(days=2)))
    assert walls(slots) == [
        "2026-10-25 01:00+0200",
        "2026-10-25 01:30+0200",
        "2026-10-25 02:00+0200",
        "2026-10-25 02:30+0200",
        "2026-10-25 03:00+0100",
        "2026-10-25 03:30+0100",
    ]
    assert all(s.end.astimezone(UTC) - s.start.astimezone(UTC) == timedelta(minutes=30) for s in slots)


def test_daytime_slots_on_dst_sundays_follow_the_new_offset() -> None:
    sunday = PractitionerAgenda(DR_A, rules=[OpeningRule(6, time(9), time(10))])
    for day, offset in [(29, "+0200"), (22, "+0100")]:
        slots = find_slots(PARIS, [sunday], MOTIF, SlotRequest(now=at(PARIS, 2026, 3, 21, 0, 0), limit=5))
        assert [w for w in walls(slots) if w.startswith(f"2026-03-{day}")] == [
            f"2026-03-{day} 09:00{offset}",
            f"2026-03-{day} 09:30{offset}",
        ]


def test_reunion_has_no_dst() -> None:
    agenda = PractitionerAgenda(DR_A, rules=[OpeningRule(6, time(1), time(4))])
    slots = find_slots(
        "Indian/Reunion",
        [agenda],
        MOTIF,
        SlotRequest(now=at(PARIS, 2026, 3, 28), window_end=at(PARIS, 2026, 3, 30)),
    )
    assert len(slots) == 6
    assert {s.start.strftime("%z") for s in slots} == {"+0400"}


def test_emergency_is_never_booked() -> None:
    agenda = PractitionerAgenda(DR_A, rules=WEEKDAYS)
    with pytest.raises(EmergencyNotBookable):
        find_slots(PARIS, [agenda], MOTIF, SlotRequest(now=at(PARIS, 2026, 6, 8, 8), disposition="emergency"))


def test_urgent_means_today_and_soon_means_72_hours() -> None:
    agenda = PractitionerAgenda(DR_A, rules=WEEKDAYS)
    now = at(PARIS, 2026, 6, 8, 17, 0)
    urgent = find_slots(PARIS, [agenda], MOTIF, SlotRequest(now=now, disposition="urgent", limit=50))
    assert walls(urgent) == ["2026-06-08 17:00+0200", "2026-06-08 17:30+0200"]
    soon = find_slots(PARIS, [agenda], MOTIF, SlotRequest(now=now, disposition="soon", limit=100))
    assert max(s.start for s in soon) < now + timedelta(hours=72)
    assert len(soon) == 2 + 14 + 14 + 12  # the rest of today, two full days, Thursday until 17:00


def test_reserved_urgent_block_is_kept_then_released() -> None:
    block = ReservedBlock(0, time(11), time(12), release_before=timedelta(hours=2))
    agenda = PractitionerAgenda(DR_A, rules=WEEKDAYS, reserved=[block])
    morning = SlotRequest(now=at(PARIS, 2026, 6, 8, 8, 0), window_end=at(PARIS, 2026, 6, 8, 12, 0), limit=20)
    routine = find_slots(PARIS, [agenda], MOTIF, morning)
    assert walls(routine)[-1] == "2026-06-08 10:30+0200"
    urgent = find_slots(PARIS, [agenda], MOTIF, SlotRequest(**{**_fields(morning), "disposition": "urgent"}))
    assert walls(urgent)[-2:] == ["2026-06-08 11:00+0200", "2026-06-08 11:30+0200"]
    assert urgent[-1].reserved and not urgent[0].reserved
    later = SlotRequest(now=at(PARIS, 2026, 6, 8, 9, 0), window_end=at(PARIS, 2026, 6, 8, 12, 0), limit=20)
    assert walls(find_slots(PARIS, [agenda], MOTIF, later))[-1] == "2026-06-08 11:30+0200"


def _fields(request: SlotRequest) -> dict:
    return {name: getattr(request, name) for name in request.__slots__}


def test_busy_time_appointments_holds_buffers_and_closures() -> None:
    buffered = MotifRules(
        motif_id=UUID(int=9), duration=timedelta(minutes=30), buffer_after=timedelta(minutes=10), daily_cap=3
    )
    now = at(PARIS, 2026, 6, 8, 7, 0)
    agenda = PractitionerAgenda(
        DR_A,
        rules=WEEKDAYS,
        exceptions=[OpeningException(date(2026, 6, 8), "closed", time(14), time(18))],
        busy=Timeline.from_datetimes([(at(PARIS, 2026, 6, 8, 9, 0), at(PARIS, 2026, 6, 8, 9, 20))]),
        appointments=[
            Occupation(
                at(PARIS, 2026, 6, 8, 10, 30), at(PARIS, 2026, 6, 8, 11, 0), motif_id=buffered.motif_id
            )
        ],
        holds=[
            Occupation(
                at(PARIS, 2026, 6, 8, 11, 30),
                at(PARIS, 2026, 6, 8, 12),
                expires_at=now + timedelta(minutes=3),
            ),
            Occupation(
                at(PARIS, 2026, 6, 8, 9, 30), at(PARIS, 2026, 6, 8, 10), expires_at=now - timedelta(minutes=1)
            ),
        ],
    )
    slots = find_slots(
        PARIS, [agenda], buffered, SlotRequest(now=now, window_end=at(PARIS, 2026, 6, 8, 23), limit=20)
    )
    # 09:00 busy; 09:30 free (expired hold); 10:00 runs into the 10:30 appointment with its buffer.
    assert walls(slots) == ["2026-06-08 09:30+0200"]


def test_daily_cap_closes_the_day() -> None:
    capped = MotifRules(motif_id=UUID(int=9), duration=timedelta(minutes=30), daily_cap=1)
    taken = Occupation(at(PARIS, 2026, 6, 8, 17), at(PARIS, 2026, 6, 8, 17, 30), motif_id=capped.motif_id)
    agenda = PractitionerAgenda(DR_A, rules=WEEKDAYS, appointments=[taken])
    slots = find_slots(PARIS, [agenda], capped, SlotRequest(now=at(PARIS, 2026, 6, 8, 7), limit=1))
    assert walls(slots) == ["2026-06-09 09:00+0200"]


def test_preferences_practitioner_choice_and_ordering() -> None:
    agendas = [PractitionerAgenda(DR_B, rules=WEEKDAYS), PractitionerAgenda(DR_A, rules=WEEKDAYS)]
    now = at(PARIS, 2026, 6, 8, 7)
    slots = find_slots(PARIS, agendas, MOTIF, SlotRequest(now=now, limit=4))
    assert [(w, s.practitioner_id) for w, s in zip(walls(slots), slots, strict=True)] == [
        ("2026-06-08 09:00+0200", DR_A),
        ("2026-06-08 09:00+0200", DR_B),
        ("2026-06-08 09:30+0200", DR_A),
        ("2026-06-08 09:30+0200", DR_B),
    ]
    friday_pm = SlotRequest(
        now=now, part_of_day="afternoon", weekdays=frozenset({4}), practitioner_id=DR_B, limit=1
    )
    assert walls(find_slots(PARIS, agendas, MOTIF, friday_pm)) == ["2026-06-12 14:00+0200"]
    only_a = MotifRules(
        motif_id=UUID(int=9), duration=timedelta(minutes=30), practitioner_ids=frozenset({DR_A})
    )
    with pytest.raises(MotifNotOffered):
        find_slots(PARIS, agendas, only_a, SlotRequest(now=now, practitioner_id=DR_B))


def test_slot_at_confirms_only_exact_bookable_starts() -> None:
    agenda = PractitionerAgenda(DR_A, rules=WEEKDAYS)
    request = SlotRequest(now=at(PARIS, 2026, 6, 8, 7))
    assert slot_at(PARIS, agenda, MOTIF, at(PARIS, 2026, 6, 8, 9, 30), request) is not None
    assert slot_at(PARIS, agenda, MOTIF, at(PARIS, 2026, 6, 8, 9, 40), request) is None
    assert slot_at(PARIS, agenda, MOTIF, at(PARIS, 2026, 6, 8, 12, 0), request) is None


def test_naive_datetimes_are_refused() -> None:
    agenda = PractitionerAgenda(DR_A, rules=WEEKDAYS)
    with pytest.raises(ValueError, match="naive"):
        find_slots(PARIS, [agenda], MOTIF, SlotRequest(now=datetime(2026, 6, 8, 7)))
