"""Fixtures of the calendars tests: a real Radicale, fresh calendar collections, a CalDAV client."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from app.calendars.caldav_client import CalDAVClient
from tests.radicale_server import RadicaleServer, radicale_server


@pytest.fixture(scope="session")
def radicale() -> Iterator[RadicaleServer]:
    """One Radicale for the whole run (tests use their own calendars); never stop this one."""
    with radicale_server() as server:
        yield server


@pytest.fixture
def own_radicale() -> Iterator[RadicaleServer]:
    """A Radicale of the test's own, which the test may stop and restart."""
    with radicale_server() as server:
        yield server


@pytest.fixture
def calendar_url(radicale: RadicaleServer) -> str:
    """A new, empty calendar collection on the shared Radicale."""
    return radicale.make_calendar(f"cal-{uuid.uuid4().hex[:12]}")


@pytest.fixture
def caldav(radicale: RadicaleServer) -> Iterator[CalDAVClient]:
    with CalDAVClient(radicale.url, radicale.username, radicale.password, timeout=5.0) as caldav:
        yield caldav
