"""get_owned: the one loader of practice-owned rows (404 for missing, foreign or mis-linked ids)."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import select

from app.audit.models import AuditEvent
from app.auth.deps import get_owned
from app.core.errors import NotFound
from app.practices.models import Practitioner
from tests.factories import Factory


def test_own_foreign_missing_and_mislinked(db, make: Factory):
    home, other = make.practice(), make.practice()
    mine, theirs = make.practitioner(home), make.practitioner(other)
    from app.auth import service

    user, _ = make.user("agent", [home, other])
    actor = service.actor_for_user(db, user, "bearer")
    assert get_owned(db, actor, Practitioner, mine.id, resource_type="practitioner") is mine
    with pytest.raises(NotFound):
        get_owned(db, actor, Practitioner, uuid.uuid4(), resource_type="practitioner")
    # visible to the actor, but linked from the other practice: still 404
    with pytest.raises(NotFound):
        get_owned(db, actor, Practitioner, theirs.id, resource_type="practitioner", in_practice=home.id)
    outsider_user, _ = make.user("agent", [home])
    outsider = service.actor_for_user(db, outsider_user, "bearer")
    with pytest.raises(NotFound):
        get_owned(db, outsider, Practitioner, theirs.id, resource_type="practitioner")
    # refusals are recorded once the request's transaction ends
    from app.core.db import _flush_deferred

    _flush_deferred(db)
    denied = db.scalars(select(AuditEvent).where(AuditEvent.action == "authz.denied")).all()
    assert {e.resource_id for e in denied} >= {str(theirs.id)}
