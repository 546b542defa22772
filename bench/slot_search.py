"""Slot search benchmark: stored busy intervals + the pure engine vs parse-and-expand of the .ics.

Generates, for each practitioner, a year of agenda (~5,000 events: one-off consultations plus
recurring blocks with RRULE, EXDATE, a RECURRENCE-ID override and an all-day congress) as an .ics,
then measures in the same run:

  baseline  parse the .ics with icalendar and expand 4 weeks with recurring-ical-events
  engine    find_slots over the pre-expanded stored intervals (what sync keeps in the database)

Run: .venv/bin/python bench/slot_search.py [--iterations 300] [--db sqlite|postgresql|none]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import recurring_ical_events
from icalendar import Calendar

from app.calendars.ical_read import expand_busy
from app.scheduling.availability import find_slots
from app.scheduling.rules import MotifRules, OpeningRule, PractitionerAgenda, SlotRequest
from app.scheduling.timeline import Timeline

ZONE = "Europe/Paris"
YEAR = 2026
OPENING = [
    *(OpeningRule(d, clock(8), clock(12, 30)) for d in range(5)),
    *(OpeningRule(d, clock(13, 30), clock(19)) for d in range(5)),
    OpeningRule(5, clock(9), clock(12)),
]
MOTIF = MotifRules(
    motif_id=uuid4(), duration=timedelta(minutes=20), step=timedelta(minutes=10), horizon=timedelta(days=90)
)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%S")


def agenda_ics(seed: int, per_day: int = 18) -> tuple[bytes, int]:
    """A year of agenda as iCalendar text and its number of occurrences."""
    rng = random.Random(seed)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Permanence//bench//FR"]
    count = 0

    def event(uid: str, start: datetime, end: datetime, *extra: str) -> None:
        lines.extend(["BEGIN:VEVENT", f"UID:{uid}", f"DTSTAMP:{YEAR}0101T000000Z"])
        lines.append(f"DTSTART;TZID={ZONE}:{_stamp(start)}")
        lines.append(f"DTEND;TZID={ZONE}:{_stamp(end)}")
        lines.extend(extra)
        lines.extend(["SUMMARY:Consultation", "END:VEVENT"])

    day = date(YEAR, 1, 1)
    while day.year == YEAR:
        if day.weekday() < 5:
            for n in range(per_day):
                minute = rng.randrange(8 * 60, 18 * 60 + 30, 5)
                start = datetime.combine(day, clock(minute // 60, minute % 60))
                event(f"{seed}-{day}-{n}", start, start + timedelta(minutes=rng.choice([15, 20, 30, 45])))
                count += 1
        day += timedelta(days=1)
    jan5 = datetime(YEAR, 1, 5)
    weekly_meeting = "RRULE:FREQ=WEEKLY;BYDAY=TU"
    exdates = ",".join(_stamp(jan5 + timedelta(days=1 + 7 * w, hours=12, minutes=30)) for w in (10, 20, 30))
    event(
        f"{seed}-meeting",
        jan5 + timedelta(days=1, hours=12, minutes=30),
        jan5 + timedelta(days=1, hours=13, minutes=30),
        weekly_meeting,
        f"EXDATE;TZID={ZONE}:{exdates}",
    )
    moved = jan5 + timedelta(days=1 + 7 * 12, hours=12, minutes=30)
    event(
        f"{seed}-meeting",
        moved + timedelta(hours=5),
        moved + timedelta(hours=6),
        f"RECURRENCE-ID;TZID={ZONE}:{_stamp(moved)}",
    )
    event(
        f"{seed}-admin",
        jan5 + timedelta(hours=8),
        jan5 + timedelta(hours=8, minutes=30),
        "RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
    )
    event(
        f"{seed}-staff",
        jan5 + timedelta(days=3, hours=17),
        jan5 + timedelta(days=3, hours=19),
        "RRULE:FREQ=MONTHLY;BYDAY=1TH",
    )
    lines.extend(
        [
            "BEGIN:VEVENT",
            f"UID:{seed}-congress",
            f"DTSTAMP:{YEAR}0101T000000Z",
            f"DTSTART;VALUE=DATE:{YEAR}0518",
            f"DTEND;VALUE=DATE:{YEAR}0521",
            "SUMMARY:Congrès",
            "END:VEVENT",
        ]
    )
    count += 52 - 3 + 260 + 12 + 1
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode(), count


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(name: str, samples: list[float]) -> tuple[float, float]:
    p50, p99 = statistics.median(samples), percentile(samples, 0.99)
    print(f"  {name:<58} p50 {p50 * 1000:9.3f} ms   p99 {p99 * 1000:9.3f} ms   (n={len(samples)})")
    return p50, p99


def baseline_expand(data: bytes, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    calendar = Calendar.from_ical(data)
    return [(e["DTSTART"].dt, e["DTEND"].dt) for e in recurring_ical_events.of(calendar).between(start, end)]


def stored_agendas(documents: list[bytes]) -> list[PractitionerAgenda]:
    """What sync keeps: each practitioner's year expanded once into sorted, merged intervals."""
    year_start, year_end = datetime(YEAR, 1, 1, tzinfo=UTC), datetime(YEAR + 1, 1, 1, tzinfo=UTC)
    agendas = []
    for index, data in enumerate(documents):
        busy = expand_busy(data, ZONE, year_start, year_end)
        timeline = Timeline.from_datetimes((b.start, b.end) for b in busy)
        agendas.append(PractitionerAgenda(UUID(int=index + 1), rules=OPENING, busy=timeline))
    return agendas


