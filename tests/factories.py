"""Builders of real objects through the services (no hand-made rows)."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field

from sqlmodel import Session

from app.auth import service as auth
from app.auth.actor import Actor
from app.auth.permissions import API_KEY_SCOPES, ROLE_PERMISSIONS
from app.practices import service as practices
from app.practices.models import Motif, Practice, Practitioner
from app.practices.schemas import InstructionSheetIn, MotifIn, PracticeCreate, PractitionerIn

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)

ADMIN = Actor(
    kind="system", id=uuid.UUID(int=0), role="admin", permissions=ROLE_PERMISSIONS["admin"], practice_ids=None
)


@dataclass
class Factory:
    db: Session
    created: list[object] = field(default_factory=list)

    def practice(
        self,
        name: str | None = None,
        *,
        timezone: str = "Europe/Paris",
        specialties: tuple[str, ...] = ("generaliste",),
    ) -> Practice:
        n = next(_counter)
        number = f"+331{40000000 + n:08d}"
        return practices.create_practice(
            self.db,
            ADMIN,
            PracticeCreate(
                name=name or f"Cabinet test {n}",
                specialties=list(specialties),
                timezone=timezone,
                called_numbers=[{"number": number, "label": "accueil"}],
            ),
        )  # type: ignore[list-item]

    def sheet(self, practice: Practice, greeting: str = "Bonjour") -> object:
        return practices.publish_sheet(
            self.db,
            ADMIN,
            practice.id,
            InstructionSheetIn(greeting=greeting, urgent_calls="15 si urgence vitale"),
        )

    def practitioner(self, practice: Practice, name: str = "Dr Test") -> Practitioner:
        return practices.add_practitioner(
            self.db, practice.id, PractitionerIn(display_name=name, specialty="generaliste")
        )

    def motif(self, practice: Practice, code: str = "consultation", minutes: int = 20) -> Motif:
        return practices.add_motif(
            self.db, ADMIN, practice.id, MotifIn(code=code, label=code.title(), duration_minutes=minutes)
        )

    def user(self, role: str, practices_: list[Practice] | tuple[Practice, ...] = ()) -> tuple[object, str]:
        n = next(_counter)
        user = auth.create_user(
            self.db,
            email=f"{role}{n}@example.test",
            display_name=f"{role} {n}",
            role=role,
            password=PASSWORD,
            practice_ids=[p.id for p in practices_],
        )
        return user, self.token(user.email)

    def token(self, email: str) -> str:
        _, _, token, _ = auth.login(self.db, email, PASSWORD, "token", "addr:test")
        return token

    def headers(self, role: str, practices_: list[Practice] | tuple[Practice, ...] = ()) -> dict[str, str]:
        _, token = self.user(role, practices_)
        return {"Authorization": f"Bearer {token}"}

    def api_key_headers(self, practices_: list[Practice], scopes: list[str] | None = None) -> dict[str, str]:
        n = next(_counter)
        _, key = auth.create_api_key(
            self.db,
            client=f"client {n}",
            scopes=scopes or sorted(API_KEY_SCOPES),
            practice_ids=[p.id for p in practices_],
        )
        return {"Authorization": f"Bearer {key}"}
