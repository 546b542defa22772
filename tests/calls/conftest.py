"""Fixtures of the calls tests: `live` (committed database, worker, SMTP and HTTP receivers)."""

from tests.calls.live import live

__all__ = ["live"]
