"""Agenda sources synchronised into stored busy intervals (iCal link, file, failures, freshness)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, col, select

from app.calendars import service, sync
from app.calendars.models import AgendaObject, AgendaSource, BusyInterval
from app.core import outbox
from tests.calendars.ics_http import Published, ics_http_server
from tests.factories import Factory

FIXTURES = Path(__file__).parent / "fixtures"
PARIS = ZoneInfo("Europe/Paris")
NOW = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
WINDOW = (NOW, NOW + dt.timedelta(days=60))


WEEKLY_FROM_2026 = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:t\r\nBEGIN:VEVENT\r\nUID:weekly@test\r\n"
    b"DTSTART;TZID=Europe/Paris:20260105T123000\r\nDTEND;TZID=Europe/Paris:20260105T133000\r\n"
    b"RRULE:FREQ=WEEKLY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


def paris(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS).astimezone(dt.UTC)


@pytest.fixture
def site() -> Iterator[Published]:
    with ics_http_server() as state:
        yield state


def stored(db: Session, source: AgendaSource) -> list[tuple[dt.datetime, dt.datetime]]:
    rows = db.scalars(
        select(BusyInterval).where(BusyInterval.source_id == source.id).order_by(col(BusyInterval.start_at))
    )
    return [(r.start_at, r.end_at) for r in rows]


def test_file_source_loads_busy_time(db: Session, make: Factory):
    practice = make.practice()
    doctor = make.practitioner(practice)
    source = service.load_demo_agenda(db, doctor, FIXTURES / "recurrence_id_override.ics", NOW)
    assert source.status == "ok" and source.last_error is None
    busy = service.busy_intervals(db, [doctor.id], *WINDOW)
    assert busy[doctor.id] == [
        (paris(2026, 3, 2, 16, 30), paris(2026, 3, 2, 17, 15)),
        (paris(2026, 3, 3, 11), paris(2026, 3, 3, 11, 45)),
        (paris(2026, 3, 5, 16, 30), paris(2026, 3, 5, 17, 15)),
    ]
    assert source.url is not None and "recurrence_id_override" not in source.url.token


def test_ics_url_sync_uses_304_and_replaces_on_change(db: Session, make: Factory, site: Published):
    practice = make.practice()
    doctor = make.practitioner(practice)
    site.publish("/dr.ics", (FIXTURES / "exdate.ics").read_bytes())
    source = service.set_source(db, doctor, "ics_url", url=site.url("/dr.ics"), now=NOW)
    service.sync_source(db, source, NOW)
    assert len(stored(db, source)) == 4
    service.sync_source(db, source, NOW + dt.timedelta(minutes=15))
    assert site.hits[-1] == ("/dr.ics", 304)
    assert len(stored(db, source)) == 4
    site.publish("/dr.ics", (FIXTURES / "rdate.ics").read_bytes())
    service.sync_source(db, source, NOW + dt.timedelta(minutes=30))
    assert stored(db, source)[0] == (paris(2026, 3, 2, 14), paris(2026, 3, 2, 16))
    assert len(stored(db, source)) == 3


def test_broken_document_keeps_the_last_good_intervals(db: Session, make: Factory, site: Published):
    practice = make.practice()
    doctor = make.practitioner(practice)
    site.publish("/dr.ics", (FIXTURES / "exdate.ics").read_bytes())
    source = service.set_source(db, doctor, "ics_url", url=site.url("/dr.ics"), now=NOW)
    service.sync_source(db, source, NOW)
    good = stored(db, source)
    site.publish("/dr.ics", (FIXTURES / "invalid_dates.ics").read_bytes())
    later = NOW + dt.timedelta(hours=1)
    service.sync_source(db, source, later)
    assert source.status == "error" and "DTSTART" in (source.last_error or "")
    assert "Secret" not in (source.last_error or "")
    assert stored(db, source) == good
    status = service.sync_status(db, [doctor.id], later)[doctor.id]
    assert status.last_synced_at == NOW and status.age_seconds == 3600
    # Retried sooner than the normal interval, then healthy again once fixed.
    assert source.next_sync_at is not None and source.next_sync_at <= later + dt.timedelta(minutes=15)
    site.publish("/dr.ics", (FIXTURES / "rdate.ics").read_bytes())
    service.sync_source(db, source, later + dt.timedelta(minutes=5))
    assert source.status == "ok" and source.last_error is None and len(stored(db, source)) == 3


def test_unreachable_or_slow_remote_is_recorded_not_raised(
    db: Session, make: Factory, site: Published, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(sync, "REMOTE_TIMEOUT", 1.0)
    practice = make.practice()
    doctor = make.practitioner(practice)
    site.publish("/dr.ics", (FIXTURES / "exdate.ics").read_bytes())
    source = service.set_source(db, doctor, "ics_url", url=site.url("/dr.ics"), now=NOW)
    service.sync_source(db, source, NOW)
    site.delay = 3.0  # longer than the remote timeout
    service.sync_source(db, source, NOW + dt.timedelta(minutes=20))
    assert source.status == "error" and "timed out" in (source.last_error or "")
    assert len(service.busy_intervals(db, [doctor.id], *WINDOW)[doctor.id]) == 4


def test_horizon_rolls_forward_daily(db: Session, make: Factory):
    practice = make.practice()
    doctor = make.practitioner(practice)
    source = service.load_demo_agenda(db, doctor, FIXTURES / "yearly_holiday.ics")
    first = source.expanded_until
    assert first is not None
    service.sync_source(db, source, dt.datetime.now(dt.UTC) + dt.timedelta(days=200))
    assert source.expanded_until is not None and source.expanded_until > first + dt.timedelta(days=199)


def test_switching_to_internal_forgets_remote_busy_time(db: Session, make: Factory):
    practice = make.practice()
    doctor = make.practitioner(practice)
    source = service.load_demo_agenda(db, doctor, FIXTURES / "exdate.ics", NOW)
    assert stored(db, source)
    service.set_source(db, doctor, "internal")
    assert stored(db, source) == []
    assert db.scalars(select(AgendaObject).where(AgendaObject.source_id == source.id)).all() == []
    assert source.url is None and source.status == "never"


def test_outbox_job_performs_the_sync(db: Session, make: Factory, site: Published):
    practice = make.practice()
    doctor = make.practitioner(practice)
    site.publish("/dr.ics", WEEKLY_FROM_2026)
    source = service.set_source(db, doctor, "ics_url", url=site.url("/dr.ics"))
    job = service.request_sync(db, source)
    job.status = "running"
    assert outbox.perform(db, job.id) == "done"
    assert source.status == "ok" and stored(db, source)


def test_stale_sources_lists_old_or_never_synced(db: Session, make: Factory):
    practice = make.practice()
    fresh, never = make.practitioner(practice, "Dr A"), make.practitioner(practice, "Dr B")
    service.load_demo_agenda(db, fresh, FIXTURES / "exdate.ics", dt.datetime.now(dt.UTC))
    service.set_source(db, never, "ics_url", url="https://example.invalid/x.ics")
    ids = {
        s.practitioner_id for s in service.stale_sources(db, dt.datetime.now(dt.UTC), dt.timedelta(hours=1))
    }
    assert never.id in ids and fresh.id not in ids


def test_agenda_secrets_follow_key_rotation(db: Session, make: Factory):
    from app.crypto import rotation

    practice = make.practice()
    doctor = make.practitioner(practice)
    source = service.load_demo_agenda(db, doctor, FIXTURES / "exdate.ics", NOW)
    assert source.url is not None
    before = source.url.token
    rotation.run(db, rotation.open_job(db, practice.id))
    db.refresh(source)
    assert source.url is not None and source.url.token != before
    assert rotation.rows_on_old_versions(db, practice.id) == 0
    service.sync_source(
        db, source, NOW + dt.timedelta(days=2)
    )  # refresh: the file path opens with the new key
    assert source.status == "ok", source.last_error


def test_changing_the_link_keeps_busy_time_until_the_new_one_syncs(
    db: Session, make: Factory, site: Published
):
    practice = make.practice()
    doctor = make.practitioner(practice)
    site.publish("/old.ics", (FIXTURES / "exdate.ics").read_bytes())
    source = service.set_source(db, doctor, "ics_url", url=site.url("/old.ics"), now=NOW)
    service.sync_source(db, source, NOW)
    old = stored(db, source)
    assert len(old) == 4
    service.set_source(db, doctor, "ics_url", url=site.url("/new.ics"), now=NOW)  # not published yet: 404
    assert stored(db, source) == old and source.status == "never"
    service.sync_source(db, source, NOW)
    assert source.status == "error" and stored(db, source) == old
    site.publish("/new.ics", (FIXTURES / "rdate.ics").read_bytes())
    service.sync_source(db, source, NOW + dt.timedelta(minutes=5))
    assert source.status == "ok" and len(stored(db, source)) == 3 and stored(db, source) != old


def test_moving_from_caldav_style_objects_to_a_link_drops_the_old_objects(
    db: Session, make: Factory, site: Published
):
    practice = make.practice()
    doctor = make.practitioner(practice)
    source = service.load_demo_agenda(db, doctor, FIXTURES / "exdate.ics", NOW)
    db.add(AgendaObject(practice_id=practice.id, source_id=source.id, href="/cal/old.ics", etag='"1"'))
    db.add(
        BusyInterval(
            practice_id=practice.id, practitioner_id=doctor.id, source_id=source.id, href="/cal/old.ics",
            start_at=paris(2026, 3, 20, 9), end_at=paris(2026, 3, 20, 10),
        )
    )  # fmt: skip
    db.flush()
    site.publish("/dr.ics", (FIXTURES / "rdate.ics").read_bytes())
    service.set_source(db, doctor, "ics_url", url=site.url("/dr.ics"), now=NOW)
    service.sync_source(db, source, NOW)
    assert len(stored(db, source)) == 3
    assert db.scalars(select(AgendaObject.href).where(AgendaObject.source_id == source.id)).all() == [""]
