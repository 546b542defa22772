"""Calendars benchmark: parse+expand an agenda, render a feed, refuse hostile input.

Prints figures and ratios against baselines measured in the same run:
- expansion of a ~5,000-events/year agenda (single events + recurring blocks) with icalendar +
  recurring-ical-events over the 121-day sync horizon and over 4 weeks (what slot search would pay
  if it parsed on the request path), against reading the stored, merged intervals in memory;
- rendering a 5,000-appointment feed with app.calendars.ical_write against icalendar's serialiser;
- how fast hostile documents are refused.

Run: .venv/bin/python bench/ical_expand.py
"""

from __future__ import annotations

import bisect
import datetime as dt
import statistics
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import icalendar

from app.calendars.errors import CalendarParseError
from app.calendars.ical_read import expand_busy, merge_busy
from app.calendars.ical_write import CalendarEvent, render_feed

PARIS = ZoneInfo("Europe/Paris")
YEAR_START = dt.datetime(2026, 1, 5, tzinfo=PARIS)
NOW = dt.datetime(2026, 3, 2, 7, tzinfo=dt.UTC)


def appointments(count: int = 5000) -> list[CalendarEvent]:
    """Weekday appointments, 20 per day from 08:00, about a year of them."""
    events, day = [], YEAR_START
    modified = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    while len(events) < count:
        if day.weekday() < 5:
            for slot in range(20):
                start = day.replace(hour=8) + dt.timedelta(minutes=25 * slot)
                events.append(
                    CalendarEvent(
                        uid=f"appt-{len(events)}@bench", sequence=len(events) % 3, start=start,
                        end=start + dt.timedelta(minutes=20), tz="Europe/Paris", summary="Consultation",
                        last_modified=modified, status="CANCELLED" if len(events) % 17 == 0 else "CONFIRMED",
                    )
                )  # fmt: skip
                if len(events) == count:
                    break
        day += dt.timedelta(days=1)
    return events


RECURRING = """BEGIN:VEVENT\r
UID:lunch@bench\r
DTSTAMP:20260101T000000Z\r
DTSTART;TZID=Europe/Paris:20260105T123000\r
DTEND;TZID=Europe/Paris:20260105T133000\r
RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR\r
EXDATE;TZID=Europe/Paris:20260406T123000,20260525T123000\r
SUMMARY:Déjeuner\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:staff@bench\r
DTSTAMP:20260101T000000Z\r
DTSTART;TZID=Europe/Paris:20260108T130000\r
DTEND;TZID=Europe/Paris:20260108T140000\r
RRULE:FREQ=WEEKLY;BYDAY=TH\r
SUMMARY:Staff\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:staff@bench\r
DTSTAMP:20260101T000000Z\r
RECURRENCE-ID;TZID=Europe/Paris:20260312T130000\r
DTSTART;TZID=Europe/Paris:20260312T170000\r
DTEND;TZID=Europe/Paris:20260312T180000\r
SUMMARY:Staff (déplacé)\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:school@bench\r
DTSTAMP:20260101T000000Z\r
DTSTART;TZID=Europe/Paris:20260105T163000\r
DTEND;TZID=Europe/Paris:20260105T171500\r
RRULE:FREQ=WEEKLY;BYDAY=MO,TU,TH,FR\r
SUMMARY:École\r
END:VEVENT\r
"""


def agenda() -> bytes:
    feed = render_feed(appointments(), name="Bench", tz="Europe/Paris")
    return feed.replace(b"END:VCALENDAR\r\n", RECURRING.encode() + b"END:VCALENDAR\r\n")


