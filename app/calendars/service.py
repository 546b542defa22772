"""Use cases of agenda sources: configure, synchronise, and read busy time for slot search.

Slot search reads only stored intervals (`busy_intervals`) and the age of the last good sync
(`sync_status`); it never waits on a remote calendar. Syncs run in the worker (`sync_due_sources`,
one source at a time, network outside any transaction) or as an outbox job (`calendars.sync`).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import Engine
from sqlmodel import Session, col, delete, or_, select

from app.calendars import sync
from app.calendars.ical_read import merge_busy
from app.calendars.models import AgendaObject, AgendaSource, BusyInterval
from app.core import outbox
from app.core.clock import utcnow
from app.core.errors import Invalid
from app.crypto.fields import RowCipher
from app.crypto.service import keyring_for
from app.practices.models import Practitioner

log = logging.getLogger("permanence.calendars")

SYNC_JOB = "calendars.sync"
CLAIM_LEASE = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class AgendaStatus:
    """How fresh a practitioner's busy time is (what slot search can tell the agent)."""

    kind: str
    status: str
    last_synced_at: dt.datetime | None
    age_seconds: float | None
    last_error: str | None


def source_of(session: Session, practitioner_id: uuid.UUID) -> AgendaSource | None:
    return session.scalars(
        select(AgendaSource).where(AgendaSource.practitioner_id == practitioner_id)
    ).first()


def _url_hint(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}" if parts.hostname else parts.scheme or "file"


def _forget_sync_state(source: AgendaSource) -> None:
    """The next sync starts over (full listing, unconditional GET) and replaces what is stored."""
    source.sync_token = source.etag = source.last_modified = None
    source.expanded_from = source.expanded_until = None
    source.status, source.last_error, source.error_count, source.last_synced_at = "never", None, 0, None


def _clear(session: Session, source: AgendaSource) -> None:
    for model in (BusyInterval, AgendaObject):
        session.execute(delete(model).where(col(model.source_id) == source.id))
    _forget_sync_state(source)


def set_source(
    session: Session,
    practitioner: Practitioner,
    kind: str,
    *,
    url: str | None = None,
    username: str | None = None,
    password: str | None = None,
    tentative_busy: bool = True,
    sync_interval_minutes: int = 15,
    now: dt.datetime | None = None,
) -> AgendaSource:
    """Create or replace the practitioner's agenda source.

    Busy time already stored is kept until the first good sync of the new settings replaces it
    (never a window where the practitioner looks free by accident); only switching to `internal`
    forgets it at once.
    """
    if kind not in ("internal", "ics_url", "caldav", "file"):
        raise Invalid("Unknown agenda source kind.")
    if kind != "internal" and not url:
        raise Invalid("This agenda source needs a URL.")
    source = source_of(session, practitioner.id)
    if source is None:
        source = AgendaSource(practice_id=practitioner.practice_id, practitioner_id=practitioner.id)
        session.add(source)
        session.flush()
    elif kind == "internal":
        _clear(session, source)
        source.revision += 1
    else:
        _forget_sync_state(source)
        source.revision += 1
    ring = keyring_for(session, source.practice_id) if kind != "internal" else None
    cipher = RowCipher(ring, "agenda_source", source.id) if ring else None
    source.kind = kind
    source.url = cipher.seal("url", url) if cipher and url else None
    source.url_hint = _url_hint(url) if url and kind != "file" else ("file" if kind == "file" else "")
    source.username = username if kind == "caldav" or (kind == "ics_url" and username) else None
    source.credential = cipher.seal("credential", password) if cipher and password else None
    source.tentative_busy = tentative_busy
    source.sync_interval_minutes = max(1, sync_interval_minutes)
    source.next_sync_at = None if kind == "internal" else (now or utcnow())
    session.flush()
    return source


def sync_source(session: Session, source: AgendaSource, now: dt.datetime | None = None) -> AgendaSource:
    """Synchronise one source now, inside the caller's transaction (network included)."""
    now = now or utcnow()
    plan = sync.plan(session, source, now)
    sync.apply(session, source, plan, sync.fetch(plan), now)
    if source.status == "error":
        log.info("agenda source %s sync failed: %s", source.id, source.last_error)
    return source


