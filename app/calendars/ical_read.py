"""Busy time from an iCalendar document (pure: bytes in, UTC intervals out).

`expand_busy` parses one .ics with `icalendar`, expands recurrences with `recurring-ical-events`
over a window and returns the busy occurrences as UTC intervals tagged with their UID and
recurrence id. It never keeps SUMMARY, DESCRIPTION or any other text: a practitioner's agenda
holds health data, and the booking side only needs to know *when* they are busy.

Interpretation rules (see docs/calendars.md):
- all-day events block the whole local day (midnight to midnight in the practice's zone, so a
  DST day lasts 23 or 25 hours);
- floating times are wall-clock times in X-WR-TIMEZONE when the calendar names one, otherwise in
  the practice's zone;
- TRANSP:TRANSPARENT and STATUS:CANCELLED are free; STATUS:TENTATIVE is busy unless told otherwise;
- Windows zone names ("Romance Standard Time") and custom VTIMEZONE blocks are resolved by icalendar.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import recurring_ical_events
from icalendar import Calendar

from app.calendars.errors import CalendarParseError
from app.calendars.ical_guard import DEFAULT_LIMITS, ReadLimits, check_rule_budget, prescan

# Properties whose parse errors change when the practitioner is busy: a broken one fails the
# whole document (keeping the last good sync) rather than silently freeing time.
_TIME_PROPERTIES = {"DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE", "RECURRENCE-ID"}
# Floating and all-day occurrences are shifted by up to ±14 h once localised: query wider, then clip.
_MARGIN = dt.timedelta(days=1)


@dataclass(frozen=True, slots=True, order=True)
class BusyInterval:
    """One busy occurrence: [start, end) in UTC, from the event `uid` (occurrence `recurrence_id`)."""

    start: dt.datetime
    end: dt.datetime
    uid: str
    recurrence_id: str | None = None


def load_zone(name: str) -> ZoneInfo:
    """The IANA zone `name`, or CalendarParseError."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CalendarParseError("unknown time zone name") from None


def parse_calendars(data: bytes, limits: ReadLimits = DEFAULT_LIMITS) -> list[Calendar]:
    """Parse a document (one or several VCALENDARs) after the hostile-input checks."""
    prescan(data, limits)
    try:
        return list(Calendar.from_ical(data, multiple=True))
    except RecursionError:
        raise CalendarParseError("components nested too deeply") from None
    except Exception as exc:  # icalendar raises ValueError, KeyError, … with content in the message
        raise CalendarParseError(f"malformed iCalendar document ({type(exc).__name__})") from None


