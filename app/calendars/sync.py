"""Synchronising one agenda source into busy intervals, in three steps.

`plan` reads the source (and opens its sealed URL/credential) inside a transaction; `fetch` does all
network I/O and iCalendar parsing with no database at all, and never raises: a remote failure or a
hostile document becomes `Fetched.error`; `apply` writes the result (or records the error and keeps
the last good intervals) in a short transaction. The worker runs the three steps in separate
transactions, so a slow remote never holds a database lock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session, col, delete, select

from app.calendars.caldav_client import CalDAVClient
from app.calendars.errors import CalendarError, RemoteProtocolError, RemoteUnavailable, SyncUnsupported
from app.calendars.ical_read import BusyInterval as Occurrence
from app.calendars.ical_read import expand_busy
from app.calendars.ics_url import DEFAULT_MAX_BYTES, fetch_ics
from app.calendars.models import AgendaObject, AgendaSource, BusyInterval
from app.crypto.fields import RowCipher
from app.crypto.keyring import PracticeKeyring
from app.crypto.service import open_with_reload
from app.practices.models import Practice

log = logging.getLogger("permanence.calendars")

HORIZON_BACK = dt.timedelta(days=1)
HORIZON_AHEAD = dt.timedelta(days=120)
REFRESH_EVERY = dt.timedelta(days=1)  # re-expand everything daily so the horizon keeps rolling
REMOTE_TIMEOUT = 5.0
MAX_BACKOFF = dt.timedelta(hours=6)


@dataclass(frozen=True)
class SyncPlan:
    """Everything `fetch` needs, as plain values (secrets included: keep it in memory only)."""

    source_id: uuid.UUID
    kind: str
    tz: str
    url: str | None
    username: str | None
    password: str | None
    tentative_busy: bool
    window: tuple[dt.datetime, dt.datetime]
    refresh_all: bool
    token: str | None
    etag: str | None
    last_modified: str | None
    known: dict[str, str | None] = field(default_factory=dict)  # href → etag (None: refetch)


@dataclass
class ParsedObject:
    href: str
    etag: str | None
    intervals: list[Occurrence] | None  # None when the object could not be read
    error: str | None = None


@dataclass
class Fetched:
    objects: list[ParsedObject] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    token: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    unchanged: bool = False
    error: str | None = None


def window_at(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    return now - HORIZON_BACK, now + HORIZON_AHEAD


def plan(session: Session, source: AgendaSource, now: dt.datetime) -> SyncPlan:
    practice = session.get(Practice, source.practice_id)
    window = window_at(now)
    refresh_all = source.expanded_until is None or source.expanded_until < window[1] - REFRESH_EVERY

    def secrets(ring: PracticeKeyring) -> tuple[str | None, str | None]:
        cipher = RowCipher(ring, "agenda_source", source.id)
        return cipher.open("url", source.url), cipher.open("credential", source.credential)

    url, password = open_with_reload(session, source.practice_id, secrets) if source.url else (None, None)
    objects = session.scalars(select(AgendaObject).where(AgendaObject.source_id == source.id))
    return SyncPlan(
        source_id=source.id,
        kind=source.kind,
        tz=practice.timezone if practice else "Europe/Paris",
        url=url,
        username=source.username,
        password=password,
        tentative_busy=source.tentative_busy,
        window=window,
        refresh_all=refresh_all,
        token=None if refresh_all else source.sync_token,
        etag=None if refresh_all else source.etag,
        last_modified=None if refresh_all else source.last_modified,
        known={o.href: (None if o.error else o.etag) for o in objects},
    )


def _parse(p: SyncPlan, href: str, etag: str | None, data: bytes) -> ParsedObject:
    try:
        intervals = expand_busy(data, p.tz, *p.window, tentative_is_busy=p.tentative_busy)
    except CalendarError as exc:
        return ParsedObject(href, etag, None, str(exc)[:300])
    return ParsedObject(href, etag, intervals)


def _fetch_document(p: SyncPlan) -> Fetched:
    if p.url is None:
        return Fetched(error="no URL configured")
    if p.kind == "file":
        path = Path(p.url)
        if path.stat().st_size > DEFAULT_MAX_BYTES:
            return Fetched(error="calendar file too large")
        data = path.read_bytes()
        etag = hashlib.sha256(data).hexdigest()[:32]
        if etag == p.etag:
            return Fetched(unchanged=True, etag=etag)
        return Fetched(objects=[_parse(p, "", etag, data)], etag=etag)
    got = fetch_ics(
        p.url, etag=p.etag, last_modified=p.last_modified, username=p.username, password=p.password,
        timeout=REMOTE_TIMEOUT,
    )  # fmt: skip
    if not got.changed or got.data is None:
        return Fetched(unchanged=True, etag=got.etag, last_modified=got.last_modified)
    parsed = _parse(p, "", got.etag, got.data)
    if parsed.intervals is None:  # one document: nothing good to keep from this version
        return Fetched(error=parsed.error)
    return Fetched(objects=[parsed], etag=got.etag, last_modified=got.last_modified)


def _padded(window: tuple[dt.datetime, dt.datetime]) -> tuple[dt.datetime, dt.datetime]:
    """A day more on each side: servers filter floating and all-day events in their own zone."""
    return window[0] - dt.timedelta(days=1), window[1] + dt.timedelta(days=1)


def _in_window(client: CalDAVClient, p: SyncPlan, listed: set[str]) -> set[str]:
    """Objects overlapping the horizon, or all of them when the server cannot say in time.

    A hostile object (FREQ=SECONDLY…) can make the server's own time-range expansion time out;
    fetching everything listed is then slower but still correct.
    """
    assert p.url is not None
    try:
        return {r.href for r in client.query(p.url, *_padded(p.window)).changed}
    except (RemoteUnavailable, RemoteProtocolError, SyncUnsupported):
        return listed


def _fetch_caldav(p: SyncPlan) -> Fetched:
    if p.url is None:
        return Fetched(error="no URL configured")
    with CalDAVClient(p.url, p.username, p.password, timeout=REMOTE_TIMEOUT) as client:
        result = client.sync(p.url, p.token, *_padded(p.window))
        listed = {r.href for r in result.changed}
        deleted = set(result.deleted) | ((set(p.known) - listed) if result.full else set())
        changed = [r for r in result.changed if r.etag is None or p.known.get(r.href, "") != r.etag]
        if p.refresh_all:
            # A full listing covers years of history: fetch only what overlaps the horizon, and
            # remember the others' ETags so later incremental syncs know them.
            in_window = listed if result.method == "calendar-query" else _in_window(client, p, listed)
            changed = [r for r in result.changed if r.href in in_window]
            idle = [ParsedObject(r.href, r.etag, []) for r in result.changed if r.href not in in_window]
        else:
            idle = []
        wanted = [r.href for r in changed]
        fetched = client.multiget(p.url, wanted) if wanted else []
    objects = [_parse(p, o.href, o.etag, o.data) for o in fetched] + idle
    missing = set(wanted) - {o.href for o in fetched}  # vanished between listing and fetching
    return Fetched(objects=objects, deleted=sorted(deleted | missing), token=result.token)


def fetch(p: SyncPlan) -> Fetched:
    """All network and parsing for one source; never raises for remote or content problems."""
    try:
        if p.kind in ("ics_url", "file"):
            return _fetch_document(p)
        if p.kind == "caldav":
            return _fetch_caldav(p)
        return Fetched(unchanged=True)  # internal: nothing to fetch
    except CalendarError as exc:
        return Fetched(error=str(exc)[:300])
    except OSError as exc:  # a demo file that went away
        return Fetched(error=f"calendar file unreadable ({type(exc).__name__})")
    except Exception as exc:  # a bug or an odd answer must not stop the other sources' syncs
        log.exception("agenda source %s: unexpected sync failure", p.source_id)
        return Fetched(error=f"unexpected sync failure ({type(exc).__name__})")


def _replace(session: Session, source: AgendaSource, obj: ParsedObject) -> None:
    session.execute(
        delete(BusyInterval).where(
            col(BusyInterval.source_id) == source.id, col(BusyInterval.href) == obj.href
        )
    )
    for item in obj.intervals or []:
        session.add(
            BusyInterval(
                practice_id=source.practice_id, practitioner_id=source.practitioner_id, source_id=source.id,
                start_at=item.start, end_at=item.end, uid=item.uid[:300], recurrence_id=item.recurrence_id,
                href=obj.href, etag=obj.etag,
            )
        )  # fmt: skip


def _object(session: Session, source: AgendaSource, href: str) -> AgendaObject:
    row = session.scalars(
        select(AgendaObject).where(AgendaObject.source_id == source.id, AgendaObject.href == href)
    ).one_or_none()
    if row is None:
        row = AgendaObject(practice_id=source.practice_id, source_id=source.id, href=href)
        session.add(row)
    return row


def apply(session: Session, source: AgendaSource, p: SyncPlan, got: Fetched, now: dt.datetime) -> None:
    """Store the outcome; on failure keep every stored interval and say why."""
    source.last_attempt_at = now
    if got.error is not None:
        source.status, source.last_error = "error", got.error
        source.error_count += 1
        delay = min(dt.timedelta(minutes=2 ** min(source.error_count, 10)), MAX_BACKOFF)
        source.next_sync_at = now + min(delay, dt.timedelta(minutes=source.sync_interval_minutes))
        session.flush()
        return
    broken = []
    for obj in got.objects:
        row = _object(session, source, obj.href)
        if obj.intervals is None:
            row.error = obj.error  # keep this object's last good intervals
            broken.append(obj.error or "unreadable")
            continue
        _replace(session, source, obj)
        row.etag, row.error = obj.etag, None
    for href in got.deleted:
        session.execute(
            delete(BusyInterval).where(
                col(BusyInterval.source_id) == source.id, col(BusyInterval.href) == href
            )
        )
        session.execute(
            delete(AgendaObject).where(
                col(AgendaObject.source_id) == source.id, col(AgendaObject.href) == href
            )
        )
    if p.refresh_all:  # a full pass: whatever it did not see (e.g. a previous URL's objects) is gone
        seen = [o.href for o in got.objects]
        for model in (BusyInterval, AgendaObject):
            session.execute(
                delete(model).where(col(model.source_id) == source.id, col(model.href).not_in(seen))
            )
    session.execute(
        delete(BusyInterval).where(
            col(BusyInterval.source_id) == source.id, col(BusyInterval.end_at) < now - dt.timedelta(days=7)
        )
    )
    if got.token is not None:
        source.sync_token = got.token
    if got.etag is not None or got.last_modified is not None:
        source.etag, source.last_modified = got.etag, got.last_modified
    if p.refresh_all:  # everything was fetched unconditionally: the stored horizon is the new one
        source.expanded_from, source.expanded_until = p.window
    source.status = "partial" if broken else "ok"
    source.last_error = f"{len(broken)} object(s) unreadable: {broken[0]}"[:300] if broken else None
    source.error_count = 0
    source.last_synced_at = now
    source.next_sync_at = now + dt.timedelta(minutes=source.sync_interval_minutes)
    session.flush()
