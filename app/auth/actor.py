"""The resolved caller of a request: who it is, what it may do, which practices it may touch."""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    kind: str  # user, api_key
    id: uuid.UUID
    role: str  # admin, supervisor, agent, practitioner, integrator
    permissions: frozenset[str]
    practice_ids: frozenset[uuid.UUID] | None  # None: every practice (admins)
    via: str = "bearer"  # cookie, bearer, api_key
    session_id: uuid.UUID | None = None

    def can(self, area: str, verb: str) -> bool:
        return f"{area}:{verb}" in self.permissions

    def sees(self, practice_id: uuid.UUID) -> bool:
        return self.practice_ids is None or practice_id in self.practice_ids
