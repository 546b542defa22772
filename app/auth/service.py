"""Logins, sessions, users and API keys. Services flush; the request scope commits."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from app.audit import service as audit
from app.auth import secrets as sec
from app.auth import throttle
from app.auth.actor import Actor
from app.auth.models import ApiKey, LoginSession, User, UserPractice
from app.auth.permissions import API_KEY_SCOPES, ROLE_PERMISSIONS
from app.core.clock import utcnow
from app.core.config import get_settings
from app.core.db import defer_after_rollback
from app.core.errors import Conflict, Invalid, NotFound, Unauthenticated

API_KEY_PREFIX = "pmk_"
MAX_ACTIVE_KEYS_PER_CLIENT = 2  # the old and the new key, during a rotation


class SystemActor:
    """The actor for CLI and worker actions."""

    kind = "system"
    id: uuid.UUID | None = None


def practices_of(session: Session, user: User) -> frozenset[uuid.UUID] | None:
    if user.role == "admin":
        return None
    rows = session.scalars(select(UserPractice.practice_id).where(UserPractice.user_id == user.id))
    return frozenset(rows)


def actor_for_user(session: Session, user: User, via: str, session_id: uuid.UUID | None = None) -> Actor:
    return Actor(
        kind="user",
        id=user.id,
        role=user.role,
        permissions=ROLE_PERMISSIONS[user.role],
        practice_ids=practices_of(session, user),
        via=via,
        session_id=session_id,
    )


def login(
    session: Session, email: str, password: str, mode: str, client_key: str, now: datetime | None = None
) -> tuple[User, LoginSession, str, str | None]:
    """Check credentials (throttled per account and per client); open a session; return its secrets."""
    now = now or utcnow()
    account_key = "acct:" + sec.token_hash(email.strip().lower())
    throttle.check(session, account_key, now)
    throttle.check(session, client_key, now)
    user = session.scalars(select(User).where(User.email == email.strip().lower())).one_or_none()
    if user is None:
        sec.dummy_verify(password)
    if user is None or not user.active or not sec.verify_password(user.password_hash, password):
        user_id = user.id if user else None

        def remember_failure(s: Session) -> None:  # survives the request's rollback
            throttle.failed(s, account_key, now)
            throttle.failed(s, client_key, now)
            audit.record(
                s,
                actor=None,
                action="auth.login",
                practice_id=None,
                resource_type="user",
                resource_id=user_id,
                outcome="failure",
            )

        defer_after_rollback(session, remember_failure)
        raise Unauthenticated("Invalid credentials.")
    throttle.succeeded(session, account_key)
    s = get_settings()
    token = sec.new_token()
    csrf = sec.new_token() if mode == "cookie" else None
    lifetime = timedelta(hours=s.session_absolute_hours if mode == "cookie" else s.token_hours)
    login_session = LoginSession(
        token_hash=sec.token_hash(token),
        csrf_hash=sec.token_hash(csrf) if csrf else None,
        user_id=user.id,
        kind="cookie" if mode == "cookie" else "bearer",
        created_at=now,
        last_seen_at=now,
        expires_at=now + lifetime,
    )
    session.add(login_session)
    audit.record(
        session,
        actor=actor_for_user(session, user, mode),
        action="auth.login",
        practice_id=None,
        resource_type="user",
        resource_id=user.id,
    )
    session.flush()
    return user, login_session, token, csrf


def session_actor(
    session: Session, token: str, kind: str, now: datetime | None = None
) -> tuple[Actor, LoginSession]:
    """Resolve a session token; enforces the idle and absolute timeouts."""
    now = now or utcnow()
    row = session.scalars(
        select(LoginSession).where(LoginSession.token_hash == sec.token_hash(token))
    ).one_or_none()
    idle = timedelta(minutes=get_settings().session_idle_minutes)
    if (
        row is None
        or row.kind != kind
        or row.revoked_at is not None
        or row.expires_at <= now
        or (kind == "cookie" and now - row.last_seen_at > idle)
    ):
        raise Unauthenticated("Session missing, expired or revoked.")
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise Unauthenticated("Session missing, expired or revoked.")
    if now - row.last_seen_at > timedelta(seconds=30):  # avoid a write on every request
        row.last_seen_at = now
    return actor_for_user(session, user, kind, row.id), row


def logout(session: Session, session_id: uuid.UUID) -> None:
    row = session.get(LoginSession, session_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        session.flush()


def api_key_actor(session: Session, presented: str, now: datetime | None = None) -> Actor:
    now = now or utcnow()
    prefix, _, secret = presented.partition(".")
    key = session.scalars(select(ApiKey).where(ApiKey.prefix == prefix)).one_or_none()
    if key is None or key.revoked_at is not None or not sec.same(key.secret_hash, sec.token_hash(secret)):
        raise Unauthenticated("Invalid API key.")
    if key.last_used_at is None or now - key.last_used_at > timedelta(minutes=1):
        key.last_used_at = now
    return Actor(
        kind="api_key",
        id=key.id,
        role="integrator",
        permissions=frozenset(key.scopes),
        practice_ids=frozenset(uuid.UUID(p) for p in key.practice_ids),
        via="api_key",
    )


def create_user(
    session: Session,
    *,
    email: str,
    display_name: str,
    role: str,
    password: str,
    practice_ids: list[uuid.UUID],
) -> User:
    email = email.strip().lower()
    if session.scalars(select(User.id).where(User.email == email)).first() is not None:
        raise Conflict("A user with this e-mail already exists.")
    user = User(email=email, display_name=display_name, role=role, password_hash=sec.hash_password(password))
    session.add(user)
    session.flush()
    assign(session, user, practice_ids)
    return user


def assign(session: Session, user: User, practice_ids: list[uuid.UUID]) -> None:
    """Replace the user's practice assignments."""
    from app.practices.models import Practice  # local: practices depends on auth for its routes

    for pid in practice_ids:
        if session.get(Practice, pid) is None:
            raise NotFound("Practice not found.")
    for row in session.scalars(select(UserPractice).where(UserPractice.user_id == user.id)):
        session.delete(row)
    session.flush()
    for pid in dict.fromkeys(practice_ids):
        session.add(UserPractice(user_id=user.id, practice_id=pid))
    session.flush()


