"""Serialise appointment-like events to iCalendar (pure).

Written as text per RFC 5545 rather than through icalendar's object model: a practitioner's
feed of 5,000 appointments must render in well under 300 ms (bench/ical_expand.py measures
both). The output is checked against icalendar's parser in tests/calendars/test_ical_write.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

from app.calendars.ical_text import escape_text, fold, local_stamp, param_value, utc_stamp, vtimezone

PRODID = "-//Permanence//Permanence agendas//FR"
EventStatus = Literal["CONFIRMED", "CANCELLED", "TENTATIVE"]


@dataclass(frozen=True, slots=True)
class CalendarEvent:
    """One event to publish: identity (uid, sequence), time, minimal text, status."""

    uid: str
    sequence: int
    start: dt.datetime
    end: dt.datetime
    tz: str
    summary: str
    last_modified: dt.datetime
    status: EventStatus = "CONFIRMED"
    description: str | None = None

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None or self.last_modified.tzinfo is None:
            raise ValueError("event times must be timezone-aware")
        if self.end < self.start:
            raise ValueError("event ends before it starts")
        if not self.uid or "\n" in self.uid or "\r" in self.uid:
            raise ValueError("event UID must be a non-empty single line")
        if self.sequence < 0:
            raise ValueError("SEQUENCE must not be negative")


def _zone(name: str) -> ZoneInfo | None:
    """None means UTC: times are written with a Z and need no VTIMEZONE."""
    return None if name.upper() in {"UTC", "ETC/UTC", "Z"} else ZoneInfo(name)


def _event_lines(event: CalendarEvent, zones: dict[str, ZoneInfo | None]) -> list[str]:
    zone = zones.get(event.tz)
    if event.tz not in zones:
        zone = zones[event.tz] = _zone(event.tz)
    if zone is None:
        start, end = f"DTSTART:{utc_stamp(event.start)}", f"DTEND:{utc_stamp(event.end)}"
    else:
        tzid = param_value(event.tz)
        start = f"DTSTART;TZID={tzid}:{local_stamp(event.start, zone)}"
        end = f"DTEND;TZID={tzid}:{local_stamp(event.end, zone)}"
    modified = utc_stamp(event.last_modified)
    lines = [
        "BEGIN:VEVENT",
        fold("UID:" + escape_text(event.uid)),
        # DTSTAMP follows the last change, not the rendering time, so an unchanged feed is byte-identical.
        f"DTSTAMP:{modified}",
        f"LAST-MODIFIED:{modified}",
        f"SEQUENCE:{event.sequence}",
        start,
        end,
        fold("SUMMARY:" + escape_text(event.summary)),
    ]
    if event.description:
        lines.append(fold("DESCRIPTION:" + escape_text(event.description)))
    lines.append(f"STATUS:{event.status}")
    lines.append("TRANSP:TRANSPARENT" if event.status == "CANCELLED" else "TRANSP:OPAQUE")
    lines.append("END:VEVENT")
    return lines


def _timezone_lines(events: Sequence[CalendarEvent], extra_zones: Iterable[str] = ()) -> list[str]:
    names = {e.tz for e in events} | set(extra_zones)
    names = {n for n in names if _zone(n) is not None}
    if not names:
        return []
    years = [e.start.year for e in events] + [e.end.year for e in events]
    first = min(years, default=dt.datetime.now(dt.UTC).year) - 1
    last = max(years, default=first + 1) + 1
    lines: list[str] = []
    for name in sorted(names):
        lines.extend(vtimezone(name, first, last))
    return lines


def _document(header: list[str], events: Sequence[CalendarEvent], extra_zones: Iterable[str] = ()) -> bytes:
    zones: dict[str, ZoneInfo | None] = {}
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN", *header]
    lines += _timezone_lines(events, extra_zones)
    for event in events:
        lines += _event_lines(event, zones)
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()


def render_event(event: CalendarEvent) -> bytes:
    """A VCALENDAR holding one VEVENT and its VTIMEZONE: the body of a CalDAV PUT."""
    return _document([], [event])


def render_feed(
    events: Sequence[CalendarEvent],
    *,
    name: str,
    tz: str,
    refresh: dt.timedelta = dt.timedelta(minutes=15),
) -> bytes:
    """A subscribable feed: every event, X-WR-CALNAME/X-WR-TIMEZONE and a refresh hint."""
    minutes = max(1, int(refresh.total_seconds() // 60))
    header = [
        "METHOD:PUBLISH",
        fold("NAME:" + escape_text(name)),  # RFC 7986
        fold("X-WR-CALNAME:" + escape_text(name)),  # the same, for clients that predate RFC 7986
        f"X-WR-TIMEZONE:{escape_text(tz)}",
        f"REFRESH-INTERVAL;VALUE=DURATION:PT{minutes}M",
        f"X-PUBLISHED-TTL:PT{minutes}M",
    ]
    return _document(header, events, [tz])
