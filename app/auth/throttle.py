"""Login throttling: after a few failures within a window, the key is locked for a growing delay."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from app.auth.models import LoginThrottle
from app.core.config import get_settings
from app.core.errors import TooManyRequests


def check(session: Session, key: str, now: datetime) -> None:
    row = session.get(LoginThrottle, key)
    if row and row.locked_until and row.locked_until > now:
        wait = int((row.locked_until - now).total_seconds()) + 1
        raise TooManyRequests("Too many failed attempts; try again later.", retry_after=wait)


def failed(session: Session, key: str, now: datetime) -> None:
    s = get_settings()
    row = session.get(LoginThrottle, key)
    if row is None:
        row = LoginThrottle(key=key, failures=0, window_start=now)
        session.add(row)
    if now - row.window_start > timedelta(seconds=s.login_window_seconds):
        row.failures, row.window_start = 0, now
    row.failures += 1
    if row.failures >= s.login_max_failures:
        # 2 s, 4 s, 8 s … up to 15 minutes: guessing becomes slow, a typo costs little.
        delay = min(2 ** (row.failures - s.login_max_failures + 1), 900)
        row.locked_until = now + timedelta(seconds=delay)
    session.flush()


def succeeded(session: Session, key: str) -> None:
    row = session.get(LoginThrottle, key)
    if row is not None:
        session.delete(row)
        session.flush()
