"""Every table model, imported once so Alembic and the tests see the whole schema (one line per domain)."""

from app.audit import models as audit_models
from app.auth import models as auth_models
from app.calendars import models as calendars_models
from app.calls import models as calls_models
from app.calls import webhook_models as calls_webhook_models
from app.core import outbox
from app.crypto import models as crypto_models
from app.patients import models as patients_models
from app.practices import models as practices_models
from app.scheduling import models as scheduling_models
from app.triage import models as triage_models

__all__ = [
    "audit_models",
    "auth_models",
    "calendars_models",
    "calls_models",
    "calls_webhook_models",
    "crypto_models",
    "outbox",
    "patients_models",
    "practices_models",
    "scheduling_models",
    "triage_models",
]
