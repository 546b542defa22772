"""Wall-clock ↔ UTC conversion for one local day, and sorted busy timelines searched by bisection (pure)."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
MINUTES_PER_DAY = 1440


def to_ts(moment: datetime) -> int:
    """POSIX seconds of an aware datetime (naive values are refused: stored times are UTC)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: times must carry an offset")
    return int(moment.timestamp())


def from_ts(ts: int, tz: ZoneInfo) -> datetime:
    """Aware datetime in `tz` (with the right offset and fold) for POSIX seconds."""
    return datetime.fromtimestamp(ts, tz)


def utc(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _offset_at_midnight(day: date, tz: ZoneInfo) -> int:
    offset = datetime.combine(day, time(0), tzinfo=tz).utcoffset()
    assert offset is not None
    return int(offset.total_seconds())


class LocalDay:
    """One calendar date in a zone: converts wall-clock minutes of that date to POSIX seconds.

    Days whose UTC offset is the same at both midnights take the arithmetic fast path; DST days (and any
    other offset change) go through zoneinfo minute by minute, so they are right by construction.
    """

    __slots__ = ("_base", "_offset", "constant", "day", "tz")

    def __init__(self, day: date, tz: ZoneInfo) -> None:
        self.day = day
        self.tz = tz
        self._base = (day.toordinal() - _EPOCH_ORDINAL) * 86400
        first = _offset_at_midnight(day, tz)
        self._offset = first
        self.constant = first == _offset_at_midnight(day + timedelta(days=1), tz)

    def ts(self, minute: int) -> int | None:
        """POSIX seconds of wall time `minute` (0…1440) on this day; None when that wall time never occurs."""
        if self.constant:
            return self._base + minute * 60 - self._offset
        day = self.day + timedelta(days=minute // MINUTES_PER_DAY)
        rest = minute % MINUTES_PER_DAY
        wall = datetime.combine(day, time(rest // 60, rest % 60))
        ts = int(wall.replace(tzinfo=self.tz).timestamp())  # fold=0: the first of two repeated times
        if datetime.fromtimestamp(ts, self.tz).replace(tzinfo=None) != wall:
            return None  # inside a spring-forward gap
        return ts

    def ts_at_or_after(self, minute: int) -> int:
        """Like `ts`, but a wall time inside a gap maps to the end of the gap (used for interval ends)."""
        found = self.ts(minute)
        while found is None:
            minute += 1
            found = self.ts(minute)
        return found


class Timeline:
    """Disjoint, sorted busy intervals in POSIX seconds; overlap queries by bisection."""

    __slots__ = ("ends", "starts")

    def __init__(self, starts: list[int], ends: list[int]) -> None:
        self.starts = starts
        self.ends = ends

    @classmethod
    def from_seconds(cls, pairs: Iterable[tuple[int, int]]) -> Timeline:
        """Sort and merge [start, end) pairs; empty and inverted pairs are dropped."""
        starts: list[int] = []
        ends: list[int] = []
        for start, end in sorted(pairs):
            if end <= start:
                continue
            if ends and start <= ends[-1]:
                if end > ends[-1]:
                    ends[-1] = end
            else:
                starts.append(start)
                ends.append(end)
        return cls(starts, ends)

    @classmethod
    def from_datetimes(cls, pairs: Iterable[tuple[datetime, datetime]]) -> Timeline:
        return cls.from_seconds((to_ts(start), to_ts(end)) for start, end in pairs)

    def __len__(self) -> int:
        return len(self.starts)

    def blocking_end(self, start: int, end: int) -> int | None:
        """End of the busy interval overlapping [start, end), or None when that span is free."""
        i = bisect_right(self.ends, start)
        if i < len(self.starts) and self.starts[i] < end:
            return self.ends[i]
        return None

    def window(self, start: int, end: int) -> Timeline:
        """The intervals that overlap [start, end) (a cheap slice)."""
        lo = bisect_right(self.ends, start)
        hi = bisect_left(self.starts, end)
        return Timeline(self.starts[lo:hi], self.ends[lo:hi])
