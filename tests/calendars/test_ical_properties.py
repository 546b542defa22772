"""Properties: what ical_write writes, ical_read reads back as exactly the busy time, for any events."""

from __future__ import annotations

import datetime as dt
import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from app.calendars.ical_read import expand_busy, merge_busy
from app.calendars.ical_write import CalendarEvent, render_feed

BASE = dt.datetime(2026, 3, 20, tzinfo=dt.UTC)  # spans the last Sunday of March (DST change in Paris)
WINDOW = (BASE + dt.timedelta(days=2), BASE + dt.timedelta(days=12))
ZONES = ["Europe/Paris", "Indian/Reunion", "America/Martinique", "UTC"]

events = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=14 * 24 * 4),  # start, in quarter hours from BASE
        st.integers(min_value=0, max_value=40),  # duration, in quarter hours
        st.sampled_from(["CONFIRMED", "CANCELLED", "TENTATIVE"]),
        st.sampled_from(ZONES),
    ),
    max_size=25,
)


def build(spec: list[tuple[int, int, str, str]]) -> list[CalendarEvent]:
    modified = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    return [
        CalendarEvent(
            uid=f"e{i}", sequence=0, start=BASE + dt.timedelta(minutes=15 * s),
            end=BASE + dt.timedelta(minutes=15 * (s + d)), tz=tz, summary="x", last_modified=modified,
            status=status,  # type: ignore[arg-type]
        )
        for i, (s, d, status, tz) in enumerate(spec)
    ]  # fmt: skip


def covered(spans: list[tuple[dt.datetime, dt.datetime]]) -> set[int]:
    """Quarter hours (from BASE) covered by the spans."""
    out: set[int] = set()
    for start, end in spans:
        q = int((start - BASE).total_seconds() // 900)
        while BASE + dt.timedelta(minutes=15 * q) < end:
            out.add(q)
            q += 1
    return out


@settings(max_examples=60, deadline=None)
@given(events, st.booleans(), st.sampled_from(ZONES))
def test_written_events_read_back_as_their_busy_time(spec, tentative_busy: bool, practice_tz: str):
    written = build(spec)
    data = render_feed(written, name="p", tz=practice_tz)
    busy = expand_busy(data, practice_tz, *WINDOW, tentative_is_busy=tentative_busy)
    expected = [
        (max(e.start, WINDOW[0]), min(e.end, WINDOW[1]))
        for e in written
        if e.status == "CONFIRMED" or (e.status == "TENTATIVE" and tentative_busy)
    ]
    expected = [(s, e) for s, e in expected if s < e]
    assert sorted((b.start, b.end) for b in busy) == sorted(expected)
    assert all(WINDOW[0] <= b.start < b.end <= WINDOW[1] for b in busy)
    merged = merge_busy(busy)
    assert all(a[1] < b[0] for a, b in itertools.pairwise(merged))  # disjoint, not touching
    assert covered(merged) == covered([(b.start, b.end) for b in busy])
