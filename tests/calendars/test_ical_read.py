"""Busy-time expansion: one fixture per iCalendar case (tests/calendars/fixtures/*.ics)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from app.calendars.ical_read import BusyInterval, expand_busy, merge_busy

FIXTURES = Path(__file__).parent / "fixtures"
PARIS = ZoneInfo("Europe/Paris")
REUNION = ZoneInfo("Indian/Reunion")
UTC = dt.UTC


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def paris(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS).astimezone(UTC)


def busy(
    name: str, start: dt.datetime, end: dt.datetime, tz: str = "Europe/Paris", **kw
) -> list[BusyInterval]:
    return expand_busy((FIXTURES / name).read_bytes(), tz, start, end, **kw)


def spans(intervals: list[BusyInterval]) -> list[tuple[dt.datetime, dt.datetime]]:
    return [(i.start, i.end) for i in intervals]


MARCH = (utc(2026, 3, 1), utc(2026, 5, 1))


def test_rrule_weekly_keeps_local_time_across_dst():
    result = busy("rrule_weekly.ics", *MARCH)
    assert spans(result) == [
        (paris(2026, 3, 17, 12, 30), paris(2026, 3, 17, 14)),
        (paris(2026, 3, 24, 12, 30), paris(2026, 3, 24, 14)),
        (paris(2026, 3, 31, 12, 30), paris(2026, 3, 31, 14)),
        (paris(2026, 4, 7, 12, 30), paris(2026, 4, 7, 14)),
        (paris(2026, 4, 14, 12, 30), paris(2026, 4, 14, 14)),
    ]
    # 12:30 Paris is 11:30Z in winter and 10:30Z in summer.
    assert result[1].start == utc(2026, 3, 24, 11, 30)
    assert result[2].start == utc(2026, 3, 31, 10, 30)
    assert {i.uid for i in result} == {"staff-meeting@test"}
    assert result[0].recurrence_id == "20260317T113000Z"


def test_rdate_adds_occurrences_with_the_event_duration():
    result = busy("rdate.ics", *MARCH)
    assert spans(result) == [
        (paris(2026, 3, 2, 14), paris(2026, 3, 2, 16)),
        (paris(2026, 3, 5, 14), paris(2026, 3, 5, 16)),
        (paris(2026, 3, 12, 16), paris(2026, 3, 12, 18)),
    ]


def test_exdate_removes_an_occurrence():
    result = busy("exdate.ics", *MARCH)
    days = [i.start.astimezone(PARIS).day for i in result]
    assert days == [2, 3, 5, 6]


def test_recurrence_id_override_moves_and_cancels_occurrences():
    result = busy("recurrence_id_override.ics", *MARCH)
    assert spans(result) == [
        (paris(2026, 3, 2, 16, 30), paris(2026, 3, 2, 17, 15)),
        (paris(2026, 3, 3, 11), paris(2026, 3, 3, 11, 45)),  # moved to the morning
        (paris(2026, 3, 5, 16, 30), paris(2026, 3, 5, 17, 15)),  # 4 March cancelled
    ]
    # The moved occurrence keeps the identity of the occurrence it replaces.
    assert result[1].recurrence_id == "20260303T153000Z"


def test_all_day_events_block_whole_local_days_including_dst_day():
    result = busy("all_day.ics", *MARCH)
    assert spans(result) == [
        (paris(2026, 3, 28), paris(2026, 3, 30)),  # 28 + 29 March, the 29th lasts 23 h
        (paris(2026, 4, 6), paris(2026, 4, 7)),  # no DTEND: one day
    ]
    assert result[0].end - result[0].start == dt.timedelta(hours=47)
    assert result[0].start == utc(2026, 3, 27, 23)


def test_transparent_events_are_free():
    result = busy("transparent.ics", *MARCH)
    assert [i.uid for i in result] == ["opaque@test"]


def test_cancelled_events_are_free():
    result = busy("cancelled.ics", *MARCH)
    assert [i.uid for i in result] == ["confirmed@test"]


def test_tentative_is_busy_by_default_and_configurable():
    assert [i.uid for i in busy("tentative.ics", *MARCH)] == ["tentative@test"]
    assert busy("tentative.ics", *MARCH, tentative_is_busy=False) == []


def test_custom_vtimezone_definition_is_honoured():
    result = busy("vtimezone_custom.ics", *MARCH)
    assert spans(result) == [
        (utc(2026, 3, 26, 8), utc(2026, 3, 26, 9)),  # CET, +01:00
        (utc(2026, 4, 2, 7), utc(2026, 4, 2, 8)),  # CEST, +02:00
    ]


def test_windows_zone_name_maps_to_europe_paris():
    result = busy("windows_tz.ics", *MARCH, tz="Indian/Reunion")
    assert spans(result) == [
        (paris(2026, 3, 26, 9), paris(2026, 3, 26, 10)),
        (paris(2026, 4, 2, 9), paris(2026, 4, 2, 10)),
    ]


def test_floating_times_are_read_in_the_practitioner_zone():
    in_paris = busy("floating.ics", *MARCH)
    in_reunion = busy("floating.ics", *MARCH, tz="Indian/Reunion")
    assert spans(in_paris) == [(utc(2026, 3, 2, 8), utc(2026, 3, 2, 9))]
    assert spans(in_reunion) == [(utc(2026, 3, 2, 5), utc(2026, 3, 2, 6))]


def test_x_wr_timezone_google_export():
    # Google writes UTC times and names the calendar's zone in X-WR-TIMEZONE: a weekly 09:00
    # event must stay at 09:00 Paris time after the spring change, and floating times are Paris.
    result = busy("x_wr_timezone.ics", *MARCH, tz="Indian/Reunion")
    assert spans(result) == [
        (paris(2026, 3, 2, 15), paris(2026, 3, 2, 16)),
        (paris(2026, 3, 26, 9), paris(2026, 3, 26, 10)),
        (paris(2026, 4, 2, 9), paris(2026, 4, 2, 10)),
    ]


def test_dst_changeovers_in_paris():
    result = busy("dst_paris.ics", utc(2026, 3, 1), utc(2026, 12, 1))
    by_uid: dict[str, list[BusyInterval]] = {}
    for item in result:
        by_uid.setdefault(item.uid, []).append(item)
    # Daily 09:00 across the last Sunday of October: 07:00Z, then 08:00Z.
    assert [i.start for i in by_uid["daily-nine@test"]] == [
        utc(2026, 10, 24, 7),
        utc(2026, 10, 25, 8),
        utc(2026, 10, 26, 8),
    ]
    # 01:30 → 04:00 on the spring-forward night lasts 1.5 h; on the autumn night 3.5 h.
    spring = by_uid["night-spring@test"][0]
    autumn = by_uid["night-autumn@test"][0]
    assert (spring.start, spring.end) == (utc(2026, 3, 29, 0, 30), utc(2026, 3, 29, 2))
    assert (autumn.start, autumn.end) == (utc(2026, 10, 24, 23, 30), utc(2026, 10, 25, 3))


def test_indian_reunion_has_no_dst_and_all_day_is_local():
    result = busy("reunion.ics", utc(2026, 3, 1), utc(2027, 1, 1), tz="Indian/Reunion")
    assert spans(result) == [
        (utc(2026, 3, 24, 4), utc(2026, 3, 24, 5)),
        (utc(2026, 3, 31, 4), utc(2026, 3, 31, 5)),
        (utc(2026, 12, 19, 20), utc(2026, 12, 20, 20)),
    ]


def test_yearly_series_started_long_ago_expands_only_in_window():
    result = busy("yearly_holiday.ics", utc(2026, 1, 1), utc(2027, 1, 1))
    assert spans(result) == [(paris(2026, 7, 14), paris(2026, 7, 15))]
    assert result[0].recurrence_id == "20260714"


def test_intervals_are_clipped_to_the_window():
    result = busy("all_day.ics", paris(2026, 3, 29, 12), paris(2026, 3, 29, 13))
    assert spans(result) == [(paris(2026, 3, 29, 12), paris(2026, 3, 29, 13))]


def test_no_text_of_the_event_is_kept():
    for item in busy("recurrence_id_override.ics", *MARCH):
        assert "école" not in repr(item)
        assert not hasattr(item, "summary")


def test_merge_busy_joins_overlapping_and_touching_intervals():
    a = BusyInterval(utc(2026, 3, 2, 8), utc(2026, 3, 2, 9), "a")
    b = BusyInterval(utc(2026, 3, 2, 8, 30), utc(2026, 3, 2, 10), "b")
    c = BusyInterval(utc(2026, 3, 2, 10), utc(2026, 3, 2, 11), "c")
    d = (utc(2026, 3, 2, 12), utc(2026, 3, 2, 13))
    e = BusyInterval(utc(2026, 3, 2, 12, 15), utc(2026, 3, 2, 12, 45), "e")
    assert merge_busy([d, c, b, a, e]) == [
        (utc(2026, 3, 2, 8), utc(2026, 3, 2, 11)),
        (utc(2026, 3, 2, 12), utc(2026, 3, 2, 13)),
    ]


def test_window_requires_aware_datetimes():
    with pytest.raises(ValueError):
        expand_busy(b"", "Europe/Paris", dt.datetime(2026, 1, 1), utc(2026, 2, 1))


def test_orphan_override_without_its_series_is_still_busy():
    result = busy("orphan_override.ics", *MARCH)
    assert spans(result) == [(paris(2026, 3, 10, 15), paris(2026, 3, 10, 16))]
    assert result[0].recurrence_id == "20260310T130000Z"


def test_several_vcalendars_in_one_file():
    result = busy("multiple_calendars.ics", *MARCH)
    assert [i.uid for i in result] == ["first@test", "second@test"]


def test_exdate_in_utc_removes_local_occurrences_across_dst():
    result = busy("exdate_utc.ics", *MARCH)
    days = [i.start.astimezone(PARIS).day for i in result]
    # 25 March (winter, 08:00Z), 30 March and 1 April (summer, 07:00Z) are excluded.
    assert days == [23, 24, 26, 27, 28, 29, 31]
    assert all(i.start.astimezone(PARIS).hour == 9 for i in result)


def test_all_day_with_duration_and_weekly_all_day_series():
    result = busy("all_day_duration.ics", *MARCH)
    assert spans(result) == [
        (paris(2026, 3, 2), paris(2026, 3, 3)),
        (paris(2026, 3, 9), paris(2026, 3, 10)),
        (paris(2026, 3, 10), paris(2026, 3, 13)),
        (paris(2026, 3, 16), paris(2026, 3, 17)),
    ]
    assert merge_busy(result)[1] == (paris(2026, 3, 9), paris(2026, 3, 13))


def test_libical_global_tzid_and_unknown_tzid():
    result = busy("tzid_variants.ics", *MARCH, tz="Indian/Reunion")
    # "/freeassociation.sourceforge.net/Europe/Paris" (Evolution, Thunderbird) is Paris time;
    # an unknown TZID without VTIMEZONE is read like a floating time, in the practice's zone.
    assert spans(result) == [
        (paris(2026, 3, 2, 9), paris(2026, 3, 2, 10)),
        (utc(2026, 3, 3, 5), utc(2026, 3, 3, 6)),
    ]
