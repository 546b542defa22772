"""Server-side sessions end after the idle timeout and the absolute lifetime."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.auth import service
from app.core.clock import utcnow
from app.core.config import get_settings
from app.core.errors import Unauthenticated
from tests.factories import PASSWORD


def test_cookie_session_idle_timeout(db, make):
    user, _ = make.user("agent")
    now = utcnow()
    _, _, token, _ = service.login(db, user.email, PASSWORD, "cookie", "addr:t", now=now)
    idle = timedelta(minutes=get_settings().session_idle_minutes)
    service.session_actor(db, token, "cookie", now=now + idle - timedelta(seconds=5))  # activity …
    service.session_actor(db, token, "cookie", now=now + 2 * idle - timedelta(seconds=10))  # … keeps it alive
    with pytest.raises(Unauthenticated):
        service.session_actor(db, token, "cookie", now=now + 4 * idle)


def test_absolute_lifetime(db, make):
    user, _ = make.user("agent")
    now = utcnow()
    _, row, token, _ = service.login(db, user.email, PASSWORD, "token", "addr:t", now=now)
    service.session_actor(db, token, "bearer", now=row.expires_at - timedelta(seconds=1))
    with pytest.raises(Unauthenticated):
        service.session_actor(db, token, "bearer", now=row.expires_at)


def test_token_kinds_do_not_mix(db, make):
    user, _ = make.user("agent")
    _, _, cookie_token, _ = service.login(db, user.email, PASSWORD, "cookie", "addr:t")
    with pytest.raises(Unauthenticated):
        service.session_actor(db, cookie_token, "bearer")


def test_deactivated_user_loses_access(db, make):
    user, token = make.user("agent")
    user.active = False
    db.flush()
    with pytest.raises(Unauthenticated):
        service.session_actor(db, token, "bearer")