def request_times(iterations: int, seed: int = 7) -> list[datetime]:
    rng = random.Random(seed)
    first = datetime(YEAR, 1, 12, 7, 0, tzinfo=ZoneInfo(ZONE))
    return [
        first + timedelta(days=rng.randrange(0, 300), minutes=rng.randrange(0, 600))
        for _ in range(iterations)
    ]


def timed(fn, args_list) -> list[float]:  # type: ignore[no-untyped-def]
    samples = []
    for args in args_list:
        t0 = time.perf_counter()
        fn(*args)
        samples.append(time.perf_counter() - t0)
    return samples


def run_db_case(kind: str, agendas: list[PractitionerAgenda], nows: list[datetime], base_p50: float) -> None:
    """The same searches through the service path: rows read from the database on every request."""
    import os
    import tempfile

    os.environ.setdefault("PERMANENCE_VAR_DIR", tempfile.mkdtemp(prefix="permanence-bench-"))
    from sqlmodel import Session

    from app.calendars.models import AgendaSource, BusyInterval
    from app.core.db import make_engine
    from app.practices import service as practices
    from app.practices.models import Motif
    from app.practices.schemas import MotifIn, PracticeCreate, PractitionerIn
    from app.scheduling import hours, service
    from app.scheduling.schemas import OpeningHoursIn, WeeklyHoursIn
    from tests.dbs import fresh_database
    from tests.factories import ADMIN

    week = OpeningHoursIn(
        rules=[
            WeeklyHoursIn(weekday=r.weekday, start=r.start.strftime("%H:%M"), end=r.end.strftime("%H:%M"))
            for r in OPENING
        ]
    )
    with fresh_database(Path(tempfile.mkdtemp()), kind) as url:
        engine = make_engine(url)
        with Session(engine, expire_on_commit=False) as session:
            practice = practices.create_practice(
                session, ADMIN, PracticeCreate(name="Maison de santé", specialties=["generaliste"])
            )
            motif_row = practices.add_motif(
                session,
                ADMIN,
                practice.id,
                MotifIn(code="consultation", label="Consultation", duration_minutes=20, horizon_days=90),
            )
            ids = []
            for n, agenda in enumerate(agendas):
                doctor = practices.add_practitioner(
                    session, practice.id, PractitionerIn(display_name=f"Dr {n}", specialty="generaliste")
                )
                hours.replace(session, ADMIN, doctor.id, week)
                source = AgendaSource(practice_id=practice.id, practitioner_id=doctor.id, kind="file")
                session.add(source)
                session.flush()
                session.add_all(
                    BusyInterval(
                        practice_id=practice.id,
                        practitioner_id=doctor.id,
                        source_id=source.id,
                        start_at=utc_of(start),
                        end_at=utc_of(end),
                    )
                    for start, end in zip(agenda.busy.starts, agenda.busy.ends, strict=True)
                )
                ids.append(doctor.id)
            session.commit()
        print(f"Service path on {kind}: rows read on every request (rules, exceptions, claims, busy time)")
        with Session(engine, expire_on_commit=False) as session:
            motif = session.get(Motif, motif_row.id)
            assert motif is not None
            step = MotifRules(motif_id=motif.id, duration=timedelta(minutes=20))
            assert step.grid_minutes == 20

            def search(practitioner: UUID | None, now: datetime, limit: int) -> None:
                request = SlotRequest(
                    now=now, window_end=now + timedelta(weeks=4), practitioner_id=practitioner, limit=limit
                )
                service.compute_slots(session, practice, motif, request)

            cases = [
                ("one practitioner, every slot of 4 weeks", ids[0], 10_000),
                ("one practitioner, first 10 slots", ids[0], 10),
                ("10 practitioners, first 10 slots", None, 10),
            ]
            for name, practitioner, limit in cases:
                samples = timed(search, [(practitioner, n, limit) for n in nows[:100]])
                p50, p99 = summary(name, samples)
                print(
                    f"  {'':<58} ratio vs baseline p50: {base_p50 / p50:,.0f}x (p99 {base_p50 / p99:,.0f}x)"
                )
        engine.dispose()


