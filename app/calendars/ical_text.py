"""RFC 5545 text primitives: TEXT escaping, content-line folding, date-time values, VTIMEZONE (pure)."""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from zoneinfo import ZoneInfo

# CTLs other than HTAB are not allowed in iCalendar values (RFC 5545 §3.1); newlines are escaped.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_NEWLINE = re.compile(r"\r\n|\r|\n")
_LINE_OCTETS = 75


def escape_text(value: str) -> str:
    """Escape a TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma, newline."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    value = _NEWLINE.sub("\\\\n", value)
    return _CONTROL.sub("", value)


def param_value(value: str) -> str:
    """A parameter value, quoted when it holds ':', ';' or ','; DQUOTE itself is not allowed."""
    value = _CONTROL.sub("", value.replace('"', ""))
    return f'"{value}"' if any(c in value for c in ":;,") else value


def fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 sequence (RFC 5545 §3.1)."""
    if len(line) <= _LINE_OCTETS and line.isascii():
        return line
    data = line.encode()
    if len(data) <= _LINE_OCTETS:
        return line
    parts: list[str] = []
    start = 0
    limit = _LINE_OCTETS
    while start < len(data):
        stop = min(start + limit, len(data))
        while stop < len(data) and (data[stop] & 0xC0) == 0x80:  # inside a multi-byte character
            stop -= 1
        parts.append(data[start:stop].decode())
        start = stop
        limit = _LINE_OCTETS - 1  # continuation lines start with one space
    return "\r\n ".join(parts)


def utc_stamp(value: dt.datetime) -> str:
    """A UTC DATE-TIME value: 20260302T080000Z."""
    v = value.astimezone(dt.UTC)
    return f"{v.year:04d}{v.month:02d}{v.day:02d}T{v.hour:02d}{v.minute:02d}{v.second:02d}Z"


def local_stamp(value: dt.datetime, zone: ZoneInfo) -> str:
    """A local DATE-TIME value (used with TZID=): 20260302T090000."""
    v = value.astimezone(zone)
    return f"{v.year:04d}{v.month:02d}{v.day:02d}T{v.hour:02d}{v.minute:02d}{v.second:02d}"


def _offset(seconds: float) -> str:
    total = int(seconds)
    sign = "+" if total >= 0 else "-"
    total = abs(total)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours:02d}{minutes:02d}" + (f"{secs:02d}" if secs else "")


def _transitions(zone: ZoneInfo, first_year: int, last_year: int) -> list[dt.datetime]:
    """UTC instants, to the minute, at which `zone` changes offset or name within the years."""
    found: list[dt.datetime] = []
    day = dt.datetime(first_year, 1, 1, tzinfo=dt.UTC)
    end = dt.datetime(last_year + 1, 1, 1, tzinfo=dt.UTC)

    def key(t: dt.datetime) -> tuple[dt.timedelta | None, str | None]:
        local = t.astimezone(zone)
        return local.utcoffset(), local.tzname()

    while day < end:
        nxt = day + dt.timedelta(days=1)
        if key(day) != key(nxt):
            low, high = day, nxt
            while high - low > dt.timedelta(minutes=1):
                mid = low + (high - low) / 2
                low, high = (mid, high) if key(mid) == key(low) else (low, mid)
            found.append(high.replace(second=0, microsecond=0))
        day = nxt
    return found


@lru_cache(maxsize=256)
def vtimezone(tzid: str, first_year: int, last_year: int) -> tuple[str, ...]:
    """VTIMEZONE content lines for an IANA zone over whole years, from the zoneinfo database.

    Each observance's DTSTART and RDATEs are local times *before* the change (RFC 5545 §3.6.5),
    so 2026-03-29 02:00 for Paris' spring change (not 03:00).
    """
    zone = ZoneInfo(tzid)
    changes = _transitions(zone, first_year, last_year)
    start = dt.datetime(first_year, 1, 1, tzinfo=dt.UTC)
    groups: dict[tuple[float, float, str, bool], list[str]] = {}
    before = start.astimezone(zone)
    first_offset = before.utcoffset() or dt.timedelta(0)
    # The opening observance: what is in force on 1 January of the first year.
    groups[
        (
            first_offset.total_seconds(),
            first_offset.total_seconds(),
            before.tzname() or "",
            bool(before.dst()),
        )
    ] = [f"{first_year:04d}0101T000000"]
    for change in changes:
        old = (change - dt.timedelta(minutes=1)).astimezone(zone)
        new = change.astimezone(zone)
        old_offset = old.utcoffset() or dt.timedelta(0)
        new_offset = new.utcoffset() or dt.timedelta(0)
        onset = (change.replace(tzinfo=None) + old_offset).strftime("%Y%m%dT%H%M%S")
        group = (old_offset.total_seconds(), new_offset.total_seconds(), new.tzname() or "", bool(new.dst()))
        groups.setdefault(group, []).append(onset)
    lines = ["BEGIN:VTIMEZONE", f"TZID:{param_value(tzid)}"]
    for (offset_from, offset_to, name, is_dst), onsets in groups.items():
        kind = "DAYLIGHT" if is_dst else "STANDARD"
        lines += [f"BEGIN:{kind}", f"DTSTART:{onsets[0]}"]
        if len(onsets) > 1:
            lines.append(fold("RDATE:" + ",".join(onsets[1:])))
        lines += [f"TZOFFSETFROM:{_offset(offset_from)}", f"TZOFFSETTO:{_offset(offset_to)}"]
        if name:
            lines.append(f"TZNAME:{escape_text(name)}")
        lines.append(f"END:{kind}")
    lines.append("END:VTIMEZONE")
    return tuple(lines)
