"""Every table model, imported once so Alembic and the tests see the whole schema (one line per domain)."""

from app.audit import models as audit_models
from app.auth import models as auth_models
from app.core import outbox
from app.practices import models as practices_models

__all__ = ["audit_models", "auth_models", "outbox", "practices_models"]