def utc_of(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--baseline-iterations", type=int, default=7)
    parser.add_argument("--db", choices=["none", "sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()

    documents = [agenda_ics(seed) for seed in range(10)]
    data, occurrences = documents[0]
    print(f"Agenda: {occurrences} occurrences/year, {len(data) / 1024:.0f} KiB of iCalendar per practitioner")
    four_weeks = timedelta(weeks=4)
    nows = request_times(args.iterations)

    print("Baseline (same run): icalendar parse + recurring-ical-events expansion over 4 weeks")
    base = timed(baseline_expand, [(data, n, n + four_weeks) for n in nows[: args.baseline_iterations]])
    base_p50, _ = summary("parse + expand, one practitioner, 4 weeks", base)
    expanded = len(baseline_expand(data, nows[0], nows[0] + four_weeks))
    print(f"  ({expanded} occurrences in the window)")

    t0 = time.perf_counter()
    agendas = stored_agendas([d for d, _ in documents])
    elapsed = time.perf_counter() - t0
    print(f"Sync, once, off the request path: a year for 10 practitioners expanded in {elapsed:.2f} s")

    one = agendas[:1]
    print("Engine: find_slots over stored intervals")

    def search(agenda_list: list[PractitionerAgenda], now: datetime, limit: int) -> int:
        request = SlotRequest(now=now, window_end=now + four_weeks, limit=limit)
        return len(find_slots(ZONE, agenda_list, MOTIF, request))

    cases = [
        ("one practitioner, every slot of 4 weeks", one, 10_000),
        ("one practitioner, first 10 slots", one, 10),
        ("10 practitioners, first 10 slots", agendas, 10),
        ("10 practitioners, every slot of 4 weeks", agendas, 100_000),
    ]
    for name, agenda_list, limit in cases:
        samples = timed(search, [(agenda_list, n, limit) for n in nows])
        p50, p99 = summary(name, samples)
        print(f"  {'':<58} ratio vs baseline p50: {base_p50 / p50:,.0f}x (p99 {base_p50 / p99:,.0f}x)")
    found = search(one, nows[0], 10_000)
    print(f"  ({found} free slots in one practitioner's 4 weeks)")
    if args.db != "none":
        run_db_case(args.db, agendas, nows, base_p50)


if __name__ == "__main__":
    main()
