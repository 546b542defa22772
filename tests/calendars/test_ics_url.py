"""Polling a private iCal link: 200, 304 with ETag, size cap, timeouts, typed errors."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.calendars.errors import (
    RemoteAuthError,
    RemoteNotFound,
    RemoteProtocolError,
    RemoteTooLarge,
    RemoteUnavailable,
)
from app.calendars.ics_url import fetch_ics, normalise_url
from tests.calendars.ics_http import Published, ics_http_server
from tests.radicale_server import free_port

DOC = (Path(__file__).parent / "fixtures" / "rrule_weekly.ics").read_bytes()


@pytest.fixture
def site() -> Iterator[Published]:
    with ics_http_server() as state:
        state.publish("/agenda.ics", DOC)
        yield state


def test_first_fetch_then_304_then_change(site: Published):
    first = fetch_ics(site.url("/agenda.ics"))
    assert first.changed and first.data == DOC and first.etag and first.last_modified
    again = fetch_ics(site.url("/agenda.ics"), etag=first.etag, last_modified=first.last_modified)
    assert not again.changed and again.data is None and again.etag == first.etag
    assert site.hits[-1] == ("/agenda.ics", 304)
    site.publish("/agenda.ics", DOC.replace(b"123000", b"124500"))
    changed = fetch_ics(site.url("/agenda.ics"), etag=first.etag)
    assert changed.changed and changed.etag != first.etag and b"124500" in (changed.data or b"")


def test_size_cap(site: Published):
    site.publish("/big.ics", b"X" * 50_000)
    with pytest.raises(RemoteTooLarge):
        fetch_ics(site.url("/big.ics"), max_bytes=10_000)


def test_typed_errors(site: Published):
    with pytest.raises(RemoteNotFound):
        fetch_ics(site.url("/missing.ics"))
    with pytest.raises(RemoteAuthError):
        fetch_ics(site.url("/private"))
    with pytest.raises(RemoteUnavailable) as info:
        fetch_ics(site.url("/error"))
    assert info.value.retryable and info.value.status == 503
    with pytest.raises(RemoteProtocolError):
        fetch_ics(site.url("/loop"))


def test_slow_server_times_out_quickly(site: Published):
    site.delay = 1.5
    started = time.monotonic()
    with pytest.raises(RemoteUnavailable):
        fetch_ics(site.url("/agenda.ics"), timeout=0.5)
    assert time.monotonic() - started < 2.5


def test_refused_connection():
    with pytest.raises(RemoteUnavailable):
        fetch_ics(f"http://127.0.0.1:{free_port()}/agenda.ics", timeout=1)


def test_url_schemes():
    assert normalise_url("webcal://example.org/a.ics") == "https://example.org/a.ics"
    with pytest.raises(RemoteProtocolError):
        normalise_url("file:///etc/passwd")


def test_error_messages_never_contain_the_secret_url(site: Published):
    secret = "/missing-6f1c0ffee.ics"
    with pytest.raises(RemoteNotFound) as info:
        fetch_ics(site.url(secret))
    assert "6f1c0ffee" not in str(info.value)


def test_basic_auth_link(site: Published):
    site.publish("/private", DOC)
    with pytest.raises(RemoteAuthError):
        fetch_ics(site.url("/private"))
    got = fetch_ics(site.url("/private"), username="dr", password="secret")
    assert got.changed and got.data == DOC
