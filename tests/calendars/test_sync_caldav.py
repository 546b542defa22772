"""CalDAV sources against a real Radicale, and the worker's isolation between sources."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, delete, select

from app.calendars import service, sync
from app.calendars.caldav_client import CalDAVClient, object_name
from app.calendars.ical_write import CalendarEvent, render_event
from app.calendars.models import AgendaSource, BusyInterval
from app.practices.models import Practice
from tests.calendars.ics_http import ics_http_server
from tests.factories import Factory
from tests.radicale_server import RadicaleServer

pytestmark = pytest.mark.radicale

FIXTURES = Path(__file__).parent / "fixtures"


def soon(days: int, hour: int = 9) -> dt.datetime:
    today = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    return (today + dt.timedelta(days=days)).replace(hour=hour)


def remote_event(uid: str, start: dt.datetime, sequence: int = 0) -> bytes:
    return render_event(
        CalendarEvent(
            uid=uid, sequence=sequence, start=start, end=start + dt.timedelta(hours=1), tz="Europe/Paris",
            summary="Bloc opératoire", last_modified=dt.datetime.now(dt.UTC),
        )
    )  # fmt: skip


def busy(db: Session, practitioner_id: uuid.UUID) -> list[tuple[dt.datetime, dt.datetime]]:
    now = dt.datetime.now(dt.UTC)
    return service.busy_intervals(
        db, [practitioner_id], now - dt.timedelta(days=1), now + dt.timedelta(days=120)
    ).get(practitioner_id, [])


@pytest.fixture
def agenda(radicale: RadicaleServer, calendar_url: str) -> Iterator[tuple[str, CalDAVClient]]:
    with CalDAVClient(radicale.url, radicale.username, radicale.password, timeout=5) as remote:
        yield calendar_url, remote


def caldav_source(
    db: Session, make: Factory, radicale: RadicaleServer, url: str
) -> tuple[AgendaSource, uuid.UUID]:
    doctor = make.practitioner(make.practice())
    source = service.set_source(
        db, doctor, "caldav", url=url, username=radicale.username, password=radicale.password
    )
    return source, doctor.id


def test_remote_event_appears_moves_and_disappears(
    db: Session, make: Factory, radicale: RadicaleServer, agenda
):
    url, remote = agenda
    source, doctor = caldav_source(db, make, radicale, url)
    service.sync_source(db, source)
    assert source.status == "ok" and busy(db, doctor) == []

    href = url + object_name("surgery@remote")
    etag = remote.put(href, remote_event("surgery@remote", soon(3)))
    service.sync_source(db, source)
    assert busy(db, doctor) == [(soon(3), soon(3) + dt.timedelta(hours=1))]
    token = source.sync_token

    remote.put(href, remote_event("surgery@remote", soon(4, 14), sequence=1), etag=etag)
    service.sync_source(db, source)
    assert busy(db, doctor) == [(soon(4, 14), soon(4, 14) + dt.timedelta(hours=1))]
    assert source.sync_token != token  # incremental: the token moved on

    remote.delete(href)
    service.sync_source(db, source)
    assert busy(db, doctor) == []
    assert source.status == "ok"


def test_stopped_server_keeps_last_good_intervals(db: Session, make: Factory, own_radicale: RadicaleServer):
    url = own_radicale.make_calendar("agenda")
    source, doctor = caldav_source(db, make, own_radicale, url)
    with CalDAVClient(own_radicale.url, own_radicale.username, own_radicale.password) as remote:
        remote.put(url + "a.ics", remote_event("a", soon(2)))
    service.sync_source(db, source)
    assert len(busy(db, doctor)) == 1
    own_radicale.stop()
    service.sync_source(db, source)
    assert source.status == "error" and source.last_error and "failed" in source.last_error
    assert len(busy(db, doctor)) == 1
    own_radicale.start()
    service.sync_source(db, source)
    assert source.status == "ok" and len(busy(db, doctor)) == 1


def test_wrong_password_is_reported(db: Session, make: Factory, radicale: RadicaleServer, calendar_url: str):
    doctor = make.practitioner(make.practice())
    source = service.set_source(
        db, doctor, "caldav", url=calendar_url, username=radicale.username, password="nope"
    )
    service.sync_source(db, source)
    assert source.status == "error" and "refused (401)" in (source.last_error or "")
    assert "nope" not in (source.last_error or "")


@pytest.fixture
def committed(engine: Engine) -> Iterator[Factory]:
    """Objects committed for real (the worker opens its own sessions), removed afterwards."""
    session = Session(engine, expire_on_commit=False)
    factory = Factory(session)
    before = set(session.scalars(select(Practice.id)))
    try:
        yield factory
    finally:
        session.rollback()
        created = set(session.scalars(select(Practice.id))) - before
        for model in (BusyInterval, AgendaSource):
            session.execute(delete(model).where(col(model.practice_id).in_(created)))
        session.execute(delete(Practice).where(col(Practice.id).in_(created)))
        session.commit()
        session.close()


def test_a_hostile_agenda_never_blocks_another_practitioner(engine: Engine, committed: Factory):
    db = committed.db
    practice = committed.practice()
    alice, bob = committed.practitioner(practice, "Dr A"), committed.practitioner(practice, "Dr B")
    with ics_http_server() as site:
        site.publish("/a.ics", (FIXTURES / "infinite_rrule.ics").read_bytes())
        weekly = (FIXTURES / "exdate.ics").read_bytes().replace(b"COUNT=5", b"INTERVAL=1")
        site.publish("/b.ics", weekly.replace(b"20260302T", b"20260105T").replace(b"20260304T", b"20260107T"))
        service.set_source(db, alice, "ics_url", url=site.url("/a.ics"))
        service.set_source(db, bob, "ics_url", url=site.url("/b.ics"))
        db.commit()
        counts = service.sync_due_sources(engine)
    assert counts == {"error": 1, "ok": 1}
    with Session(engine) as check:
        states = {
            s.practitioner_id: s
            for s in check.scalars(select(AgendaSource).where(AgendaSource.practice_id == practice.id))
        }
        assert states[alice.id].status == "error" and "too expensive" in (states[alice.id].last_error or "")
        assert states[bob.id].status == "ok"
        assert len(busy(check, bob.id)) > 100  # every day at lunch for 4 months
        assert busy(check, alice.id) == []
    # Nothing is due any more: a second pass does no work.
    assert service.sync_due_sources(engine) == {}


def test_one_hostile_object_does_not_hide_the_others(
    db: Session, make: Factory, own_radicale: RadicaleServer, monkeypatch: pytest.MonkeyPatch
):
    # Radicale's own time-range expansion of the hostile object stalls: our query times out and the
    # sync falls back to fetching every listed object (own server: its busy thread dies with it).
    monkeypatch.setattr(sync, "REMOTE_TIMEOUT", 1.5)
    url = own_radicale.make_calendar("agenda")
    source, doctor = caldav_source(db, make, own_radicale, url)
    with CalDAVClient(own_radicale.url, own_radicale.username, own_radicale.password) as remote:
        remote.put(url + "good.ics", remote_event("good", soon(2)))
        remote.put(url + "storm.ics", (FIXTURES / "infinite_rrule.ics").read_bytes())
        service.sync_source(db, source)
        assert source.status == "partial", source.last_error
        assert "too expensive" in (source.last_error or "")
        assert busy(db, doctor) == [(soon(2), soon(2) + dt.timedelta(hours=1))]
        remote.delete(url + "storm.ics")
    service.sync_source(db, source)
    assert source.status == "ok" and source.last_error is None
    assert len(busy(db, doctor)) == 1


def test_own_events_can_be_left_out(db: Session, make: Factory, radicale: RadicaleServer, agenda):
    url, remote = agenda
    source, doctor = caldav_source(db, make, radicale, url)
    remote.put(url + "mine.ics", remote_event("1b2c@permanence", soon(2)))
    remote.put(url + "theirs.ics", remote_event("golf@icloud.com", soon(3)))
    service.sync_source(db, source)
    now = dt.datetime.now(dt.UTC)
    window = (now, now + dt.timedelta(days=10))
    assert len(service.busy_intervals(db, [doctor], *window)[doctor]) == 2
    only_theirs = service.busy_intervals(db, [doctor], *window, ignore_uid_suffix="@permanence")
    assert only_theirs[doctor] == [(soon(3), soon(3) + dt.timedelta(hours=1))]


def test_slot_search_reads_stored_time_while_a_remote_hangs(
    engine: Engine, committed: Factory, monkeypatch: pytest.MonkeyPatch
):
    import threading

    monkeypatch.setattr(sync, "REMOTE_TIMEOUT", 3.0)
    db = committed.db
    doctor = committed.practitioner(committed.practice(), "Dr Lent")
    with ics_http_server() as site:
        weekly = (FIXTURES / "exdate.ics").read_bytes().replace(b"COUNT=5", b"INTERVAL=1")
        site.publish(
            "/slow.ics", weekly.replace(b"20260302T", b"20260105T").replace(b"20260304T", b"20260107T")
        )
        service.set_source(db, doctor, "ics_url", url=site.url("/slow.ics"))
        db.commit()
        assert service.sync_due_sources(engine) == {"ok": 1}
        with Session(engine) as s:
            source = s.scalars(select(AgendaSource).where(AgendaSource.practitioner_id == doctor.id)).one()
            source.next_sync_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
            source.etag = None
            s.commit()
        site.delay = 2.5  # the next poll hangs (then times out)
        worker = threading.Thread(target=service.sync_due_sources, args=(engine,))
        worker.start()
        try:
            time.sleep(0.3)  # the worker is now waiting on the remote
            with Session(engine) as reader:
                stored = busy(reader, doctor.id)
                status = service.sync_status(reader, [doctor.id])[doctor.id]
            assert worker.is_alive(), "the read must not have waited for the remote"
            assert len(stored) > 100 and status.status == "ok" and status.age_seconds is not None
        finally:
            worker.join(timeout=10)
