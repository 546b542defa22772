"""Write-back of appointments to the practitioner's CalDAV agenda, through the transactional outbox.

One job kind, `scheduling.writeback`, carries only the appointment id; the handler reconciles the
remote object with the appointment's current state, so a retried or duplicated job never writes twice:
create with `If-None-Match: *`, update and cancel (STATUS:CANCELLED, SEQUENCE + 1) with `If-Match`.
A server that is down is retried with the outbox's backoff; a 412 (the object was changed or taken
remotely) flags the appointment as in conflict — visible in the API — and is never dropped silently.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from app.calendars import service as calendars
from app.calendars.caldav_client import CalDAVClient, object_name
from app.calendars.errors import RemoteConflict, RemoteNotFound, RemoteUnavailable
from app.calendars.ical_write import CalendarEvent, render_event
from app.calendars.models import AgendaObject, AgendaSource
from app.core import outbox
from app.core.clock import utcnow
from app.crypto import service as crypto
from app.crypto.fields import RowCipher
from app.crypto.keyring import PracticeKeyring
from app.practices.models import Motif, Practice
from app.scheduling.models import Appointment

log = logging.getLogger("permanence.scheduling.writeback")
JOB_KIND = "scheduling.writeback"


@dataclass(frozen=True)
class WritebackTarget:
    """Where a practitioner's bookings are written: a CalDAV account and one calendar collection."""

    base_url: str
    calendar_url: str
    username: str | None = None
    password: str | None = None


TargetResolver = Callable[[Session, uuid.UUID], WritebackTarget | None]
# Resolvers of a practitioner's CalDAV target, asked in order (the agenda-source settings of
# app/calendars register theirs; the first answer wins). No target: the agenda is internal.
TARGET_RESOLVERS: list[TargetResolver] = []


def agenda_source_target(session: Session, practitioner_id: uuid.UUID) -> WritebackTarget | None:
    """The practitioner's `caldav` agenda source (app/calendars), its URL and credential unsealed."""
    source = calendars.source_of(session, practitioner_id)
    if source is None or source.kind != "caldav" or source.url is None:
        return None

    def unseal(ring: PracticeKeyring) -> tuple[str | None, str | None]:
        cipher = RowCipher(ring, "agenda_source", source.id)
        return cipher.open("url", source.url), cipher.open("credential", source.credential)

    url, secret = crypto.open_with_reload(session, source.practice_id, unseal)
    if not url:
        return None
    parts = urlsplit(url)
    return WritebackTarget(f"{parts.scheme}://{parts.netloc}/", parts.path, source.username, secret)


TARGET_RESOLVERS.append(agenda_source_target)


def target_for(session: Session, practitioner_id: uuid.UUID) -> WritebackTarget | None:
    for resolve in TARGET_RESOLVERS:
        found = resolve(session, practitioner_id)
        if found is not None:
            return found
    return None


def schedule(session: Session, appointment: Appointment) -> None:
    """Queue a reconciliation of this appointment with its remote agenda (same transaction)."""
    if target_for(session, appointment.practitioner_id) is None:
        appointment.writeback_state = "none"
        return
    if not appointment.conflict:
        appointment.writeback_state = "pending"
    outbox.enqueue(
        session, JOB_KIND, {"appointment_id": str(appointment.id)}, practice_id=appointment.practice_id
    )


def summary(practice: Practice, motif: Motif | None) -> str:
    """Minimal health data by default: the practice chooses whether the motif is shown."""
    if practice.feed_detail in ("motif", "patient") and motif is not None:
        return f"RDV – {motif.label}"
    return "Rendez-vous (Permanence)"


def event_of(session: Session, appointment: Appointment) -> CalendarEvent:
    practice = session.get(Practice, appointment.practice_id)
    assert practice is not None
    motif = session.get(Motif, appointment.motif_id)
    return CalendarEvent(
        uid=appointment.uid,
        sequence=appointment.sequence,
        start=appointment.start_at,
        end=appointment.end_at,
        tz=practice.timezone,
        summary=summary(practice, motif),
        last_modified=appointment.updated_at,
        status="CANCELLED" if appointment.status == "cancelled" else "CONFIRMED",
    )


