"""Hypothesis strategies for agendas around DST changeovers, in three zones."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from uuid import UUID

from hypothesis import strategies as st

from app.scheduling.rules import (
    MotifRules,
    Occupation,
    OpeningException,
    OpeningRule,
    PractitionerAgenda,
    ReservedBlock,
    SlotRequest,
)
from app.scheduling.timeline import Timeline

ZONES = ["Europe/Paris", "Indian/Reunion", "America/Martinique"]
PRACTITIONERS = [UUID(int=i) for i in range(1, 4)]
MOTIF_ID = UUID(int=99)
OTHER_MOTIF = UUID(int=98)
# Midnights UTC a few days before Europe/Paris changes (29 March and 25 October 2026) and an ordinary week.
BASES = [
    datetime(2026, 3, 26, tzinfo=UTC),
    datetime(2026, 10, 22, tzinfo=UTC),
    datetime(2026, 6, 8, tzinfo=UTC),
]


def clock(minute: int) -> time:
    return time(minute // 60, minute % 60) if minute < 1440 else time(0)


@st.composite
def spans(draw: st.DrawFn, grain: int = 15) -> tuple[time, time]:
    start = draw(st.integers(0, 1440 // grain - 1)) * grain
    end = min(1440, start + draw(st.integers(1, 40)) * grain)
    return clock(start), clock(end)


@st.composite
def occupations(draw: st.DrawFn, base: datetime, hold: bool) -> Occupation:
    start = base + timedelta(minutes=draw(st.integers(-1440, 8 * 1440)))
    end = start + timedelta(minutes=draw(st.integers(5, 240)))
    expires = base + timedelta(minutes=draw(st.integers(-10, 8 * 1440))) if hold else None
    return Occupation(
        start=start,
        end=end,
        buffer_before=timedelta(minutes=draw(st.sampled_from([0, 5, 10]))),
        buffer_after=timedelta(minutes=draw(st.sampled_from([0, 5, 10]))),
        motif_id=draw(st.sampled_from([MOTIF_ID, OTHER_MOTIF])),
        expires_at=expires,
    )


@st.composite
def agendas(draw: st.DrawFn, pid: UUID, base: datetime) -> PractitionerAgenda:
    rules = [OpeningRule(draw(st.integers(0, 6)), *draw(spans())) for _ in range(draw(st.integers(0, 8)))]
    # Always some Sunday night hours so the DST gap and repeat are exercised.
    if draw(st.booleans()):
        rules.append(OpeningRule(6, time(0, 30), time(4, 30)))
    first_day = base.date()
    exceptions = [
        OpeningException(
            first_day + timedelta(days=draw(st.integers(-1, 9))),
            draw(st.sampled_from(["closed", "open"])),
            *(draw(spans()) if draw(st.booleans()) else (None, None)),
        )
        for _ in range(draw(st.integers(0, 4)))
    ]
    reserved = [
        ReservedBlock(draw(st.integers(0, 6)), *draw(spans()), timedelta(hours=draw(st.integers(0, 48))))
        for _ in range(draw(st.integers(0, 3)))
    ]
    busy_pairs = []
    for _ in range(draw(st.integers(0, 25))):
        start = base + timedelta(minutes=draw(st.integers(-1440, 9 * 1440)))
        busy_pairs.append((start, start + timedelta(minutes=draw(st.integers(5, 600)))))
    return PractitionerAgenda(
        practitioner_id=pid,
        rules=rules,
        exceptions=exceptions,
        reserved=reserved,
        busy=Timeline.from_datetimes(busy_pairs),
        appointments=draw(st.lists(occupations(base, hold=False), max_size=6)),
        holds=draw(st.lists(occupations(base, hold=True), max_size=4)),
    )


@st.composite
def motifs(draw: st.DrawFn) -> MotifRules:
    return MotifRules(
        motif_id=MOTIF_ID,
        duration=timedelta(minutes=draw(st.sampled_from([10, 15, 20, 30, 45, 60, 90]))),
        buffer_before=timedelta(minutes=draw(st.sampled_from([0, 0, 5, 15]))),
        buffer_after=timedelta(minutes=draw(st.sampled_from([0, 0, 5, 15]))),
        min_notice=timedelta(hours=draw(st.sampled_from([0, 1, 2, 24]))),
        horizon=timedelta(days=draw(st.integers(1, 8))),
        daily_cap=draw(st.sampled_from([None, None, 0, 1, 2])),
        practitioner_ids=frozenset(draw(st.lists(st.sampled_from(PRACTITIONERS), max_size=2))),
        reserved_dispositions=frozenset(
            draw(st.lists(st.sampled_from(["urgent", "soon", "routine"]), max_size=2))
        ),
        step=timedelta(minutes=draw(st.sampled_from([5, 10, 15, 30]))) if draw(st.booleans()) else None,
    )


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[str, list[PractitionerAgenda], MotifRules, SlotRequest]:
    base = draw(st.sampled_from(BASES))
    now = base + timedelta(minutes=draw(st.integers(0, 5 * 1440)))
    count = draw(st.integers(1, 3))
    practice = [draw(agendas(pid, base)) for pid in PRACTITIONERS[:count]]
    window_start = now + timedelta(hours=draw(st.integers(-5, 72))) if draw(st.booleans()) else None
    window_end = now + timedelta(hours=draw(st.integers(1, 200))) if draw(st.booleans()) else None
    request = SlotRequest(
        now=now,
        disposition=draw(st.sampled_from(["urgent", "soon", "routine", "self_care"])),
        window_start=window_start,
        window_end=window_end,
        practitioner_id=draw(st.sampled_from([None, None, *PRACTITIONERS[:count]])),
        part_of_day=draw(st.sampled_from([None, None, "morning", "afternoon"])),
        weekdays=frozenset(draw(st.lists(st.integers(0, 6), min_size=1))) if draw(st.booleans()) else None,
        limit=draw(st.integers(1, 60)),
    )
    return draw(st.sampled_from(ZONES)), practice, draw(motifs()), request