def sync_due_sources(engine: Engine, now: dt.datetime | None = None, limit: int = 20) -> dict[str, int]:
    """Sync every due source, each on its own: claim and plan, fetch with no transaction open, apply.

    A hostile or unreachable agenda only ever affects its own source. Returns counts by outcome.
    """
    now = now or utcnow()
    plans: list[sync.SyncPlan] = []
    with Session(engine, expire_on_commit=False) as session:
        stmt = (
            select(AgendaSource)
            .where(col(AgendaSource.kind) != "internal", col(AgendaSource.next_sync_at) <= now)
            .order_by(col(AgendaSource.next_sync_at))
            .limit(limit)
        )
        if session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        for source in session.scalars(stmt).all():
            source.next_sync_at = now + CLAIM_LEASE  # other workers skip it meanwhile
            try:
                plans.append(sync.plan(session, source, now))
            except Exception as exc:  # e.g. a key problem: record it, never stop the others
                source.status, source.last_error = "error", f"cannot prepare sync ({type(exc).__name__})"
        session.commit()
    counts: dict[str, int] = defaultdict(int)
    for plan in plans:
        got = sync.fetch(plan)
        try:
            with Session(engine, expire_on_commit=False) as session:
                row = session.get(AgendaSource, plan.source_id)
                if row is not None:
                    sync.apply(session, row, plan, got, now)
                    counts[row.status] += 1
                session.commit()
        except Exception:  # one source's storage failure must not stop the others
            log.exception("agenda source %s: storing the sync failed", plan.source_id)
            counts["failed"] += 1
    return dict(counts)


def request_sync(session: Session, source: AgendaSource) -> outbox.OutboxJob:
    """Queue a sync of this source now (the admin's "sync now" button)."""
    return outbox.enqueue(session, SYNC_JOB, {"source_id": str(source.id)}, practice_id=source.practice_id)


@outbox.handler(SYNC_JOB)
def _perform_sync(session: Session, payload: dict[str, object]) -> None:
    source = session.get(AgendaSource, uuid.UUID(str(payload["source_id"])))
    if source is not None and source.kind != "internal":
        sync_source(session, source)


def busy_intervals(
    session: Session,
    practitioner_ids: Sequence[uuid.UUID],
    start: dt.datetime,
    end: dt.datetime,
    *,
    ignore_uid_suffix: str | None = None,
) -> dict[uuid.UUID, list[tuple[dt.datetime, dt.datetime]]]:
    """Stored busy time overlapping [start, end), merged, per practitioner (slot search input).

    `ignore_uid_suffix` (e.g. "@permanence") leaves out events the service wrote itself into the
    remote agenda, which the booking side already knows as appointments.
    """
    stmt = (
        select(BusyInterval.practitioner_id, BusyInterval.start_at, BusyInterval.end_at)
        .where(
            col(BusyInterval.practitioner_id).in_(list(practitioner_ids)),
            col(BusyInterval.end_at) > start,
            col(BusyInterval.start_at) < end,
        )
        .order_by(col(BusyInterval.practitioner_id), col(BusyInterval.start_at))
    )
    if ignore_uid_suffix:
        stmt = stmt.where(~col(BusyInterval.uid).endswith(ignore_uid_suffix, autoescape=True))
    rows = session.execute(stmt)
    found: dict[uuid.UUID, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
    for practitioner_id, begin, finish in rows:
        found[practitioner_id].append((begin, finish))
    return {pid: merge_busy(spans) for pid, spans in found.items()}


def sync_status(
    session: Session, practitioner_ids: Sequence[uuid.UUID], now: dt.datetime | None = None
) -> dict[uuid.UUID, AgendaStatus]:
    """Freshness of each practitioner's remote busy time; practitioners without a source are absent."""
    now = now or utcnow()
    rows = session.scalars(
        select(AgendaSource).where(col(AgendaSource.practitioner_id).in_(list(practitioner_ids)))
    )
    return {
        s.practitioner_id: AgendaStatus(
            kind=s.kind,
            status=s.status,
            last_synced_at=s.last_synced_at,
            age_seconds=(now - s.last_synced_at).total_seconds() if s.last_synced_at else None,
            last_error=s.last_error,
        )
        for s in rows
    }


def stale_sources(session: Session, now: dt.datetime, older_than: dt.timedelta) -> list[AgendaSource]:
    """Remote sources whose last good sync is older than `older_than` (or that never synced)."""
    limit = now - older_than
    stmt = select(AgendaSource).where(
        col(AgendaSource.kind) != "internal",
        or_(col(AgendaSource.last_synced_at).is_(None), col(AgendaSource.last_synced_at) < limit),
    )
    return list(session.scalars(stmt))


def load_demo_agenda(
    session: Session, practitioner: Practitioner, path: str | Path, now: dt.datetime | None = None
) -> AgendaSource:
    """Point a demo practitioner at a .ics file of calendars/ and load its busy time at once."""
    source = set_source(
        session, practitioner, "file", url=str(Path(path).resolve()), sync_interval_minutes=60
    )
    return sync_source(session, source, now)
