"""Bounds on hostile iCalendar input, checked before and after parsing (pure).

A remote agenda is untrusted input: it may be huge, nest components without end, or carry a
recurrence rule that would make the expander run for hours (FREQ=SECONDLY since 1900). Each
check here is cheap and raises CalendarParseError with a message that names the limit only.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any

from app.calendars.errors import CalendarParseError


@dataclass(frozen=True, slots=True)
class ReadLimits:
    """Limits applied to one calendar document."""

    max_bytes: int = 10_000_000
    max_components: int = 100_000
    max_depth: int = 8
    # Work the rule expander may do, summed over all rules, from DTSTART to the window's end.
    max_rrule_iterations: int = 1_000_000
    # Occurrences produced inside the window (after expansion), summed over all events.
    max_occurrences: int = 50_000
    max_dates_per_event: int = 10_000
    max_seconds: float = 30.0  # CPU seconds, a backstop behind the budgets above


DEFAULT_LIMITS = ReadLimits()

# RFC 5545 §3.1: a line beginning with a space or tab continues the previous one.
_FOLD = re.compile(rb"\r?\n[ \t]")
_BEGIN_END = re.compile(rb"^(BEGIN|END)[ \t]*:", re.MULTILINE | re.IGNORECASE)

_FREQ_SECONDS = {
    "SECONDLY": 1,
    "MINUTELY": 60,
    "HOURLY": 3_600,
    "DAILY": 86_400,
    "WEEKLY": 7 * 86_400,
    "MONTHLY": 28 * 86_400,
    "YEARLY": 365 * 86_400,
}
_DAYS_IN_PERIOD = {"WEEKLY": 7, "MONTHLY": 31, "YEARLY": 366}
_DAY_PARTS = ("BYDAY", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO")
_ORDER = ["YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY", "MINUTELY", "SECONDLY"]


def prescan(data: bytes, limits: ReadLimits) -> None:
    """Reject oversize documents, too many components, and nesting deeper than allowed."""
    if len(data) > limits.max_bytes:
        raise CalendarParseError(f"calendar too large: {len(data)} bytes (limit {limits.max_bytes})")
    unfolded = _FOLD.sub(b"", data)
    components = 0
    depth = 0
    for match in _BEGIN_END.finditer(unfolded):
        if match.group(1).upper() == b"BEGIN":
            components += 1
            depth += 1
            if depth > limits.max_depth:
                raise CalendarParseError(f"components nested too deeply (limit {limits.max_depth})")
            if components > limits.max_components:
                raise CalendarParseError(f"too many components (limit {limits.max_components})")
        else:
            depth -= 1
            if depth < 0:
                raise CalendarParseError("unbalanced components: END without BEGIN")
    if components == 0:
        raise CalendarParseError("not an iCalendar document: no component found")
    if depth != 0:
        # A cut download must not read as an agenda that suddenly became empty.
        raise CalendarParseError("truncated document: unterminated component")


def _as_utc(value: Any) -> dt.datetime | None:
    """A rough UTC instant for budget estimates (naive/floating read as UTC; dates at midnight)."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    return None


def _first(rule: Any, key: str) -> Any:
    values = rule.get(key)
    if isinstance(values, list):
        return values[0] if values else None
    return values


def _count(rule: Any, key: str) -> int:
    values = rule.get(key)
    if values is None:
        return 0
    return len(values) if isinstance(values, list) else 1


def rule_iterations(rule: Any, dtstart: dt.datetime, window_end: dt.datetime) -> int:
    """Upper bound of the candidates a rule generates from DTSTART to the window's end.

    The expander walks every period from DTSTART, so the bound counts periods times the
    candidates each BYxxx part adds inside a period (dateutil's own algorithm).
    """
    freq = str(_first(rule, "FREQ") or "").upper()
    if freq not in _FREQ_SECONDS:
        raise CalendarParseError("invalid recurrence rule: unknown FREQ")
    interval = _first(rule, "INTERVAL") or 1
    try:
        interval = max(1, int(interval))
    except (TypeError, ValueError):
        raise CalendarParseError("invalid recurrence rule: bad INTERVAL") from None
    stop = window_end
    until = _as_utc(_first(rule, "UNTIL"))
    if until is not None:
        stop = min(stop, until)
    span = (stop - dtstart).total_seconds()
    if span <= 0:
        return 1
    periods = span / (_FREQ_SECONDS[freq] * interval) + 1
    level = _ORDER.index(freq)
    per_period = 1
    if freq in _DAYS_IN_PERIOD and any(_count(rule, part) for part in _DAY_PARTS):
        per_period *= _DAYS_IN_PERIOD[freq]
    elif freq == "YEARLY" and _count(rule, "BYMONTH"):
        per_period *= _count(rule, "BYMONTH")
    for part, finer_than in (("BYHOUR", "DAILY"), ("BYMINUTE", "HOURLY"), ("BYSECOND", "MINUTELY")):
        if level <= _ORDER.index(finer_than) and _count(rule, part):
            per_period *= _count(rule, part)
    return math.ceil(periods) * per_period + 1  # + 1: DTSTART always counts as an occurrence


def in_window_estimate(rule: Any, window_start: dt.datetime, window_end: dt.datetime) -> int:
    """Upper bound of a rule's occurrences inside the window (used to refuse before expanding)."""
    return rule_iterations(rule, window_start, window_end)


def check_rule_budget(
    components: list[Any], window_start: dt.datetime, window_end: dt.datetime, limits: ReadLimits
) -> None:
    """Refuse a calendar whose recurrence rules would cost more than the budget to expand."""
    total = 0
    for component in components:
        rules = component.get("RRULE")
        if rules is None:
            _check_date_lists(component, limits)
            continue
        start = _as_utc(component.decoded("DTSTART")) if "DTSTART" in component else None
        if start is None:
            raise CalendarParseError("recurring event without a valid DTSTART")
        for rule in rules if isinstance(rules, list) else [rules]:
            total += rule_iterations(rule, start, window_end)
            if total > limits.max_rrule_iterations:
                raise CalendarParseError(
                    f"recurrence rules too expensive to expand (limit {limits.max_rrule_iterations} steps)"
                )
            if in_window_estimate(rule, max(start, window_start), window_end) > limits.max_occurrences:
                raise CalendarParseError(
                    f"recurrence rule too dense for the window (limit {limits.max_occurrences} occurrences)"
                )
        _check_date_lists(component, limits)


def _check_date_lists(component: Any, limits: ReadLimits) -> None:
    dates = 0
    for name in ("RDATE", "EXDATE"):
        values = component.get(name)
        if values is None:
            continue
        for prop in values if isinstance(values, list) else [values]:
            dates += len(getattr(prop, "dts", ()) or ())
    if dates > limits.max_dates_per_event:
        raise CalendarParseError(
            f"too many RDATE/EXDATE values in one event (limit {limits.max_dates_per_event})"
        )
