"""The recurrence budget is an upper bound: an accepted rule never yields more than estimated."""

from __future__ import annotations

import datetime as dt

import icalendar
from hypothesis import given, settings
from hypothesis import strategies as st

from app.calendars.errors import CalendarParseError
from app.calendars.ical_guard import ReadLimits, in_window_estimate
from app.calendars.ical_read import expand_busy

START = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
END = START + dt.timedelta(days=30)
DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]

rules = st.builds(
    lambda freq, interval, byday, byhour, byminute, bymonthday: ";".join(
        part
        for part in (
            f"FREQ={freq}",
            f"INTERVAL={interval}",
            f"BYDAY={','.join(byday)}" if byday else "",
            f"BYHOUR={','.join(map(str, byhour))}" if byhour else "",
            f"BYMINUTE={','.join(map(str, byminute))}" if byminute else "",
            f"BYMONTHDAY={','.join(map(str, bymonthday))}"
            if bymonthday and freq in ("MONTHLY", "YEARLY")
            else "",
        )
        if part
    ),
    st.sampled_from(["HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"]),
    st.integers(1, 3),
    st.lists(st.sampled_from(DAYS), unique=True, max_size=3),
    st.lists(st.integers(0, 23), unique=True, max_size=3),
    st.lists(st.sampled_from([0, 15, 30, 45]), unique=True, max_size=2),
    st.lists(st.integers(1, 28), unique=True, max_size=3),
)


@settings(max_examples=100, deadline=None)
@given(rules, st.integers(0, 60))
def test_accepted_rules_stay_within_their_estimate(rule: str, days_before: int):
    dtstart = START - dt.timedelta(days=days_before)
    stamp = dtstart.strftime("%Y%m%dT%H%M%SZ")
    data = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:t\r\nBEGIN:VEVENT\r\nUID:r\r\n"
        f"DTSTART:{stamp}\r\nDURATION:PT1M\r\nRRULE:{rule}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()
    try:
        got = expand_busy(data, "Europe/Paris", START, END, limits=ReadLimits(max_occurrences=10**6))
    except CalendarParseError:
        return
    parsed = icalendar.Calendar.from_ical(data).walk("VEVENT")[0]["RRULE"]
    assert len(got) <= in_window_estimate(parsed, max(dtstart, START), END)
