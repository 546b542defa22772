"""CalDAV client against a real Radicale (tests/radicale_server.py)."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from zoneinfo import ZoneInfo

import pytest

from app.calendars.caldav_client import CalDAVClient, object_name
from app.calendars.errors import (
    InvalidSyncToken,
    RemoteAuthError,
    RemoteConflict,
    RemoteNotFound,
    RemoteUnavailable,
)
from app.calendars.ical_read import expand_busy
from app.calendars.ical_write import CalendarEvent, render_event
from tests.radicale_server import RadicaleServer, free_port

pytestmark = pytest.mark.radicale

PARIS = ZoneInfo("Europe/Paris")
T0 = dt.datetime(2026, 3, 2, 9, tzinfo=PARIS)
WINDOW = (dt.datetime(2026, 3, 1, tzinfo=dt.UTC), dt.datetime(2026, 4, 1, tzinfo=dt.UTC))


def event(uid: str, start: dt.datetime = T0, sequence: int = 0, summary: str = "Occupé") -> bytes:
    return render_event(
        CalendarEvent(
            uid=uid,
            sequence=sequence,
            start=start,
            end=start + dt.timedelta(minutes=30),
            tz="Europe/Paris",
            summary=summary,
            last_modified=dt.datetime(2026, 2, 1, tzinfo=dt.UTC),
        )
    )


def href(calendar_url: str, uid: str) -> str:
    return calendar_url + object_name(uid)


def test_discover_and_ensure_calendar(caldav: CalDAVClient, radicale: RadicaleServer):
    url = radicale.calendar_url(f"new-{uuid.uuid4().hex[:8]}")
    info = caldav.ensure_calendar(url, displayname="Agenda du Dr Martin")
    assert info.displayname == "Agenda du Dr Martin"
    assert info.sync_token
    again = caldav.ensure_calendar(url)
    assert again.url == url
    assert url in [c.url for c in caldav.discover()]


def test_put_get_and_etag_guarded_update(caldav: CalDAVClient, calendar_url: str):
    target = href(calendar_url, "appt-1@permanence")
    etag = caldav.put(target, event("appt-1@permanence"))
    assert etag
    fetched = caldav.get(target)
    assert fetched.etag == etag
    assert b"UID:appt-1@permanence" in fetched.data
    # Creating again with If-None-Match: * is a conflict: the object exists.
    with pytest.raises(RemoteConflict):
        caldav.put(target, event("appt-1@permanence"))
    new_etag = caldav.put(target, event("appt-1@permanence", sequence=1), etag=etag)
    assert new_etag and new_etag != etag
    # The old ETag no longer matches: someone changed it meanwhile.
    with pytest.raises(RemoteConflict) as info:
        caldav.put(target, event("appt-1@permanence", sequence=2), etag=etag)
    assert info.value.status == 412
    with pytest.raises(RemoteConflict):
        caldav.delete(target, etag=etag)
    caldav.delete(target, etag=new_etag)
    with pytest.raises(RemoteNotFound):
        caldav.get(target)


def test_incremental_sync_sees_adds_changes_and_deletions(caldav: CalDAVClient, calendar_url: str):
    first = caldav.sync(calendar_url, None, *WINDOW)
    assert first.full and first.changed == [] and first.token
    a, b = href(calendar_url, "a@test"), href(calendar_url, "b@test")
    etag_a = caldav.put(a, event("a@test"))
    caldav.put(b, event("b@test", T0 + dt.timedelta(hours=2)))

    second = caldav.sync(calendar_url, first.token, *WINDOW)
    assert not second.full and second.method == "sync-collection"
    assert sorted(r.href.rsplit("/", 1)[1] for r in second.changed) == ["a@test.ics", "b@test.ics"]
    assert second.token != first.token

    caldav.put(a, event("a@test", T0 + dt.timedelta(hours=4), sequence=1), etag=etag_a)
    caldav.delete(b)
    third = caldav.sync(calendar_url, second.token, *WINDOW)
    assert [r.href.rsplit("/", 1)[1] for r in third.changed] == ["a@test.ics"]
    assert [h.rsplit("/", 1)[1] for h in third.deleted] == ["b@test.ics"]

    objects = caldav.multiget(calendar_url, [r.href for r in third.changed])
    busy = expand_busy(objects[0].data, "Europe/Paris", *WINDOW)
    assert [i.start for i in busy] == [(T0 + dt.timedelta(hours=4)).astimezone(dt.UTC)]

    unchanged = caldav.sync(calendar_url, third.token, *WINDOW)
    assert unchanged.changed == [] and unchanged.deleted == []


def test_invalid_token_falls_back_to_a_full_listing(caldav: CalDAVClient, calendar_url: str):
    caldav.put(href(calendar_url, "x@test"), event("x@test"))
    with pytest.raises(InvalidSyncToken):
        caldav.sync_collection(calendar_url, "http://radicale.org/ns/sync/not-a-token")
    result = caldav.sync(calendar_url, "http://radicale.org/ns/sync/not-a-token", *WINDOW)
    assert result.full and result.method == "sync-collection"
    assert [r.href.rsplit("/", 1)[1] for r in result.changed] == ["x@test.ics"]


def test_calendar_query_lists_events_in_the_time_range(caldav: CalDAVClient, calendar_url: str):
    caldav.put(href(calendar_url, "in@test"), event("in@test"))
    caldav.put(href(calendar_url, "out@test"), event("out@test", dt.datetime(2026, 9, 1, 9, tzinfo=PARIS)))
    result = caldav.query(calendar_url, *WINDOW)
    assert result.full and result.method == "calendar-query" and result.token is None
    assert [r.href.rsplit("/", 1)[1] for r in result.changed] == ["in@test.ics"]
    assert all(r.etag for r in result.changed)


def test_odd_uids_get_safe_resource_names(caldav: CalDAVClient, calendar_url: str):
    uid = "rdv 42/ü?#@cabinet"
    target = href(calendar_url, uid)
    assert "/" not in object_name(uid) and "?" not in object_name(uid)
    caldav.put(target, event(uid))
    assert b"rdv 42/\xc3\xbc?#@cabinet" in caldav.get(target).data.replace(b"\r\n ", b"")


def test_wrong_password_is_an_auth_error(radicale: RadicaleServer, calendar_url: str):
    with (
        CalDAVClient(radicale.url, radicale.username, "wrong", timeout=5) as bad,
        pytest.raises(RemoteAuthError),
    ):
        bad.sync(calendar_url, None, *WINDOW)


def test_other_users_calendar_is_refused(radicale: RadicaleServer, calendar_url: str):
    with (
        CalDAVClient(radicale.url, "bob", radicale.users["bob"], timeout=5) as bob,
        pytest.raises(RemoteAuthError),
    ):
        bob.put(href(calendar_url, "intrusion@test"), event("intrusion@test"))


def test_missing_collection_is_not_found(caldav: CalDAVClient, radicale: RadicaleServer):
    with pytest.raises(RemoteNotFound):
        caldav.calendar_info(radicale.calendar_url("does-not-exist"))


def test_stopped_server_is_a_quick_typed_error(own_radicale: RadicaleServer):
    url = own_radicale.make_calendar("agenda")
    with CalDAVClient(own_radicale.url, own_radicale.username, own_radicale.password, timeout=2) as caldav:
        caldav.put(url + "a.ics", event("a"))
        own_radicale.stop()
        started = time.monotonic()
        with pytest.raises(RemoteUnavailable) as info:
            caldav.sync(url, None, *WINDOW)
        assert info.value.retryable
        assert time.monotonic() - started < 2.5  # refused at once, never waits past the timeout
        own_radicale.start()
        assert [r.href.rsplit("/", 1)[1] for r in caldav.sync(url, None, *WINDOW).changed] == ["a.ics"]


def test_nobody_listening_is_unavailable():
    with (
        CalDAVClient(f"http://127.0.0.1:{free_port()}/", "u", "p", timeout=1) as caldav,
        pytest.raises(RemoteUnavailable),
    ):
        caldav.discover()


def test_discovery_from_the_well_known_address(radicale: RadicaleServer, calendar_url: str):
    with CalDAVClient(radicale.url + ".well-known/caldav", radicale.username, radicale.password) as caldav:
        assert calendar_url in [c.url for c in caldav.discover()]
