"""Practitioners' ICS feeds: secret 256-bit tokens stored hashed, ETag/304, every fetch audited."""

from __future__ import annotations

import hashlib
import secrets
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func
from sqlalchemy import select as sql_select
from sqlmodel import Session, col, select

from app.audit import service as audit
from app.auth.actor import Actor
from app.auth.deps import get_owned
from app.calendars.ical_write import CalendarEvent, render_feed
from app.core.clock import utcnow
from app.core.config import get_settings
from app.core.errors import NotFound
from app.practices import service as practices
from app.practices.models import Motif, Practice, Practitioner
from app.scheduling.models import Appointment, FeedToken
from app.scheduling.schemas import FeedTokenCreated, FeedTokenOut
from app.scheduling.writeback import summary

PAST = timedelta(days=90)  # how far back a feed shows appointments


@dataclass(frozen=True)
class FeedActor:
    """Who fetched a feed, for the audit log: the token's id, never the token."""

    id: uuid.UUID
    kind: str = "feed_token"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_out(row: FeedToken) -> FeedTokenOut:
    return FeedTokenOut(
        id=row.id,
        practitioner_id=row.practitioner_id,
        hint=row.hint,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )


def create_token(
    session: Session, actor: Actor, practitioner_id: uuid.UUID, *, rotate: bool
) -> FeedTokenCreated:
    """A new secret feed URL (shown once); with `rotate`, the practitioner's other tokens are revoked."""
    practitioner = practices.get_practitioner(session, actor, practitioner_id)
    now = utcnow()
    if rotate:
        for old in session.scalars(
            select(FeedToken).where(
                FeedToken.practitioner_id == practitioner.id, col(FeedToken.revoked_at).is_(None)
            )
        ):
            old.revoked_at = now
    token = secrets.token_urlsafe(32)  # 256 bits
    row = FeedToken(
        practice_id=practitioner.practice_id,
        practitioner_id=practitioner.id,
        token_hash=token_hash(token),
        hint=token[:6],
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="feed_token.create",
        practice_id=row.practice_id,
        resource_type="feed_token",
        resource_id=row.id,
    )
    url = f"{get_settings().public_base_url.rstrip('/')}/feeds/{token}.ics"
    return FeedTokenCreated(**token_out(row).model_dump(), token=token, url=url)


def list_tokens(session: Session, actor: Actor, practitioner_id: uuid.UUID) -> list[FeedTokenOut]:
    practitioner = practices.get_practitioner(session, actor, practitioner_id)
    rows = session.scalars(
        select(FeedToken)
        .where(FeedToken.practitioner_id == practitioner.id)
        .order_by(col(FeedToken.created_at))
    )
    return [token_out(r) for r in rows]


def revoke_token(session: Session, actor: Actor, token_id: uuid.UUID) -> FeedTokenOut:
    row = get_owned(session, actor, FeedToken, token_id, resource_type="feed_token")
    row.revoked_at = row.revoked_at or utcnow()
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="feed_token.revoke",
        practice_id=row.practice_id,
        resource_type="feed_token",
        resource_id=row.id,
    )
    return token_out(row)


def resolve(session: Session, token: str) -> FeedToken:
    row = session.scalars(select(FeedToken).where(FeedToken.token_hash == token_hash(token))).first()
    if row is not None and row.revoked_at is not None:
        # A revoked URL still in use is worth knowing about: recorded even though the request fails.
        audit.record_outside(
            session,
            actor=FeedActor(row.id),
            action="feed.fetch",
            practice_id=row.practice_id,
            resource_type="practitioner",
            resource_id=row.practitioner_id,
            outcome="denied",
        )
    if row is None or row.revoked_at is not None:
        raise NotFound("Feed not found.")
    return row


def etag(session: Session, row: FeedToken) -> str:
    """A cheap fingerprint of what the feed would contain (no rendering needed to answer 304)."""
    practice = session.get(Practice, row.practice_id)
    assert practice is not None
    since = utcnow() - PAST
    count, newest = session.execute(
        select(func.count(), func.max(Appointment.updated_at)).where(
            Appointment.practitioner_id == row.practitioner_id, col(Appointment.end_at) > since
        )
    ).one()
    day = since.date().isoformat()  # the window moves daily, so the ETag does too
    basis = f"{row.practitioner_id}|{count}|{newest}|{practice.feed_detail}|{practice.timezone}|{day}"
    return '"' + hashlib.sha256(basis.encode()).hexdigest()[:32] + '"'


def render(session: Session, row: FeedToken) -> bytes:
    practice = session.get(Practice, row.practice_id)
    practitioner = session.get(Practitioner, row.practitioner_id)
    assert practice is not None and practitioner is not None
    motifs = {m.id: m for m in session.scalars(select(Motif).where(Motif.practice_id == practice.id))}
    since = utcnow() - PAST
    rows = session.execute(
        sql_select(
            *(
                col(c)
                for c in (
                    Appointment.uid,
                    Appointment.sequence,
                    Appointment.start_at,
                    Appointment.end_at,
                    Appointment.updated_at,
                    Appointment.status,
                    Appointment.motif_id,
                )
            )
        )
        .where(col(Appointment.practitioner_id) == row.practitioner_id, col(Appointment.end_at) > since)
        .order_by(col(Appointment.start_at))
    )
    labels = {mid: summary(practice, m) for mid, m in motifs.items()}
    default = summary(practice, None)
    events = [
        CalendarEvent(
            uid=uid,
            sequence=sequence,
            start=start,
            end=end,
            tz=practice.timezone,
            summary=labels.get(motif_id, default),
            last_modified=updated,
            status="CANCELLED" if status == "cancelled" else "CONFIRMED",
        )
        for uid, sequence, start, end, updated, status, motif_id in rows
    ]
    return render_feed(events, name=f"{practitioner.display_name} – Permanence", tz=practice.timezone)


class _Rendered:
    """Bodies recently rendered in this process, by (practitioner, ETag): unchanged feeds are not re-rendered
    for clients that poll without If-None-Match. The ETag covers every input, so an entry is never stale."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self.bodies: OrderedDict[tuple[uuid.UUID, str], bytes] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple[uuid.UUID, str]) -> bytes | None:
        with self.lock:
            body = self.bodies.get(key)
            if body is not None:
                self.bodies.move_to_end(key)
            return body

    def put(self, key: tuple[uuid.UUID, str], body: bytes) -> None:
        with self.lock:
            self.bodies[key] = body
            while len(self.bodies) > self.size:
                self.bodies.popitem(last=False)


RENDERED = _Rendered()


def fetch(session: Session, token: str, if_none_match: str | None) -> tuple[str, bytes | None]:
    """(ETag, body) — body None when the client's copy is current (304). Every fetch is audited."""
    row = resolve(session, token)
    tag = etag(session, row)
    fresh = if_none_match is not None and tag in [t.strip() for t in if_none_match.split(",")]
    row.last_used_at = utcnow()
    audit.record(
        session,
        actor=FeedActor(row.id),
        action="feed.fetch",
        practice_id=row.practice_id,
        resource_type="practitioner",
        resource_id=row.practitioner_id,
        outcome="not_modified" if fresh else "success",
    )
    if fresh:
        return tag, None
    body = RENDERED.get((row.practitioner_id, tag))
    if body is None:
        body = render(session, row)
        RENDERED.put((row.practitioner_id, tag), body)
    return tag, body