def create_api_key(
    session: Session, *, client: str, scopes: list[str], practice_ids: list[uuid.UUID]
) -> tuple[ApiKey, str]:
    """A new key for a client; at most two active keys per client, so rotation is: create, switch, revoke."""
    from app.practices.models import Practice

    unknown = sorted(set(scopes) - API_KEY_SCOPES)
    if unknown:
        raise Invalid("Unknown scope.", unknown_scopes=unknown, allowed_scopes=sorted(API_KEY_SCOPES))
    for pid in practice_ids:
        if session.get(Practice, pid) is None:
            raise NotFound("Practice not found.")
    active = session.scalars(
        select(ApiKey).where(ApiKey.client == client, col(ApiKey.revoked_at).is_(None))
    ).all()
    if len(active) >= MAX_ACTIVE_KEYS_PER_CLIENT:
        raise Conflict("This client already has two active keys; revoke one first.")
    prefix = API_KEY_PREFIX + sec.new_token(6).replace("-", "x").replace("_", "y")[:8]
    secret = sec.new_token(32)
    key = ApiKey(
        client=client,
        prefix=prefix,
        secret_hash=sec.token_hash(secret),
        scopes=sorted(set(scopes)),
        practice_ids=[str(p) for p in dict.fromkeys(practice_ids)],
    )
    session.add(key)
    session.flush()
    return key, f"{prefix}.{secret}"


def revoke_api_key(session: Session, key_id: uuid.UUID) -> ApiKey:
    key = session.get(ApiKey, key_id)
    if key is None:
        raise NotFound("API key not found.")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
    session.flush()
    return key