def expand_busy(
    data: bytes,
    tz: str,
    start: dt.datetime,
    end: dt.datetime,
    *,
    tentative_is_busy: bool = True,
    limits: ReadLimits = DEFAULT_LIMITS,
) -> list[BusyInterval]:
    """Busy occurrences of `data` overlapping [start, end), clipped to it, sorted by start."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("window bounds must be timezone-aware")
    if end <= start:
        return []
    start, end = start.astimezone(dt.UTC), end.astimezone(dt.UTC)
    zone = load_zone(tz)
    # CPU time of this thread: a loaded machine must not fail a legitimate agenda.
    deadline = time.thread_time() + limits.max_seconds
    result: list[BusyInterval] = []
    for calendar in parse_calendars(data, limits):
        result.extend(_expand_calendar(calendar, zone, start, end, tentative_is_busy, limits))
        if len(result) > limits.max_occurrences:
            raise CalendarParseError(f"too many occurrences in the window (limit {limits.max_occurrences})")
        if time.thread_time() > deadline:
            raise CalendarParseError(f"expansion took too long (limit {limits.max_seconds:g} s)")
    result.sort()
    return result


def merge_busy(
    intervals: Iterable[BusyInterval | tuple[dt.datetime, dt.datetime]],
) -> list[tuple[dt.datetime, dt.datetime]]:
    """Sorted, non-overlapping (start, end) pairs covering the same time (touching ones merge)."""
    pairs = sorted(
        (item[0], item[1]) if isinstance(item, tuple) else (item.start, item.end) for item in intervals
    )
    merged: list[tuple[dt.datetime, dt.datetime]] = []
    for begin, finish in pairs:
        if merged and begin <= merged[-1][1]:
            if finish > merged[-1][1]:
                merged[-1] = (merged[-1][0], finish)
        else:
            merged.append((begin, finish))
    return merged


def _expand_calendar(
    calendar: Calendar,
    zone: ZoneInfo,
    start: dt.datetime,
    end: dt.datetime,
    tentative_is_busy: bool,
    limits: ReadLimits,
) -> list[BusyInterval]:
    try:
        events = calendar.walk("VEVENT")
    except RecursionError:
        raise CalendarParseError("components nested too deeply") from None
    for event in events:
        _check_event(event)
    check_rule_budget(events, start, end, limits)
    recurring = {str(e.get("UID", "")) for e in events if {"RRULE", "RDATE", "RECURRENCE-ID"} & set(e.keys())}
    try:
        occurrences = recurring_ical_events.of(calendar).between(start - _MARGIN, end + _MARGIN)
    except RecursionError:
        raise CalendarParseError("components nested too deeply") from None
    except Exception as exc:  # the library's messages may quote the event: keep only the class
        raise CalendarParseError(f"cannot expand recurrences ({type(exc).__name__})") from None
    if len(occurrences) > limits.max_occurrences:
        raise CalendarParseError(f"too many occurrences in the window (limit {limits.max_occurrences})")
    busy: list[BusyInterval] = []
    for occurrence in occurrences:
        if not _is_busy(occurrence, tentative_is_busy):
            continue
        begin, finish = _bounds(occurrence, zone)
        begin, finish = max(begin, start), min(finish, end)
        if finish <= begin:
            continue
        uid = str(occurrence.get("UID", ""))
        rid = _recurrence_id(occurrence, zone) if uid in recurring else None
        busy.append(BusyInterval(begin, finish, uid, rid))
    return busy


def _check_event(event: Any) -> None:
    for name, _message in getattr(event, "errors", ()):
        if str(name).upper() in _TIME_PROPERTIES:
            raise CalendarParseError(f"invalid {str(name).upper()} in an event")
    if "DTSTART" not in event:
        raise CalendarParseError("event without DTSTART")


def _is_busy(component: Any, tentative_is_busy: bool) -> bool:
    status = str(component.get("STATUS", "CONFIRMED")).upper()
    if status == "CANCELLED" or (status == "TENTATIVE" and not tentative_is_busy):
        return False
    return str(component.get("TRANSP", "OPAQUE")).upper() != "TRANSPARENT"


def _instant(value: dt.date, zone: ZoneInfo) -> dt.datetime:
    """A DATE is local midnight; a floating DATE-TIME is local wall time; both in `zone`."""
    if not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day, tzinfo=zone).astimezone(dt.UTC)
    if value.tzinfo is None:
        return value.replace(tzinfo=zone).astimezone(dt.UTC)
    return value.astimezone(dt.UTC)


def _bounds(component: Any, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    first = component["DTSTART"].dt
    if "DTEND" in component:
        last = component["DTEND"].dt
    elif "DURATION" in component:
        last = first + component["DURATION"].dt
    elif isinstance(first, dt.datetime):
        last = first  # RFC 5545 §3.6.1: a DATE-TIME event without end lasts no time
    else:
        last = first + dt.timedelta(days=1)
    begin, finish = _instant(first, zone), _instant(last, zone)
    return (begin, finish) if finish >= begin else (finish, begin)


def _recurrence_id(component: Any, zone: ZoneInfo) -> str | None:
    prop = component.get("RECURRENCE-ID") or component.get("DTSTART")
    value = getattr(prop, "dt", None)
    if isinstance(value, dt.datetime):
        return _instant(value, zone).strftime("%Y%m%dT%H%M%SZ")
    if isinstance(value, dt.date):
        return value.strftime("%Y%m%d")
    return None