def timed(fn, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    """Wall-clock milliseconds of each call."""
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def cpu(fn, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    """CPU milliseconds of each call (this thread): robust when other processes load the machine."""
    out = []
    for _ in range(repeat):
        start = time.thread_time()
        fn()
        out.append((time.thread_time() - start) * 1000)
    return out


def show(label: str, values: list[float], unit: str = "ms", scale: float = 1.0) -> None:
    p50, p99 = statistics.median(values) * scale, pct(values, 0.99) * scale
    print(f"{label:44s} p50 {p50:9.1f} {unit}   p99/max {p99:9.1f} {unit}")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def icalendar_feed(events: list[CalendarEvent]) -> bytes:
    cal = icalendar.Calendar()
    cal.add("prodid", "-//bench//FR")
    cal.add("version", "2.0")
    cal.add_component(icalendar.Timezone.from_tzid("Europe/Paris"))
    for e in events:
        ev = icalendar.Event()
        ev.add("uid", e.uid)
        ev.add("dtstamp", e.last_modified)
        ev.add("last-modified", e.last_modified)
        ev.add("sequence", e.sequence)
        ev.add("dtstart", e.start)
        ev.add("dtend", e.end)
        ev.add("summary", e.summary)
        ev.add("status", e.status)
        cal.add_component(ev)
    return cal.to_ical()


def main() -> None:
    data = agenda()
    horizon = (NOW - dt.timedelta(days=1), NOW + dt.timedelta(days=120))
    four_weeks = (NOW, NOW + dt.timedelta(days=28))
    vevents = data.count(b"BEGIN:VEVENT")
    print(f"agenda: {len(data) / 1e6:.2f} MB, {vevents} VEVENTs (5,000 appointments + recurring blocks)")

    show(
        "parse+expand, 121-day horizon (wall)", timed(lambda: expand_busy(data, "Europe/Paris", *horizon), 5)
    )
    expand_cpu = cpu(lambda: expand_busy(data, "Europe/Paris", *four_weeks), 5)
    show("parse+expand, 4 weeks (CPU)", expand_cpu)
    intervals = expand_busy(data, "Europe/Paris", *horizon)
    merged = merge_busy(intervals)
    starts = [s for s, _ in merged]

    def stored_lookup() -> None:  # what slot search does with stored intervals: bisect + slice
        lo = bisect.bisect_left(starts, four_weeks[0] - dt.timedelta(days=1))
        hi = bisect.bisect_left(starts, four_weeks[1])
        _ = merged[lo:hi]

    lookup = timed(stored_lookup, 2000)
    print(f"busy occurrences over the horizon: {len(intervals)} ({len(merged)} after merging)")
    show("stored intervals in memory, 4 weeks", lookup, "µs", 1000)
    ratio = statistics.median(expand_cpu) / pct(lookup, 0.99)
    print(f"  ratio parse+expand (4 weeks, CPU p50) / stored lookup p99: {ratio:,.0f}x")

    events = appointments()
    ours = timed(lambda: render_feed(events, name="Dr Bench", tz="Europe/Paris"), 7)
    ours_cpu = cpu(lambda: render_feed(events, name="Dr Bench", tz="Europe/Paris"), 7)
    theirs = cpu(lambda: icalendar_feed(events), 3)
    show(f"feed, {len(events)} appointments, ical_write (wall)", ours)
    show(f"feed, {len(events)} appointments, ical_write (CPU)", ours_cpu)
    show(f"feed, {len(events)} appointments, icalendar (CPU)", theirs)
    speedup = statistics.median(theirs) / statistics.median(ours_cpu)
    print(f"  ratio icalendar / ical_write (CPU p50): {speedup:.1f}x")

    fixtures = Path(__file__).resolve().parents[1] / "tests" / "calendars" / "fixtures"
    nested = b"BEGIN:VALARM\r\n" * 20000 + b"END:VALARM\r\n" * 20000
    hostile = {
        "FREQ=SECONDLY since 1900": (fixtures / "infinite_rrule.ics").read_bytes(),
        "FREQ=MINUTELY, no end": (fixtures / "dense_rrule.ics").read_bytes(),
        "20,000 nested VALARMs": b"BEGIN:VCALENDAR\r\n" + nested + b"END:VCALENDAR\r\n",
        "11 MB document": b"BEGIN:VCALENDAR\r\nX-PAD:" + b"x" * 11_000_000 + b"\r\nEND:VCALENDAR\r\n",
    }
    for name, blob in hostile.items():
        start = time.perf_counter()
        try:
            expand_busy(blob, "Europe/Paris", *horizon)
            outcome = "accepted?!"
        except CalendarParseError as exc:
            outcome = str(exc)
        print(f"hostile: {name:26s} refused in {(time.perf_counter() - start) * 1000:7.1f} ms ({outcome})")


if __name__ == "__main__":
    main()