@outbox.handler(JOB_KIND)
def perform(session: Session, payload: dict[str, Any]) -> None:
    appointment = session.get(Appointment, uuid.UUID(payload["appointment_id"]))
    if appointment is None:
        return
    target = target_for(session, appointment.practitioner_id)
    if target is None:
        appointment.writeback_state = "none"
        return
    if appointment.conflict:
        return  # a human resolves conflicts; never overwrite the practitioner's own change
    body = render_event(event_of(session, appointment))
    href = appointment.remote_href or target.calendar_url.rstrip("/") + "/" + object_name(appointment.uid)
    with CalDAVClient(target.base_url, target.username, target.password, timeout=5.0) as client:
        try:
            etag = _write(client, appointment, href, body)
        except RemoteUnavailable as exc:
            appointment.writeback_error = "agenda server unavailable; retrying"
            raise outbox.RetryLater(str(exc)) from exc
        except (RemoteConflict, RemoteNotFound):
            appointment.conflict, appointment.writeback_state = True, "conflict"
            appointment.writeback_error = "the event was changed or removed in the practitioner's agenda"
            log.warning("write-back conflict on appointment %s", appointment.id)
            return
    appointment.remote_href, appointment.remote_etag = href, etag
    appointment.writeback_state, appointment.writeback_error = "synced", None
    appointment.updated_at = max(appointment.updated_at, utcnow())


def _write(client: CalDAVClient, appointment: Appointment, href: str, body: bytes) -> str | None:
    if appointment.remote_etag is None:
        try:
            etag = client.put(href, body)  # If-None-Match: *
        except RemoteConflict:
            # Our own earlier attempt may have landed before its answer was lost: adopt it if it is ours.
            remote = client.get(href)
            if _same_revision(remote.data, appointment):
                return remote.etag
            raise
    else:
        etag = client.put(href, body, etag=appointment.remote_etag)  # If-Match
    return etag or client.get(href).etag


def _same_revision(data: bytes, appointment: Appointment) -> bool:
    text = data.decode("utf-8", "replace").replace("\r\n ", "")
    return f"UID:{appointment.uid}" in text and f"SEQUENCE:{appointment.sequence}\r\n" in text


def verify_remote(session: Session, appointment: Appointment) -> bool:
    """Compare the remote ETag with the one we wrote; flag a conflict if it changed. True if intact."""
    target = target_for(session, appointment.practitioner_id)
    if target is None or appointment.remote_href is None or appointment.conflict:
        return not appointment.conflict
    with CalDAVClient(target.base_url, target.username, target.password, timeout=5.0) as client:
        try:
            remote = client.get(appointment.remote_href)
            changed = remote.etag != appointment.remote_etag
        except RemoteNotFound:
            changed = True
    if changed:
        appointment.conflict, appointment.writeback_state = True, "conflict"
        appointment.writeback_error = "the event was changed or removed in the practitioner's agenda"
        session.flush()
    return not changed


def flag_remote_changes(session: Session) -> int:
    """Compare written appointments with the objects the last sync saw (no network); flag the changed ones.

    An appointment is in conflict when a sync that started after our write shows its object with another
    ETag (the practitioner edited it) or without it (deleted). Returns how many were flagged.
    """
    stmt = (
        select(Appointment, AgendaObject.etag)
        .join(AgendaSource, col(AgendaSource.practitioner_id) == col(Appointment.practitioner_id))
        .outerjoin(
            AgendaObject,
            (col(AgendaObject.source_id) == col(AgendaSource.id))
            & (col(AgendaObject.href) == col(Appointment.remote_href)),
        )
        .where(
            col(AgendaSource.kind) == "caldav",
            col(Appointment.writeback_state) == "synced",
            col(Appointment.conflict).is_(False),
            col(Appointment.remote_href).is_not(None),
            col(AgendaSource.last_synced_at) > col(Appointment.updated_at),
        )
    )
    flagged = 0
    for appointment, seen_etag in session.execute(stmt).all():
        if seen_etag == appointment.remote_etag:
            continue
        appointment.conflict, appointment.writeback_state = True, "conflict"
        appointment.writeback_error = "the event was changed or removed in the practitioner's agenda"
        flagged += 1
    session.flush()
    return flagged


def detect_remote_changes(engine: Engine) -> int:
    """Periodic worker task (app/worker.py PERIODIC_TASKS): flag_remote_changes in a unit of work."""
    with Session(engine, expire_on_commit=False) as session:
        flagged = flag_remote_changes(session)
        session.commit()
    if flagged:
        log.warning("write-back: %d appointment(s) changed remotely, flagged as conflicts", flagged)
    return flagged
