"""The hand-written iCalendar serialiser, checked against icalendar's parser."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import icalendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.calendars.ical_read import expand_busy
from app.calendars.ical_text import fold, vtimezone
from app.calendars.ical_write import CalendarEvent, render_event, render_feed

PARIS = ZoneInfo("Europe/Paris")
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=PARIS)
MODIFIED = dt.datetime(2026, 2, 1, 10, 0, tzinfo=dt.UTC)


def make(uid: str = "appt-1@permanence", start: dt.datetime = T0, minutes: int = 20, **kw) -> CalendarEvent:
    fields = {"sequence": 0, "tz": "Europe/Paris", "summary": "Consultation", "last_modified": MODIFIED}
    fields.update(kw)
    return CalendarEvent(uid=uid, start=start, end=start + dt.timedelta(minutes=minutes), **fields)


def only_event(data: bytes) -> icalendar.Event:
    events = icalendar.Calendar.from_ical(data).walk("VEVENT")
    assert len(events) == 1
    return events[0]


def test_single_event_round_trips_through_icalendar():
    event = make(sequence=3, description="Motif : suivi\nRappeler le patient", status="CONFIRMED")
    data = render_event(event)
    parsed = only_event(data)
    assert str(parsed["UID"]) == "appt-1@permanence"
    assert int(parsed["SEQUENCE"]) == 3
    assert parsed["DTSTART"].dt == T0
    assert parsed["DTSTART"].params["TZID"] == "Europe/Paris"
    assert parsed["DTEND"].dt == T0 + dt.timedelta(minutes=20)
    assert str(parsed["SUMMARY"]) == "Consultation"
    assert str(parsed["DESCRIPTION"]) == "Motif : suivi\nRappeler le patient"
    assert str(parsed["STATUS"]) == "CONFIRMED"
    assert parsed["LAST-MODIFIED"].dt == MODIFIED
    assert b"BEGIN:VTIMEZONE\r\nTZID:Europe/Paris" in data
    assert data.endswith(b"END:VCALENDAR\r\n")


def test_cancelled_event_is_transparent_and_free():
    data = render_feed(
        [make(status="CANCELLED", sequence=1), make("appt-2", T0 + dt.timedelta(hours=1))],
        name="Dr A",
        tz="Europe/Paris",
    )
    busy = expand_busy(data, "Europe/Paris", T0 - dt.timedelta(days=1), T0 + dt.timedelta(days=1))
    assert [b.uid for b in busy] == ["appt-2"]


def test_vtimezone_matches_zoneinfo_on_both_sides_of_each_change():
    lines = vtimezone("Europe/Paris", 2025, 2027)
    text = "\r\n".join(lines)
    # Spring onset is written in the local time before the change: 02:00, not 03:00.
    assert "20260329T020000" in text
    assert "20261025T030000" in text
    data = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n" + text + "\r\nEND:VCALENDAR\r\n").encode()
    tz = icalendar.Calendar.from_ical(data).walk("VTIMEZONE")[0].to_tz()
    for instant in [
        dt.datetime(2026, 3, 29, 0, 59, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 29, 1, 1, tzinfo=dt.UTC),
        dt.datetime(2026, 10, 25, 0, 59, tzinfo=dt.UTC),
        dt.datetime(2026, 10, 25, 1, 1, tzinfo=dt.UTC),
        dt.datetime(2027, 7, 1, tzinfo=dt.UTC),
    ]:
        assert instant.astimezone(tz).utcoffset() == instant.astimezone(PARIS).utcoffset(), instant


def test_zone_without_dst_has_one_observance():
    lines = vtimezone("Indian/Reunion", 2025, 2027)
    assert lines.count("BEGIN:STANDARD") == 1
    assert "BEGIN:DAYLIGHT" not in lines
    assert "TZOFFSETTO:+0400" in lines


def test_utc_events_need_no_vtimezone():
    data = render_event(make(tz="UTC"))
    assert b"VTIMEZONE" not in data
    assert b"DTSTART:20260302T080000Z" in data


def test_feed_is_deterministic_and_parses():
    events = [make(f"a{i}", T0 + dt.timedelta(days=i), sequence=i % 3) for i in range(50)]
    one = render_feed(events, name="Dr Martin, cabinet", tz="Europe/Paris")
    two = render_feed(events, name="Dr Martin, cabinet", tz="Europe/Paris")
    assert one == two
    cal = icalendar.Calendar.from_ical(one)
    assert b"\r\nNAME:Dr Martin\\, cabinet\r\n" in one  # TEXT escaping (icalendar keeps NAME raw)
    assert len(cal.walk("VEVENT")) == 50
    busy = expand_busy(one, "Europe/Paris", T0 - dt.timedelta(days=1), T0 + dt.timedelta(days=60))
    assert len(busy) == 50


def test_feed_across_dst_keeps_local_times():
    summer = dt.datetime(2026, 7, 1, 9, tzinfo=PARIS)
    data = render_feed([make("w", T0), make("s", summer)], name="x", tz="Europe/Paris")
    starts = {str(e["UID"]): e["DTSTART"].dt for e in icalendar.Calendar.from_ical(data).walk("VEVENT")}
    assert starts["s"].utcoffset() == dt.timedelta(hours=2)
    assert starts["w"].utcoffset() == dt.timedelta(hours=1)


def test_invalid_events_are_refused():
    with pytest.raises(ValueError):
        make(start=dt.datetime(2026, 3, 2, 9))
    with pytest.raises(ValueError):
        make(minutes=-5)
    with pytest.raises(ValueError):
        make(uid="a\nb")


def test_fold_never_splits_a_multibyte_character():
    line = "SUMMARY:" + "é" * 100
    folded = fold(line)
    for part in folded.split("\r\n"):
        assert len(part.encode()) <= 75
    assert folded.replace("\r\n ", "") == line


texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300)


@settings(max_examples=150, deadline=None)
@given(
    summary=texts,
    description=texts,
    uid=st.text(
        alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"),
        min_size=1,
        max_size=80,
    ),
)
def test_any_text_round_trips_and_lines_stay_short(summary: str, description: str, uid: str):
    data = render_event(make(uid=uid, summary=summary, description=description or None))
    for line in data.split(b"\r\n"):
        assert len(line) <= 75
    parsed = only_event(data)

    def norm(value: str) -> str:
        value = re.sub(r"\r\n|\r|\n", "\n", value)
        return re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", value)

    assert str(parsed["SUMMARY"]) == norm(summary)
    if description:
        assert str(parsed["DESCRIPTION"]) == norm(description)
    assert str(parsed["UID"]) == norm(uid)
