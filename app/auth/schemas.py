"""API shapes for authentication, users and API keys."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from app.auth.models import ROLES

Role = Literal["admin", "supervisor", "agent", "practitioner"]
assert set(ROLES) == {"admin", "supervisor", "agent", "practitioner"}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginIn(Strict):
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=256)
    mode: Literal["cookie", "token"] = "token"


class LoginOut(BaseModel):
    user_id: uuid.UUID
    role: str
    expires_at: datetime
    token: str | None = None  # mode=token: send as "Authorization: Bearer …"
    csrf_token: str | None = None  # mode=cookie: send as "X-CSRF-Token" on writes


class MeOut(BaseModel):
    kind: str
    id: uuid.UUID
    role: str
    display_name: str | None = None
    practice_ids: list[uuid.UUID] | None
    permissions: list[str]


class UserCreate(Strict):
    email: EmailStr
    display_name: str = Field(min_length=1, max_length=120)
    role: Role
    password: str = Field(min_length=12, max_length=256)
    practice_ids: list[uuid.UUID] = Field(default_factory=list, max_length=500)


class UserPublic(BaseModel):
    id: uuid.UUID
    email: str
    display_name: str
    role: str
    active: bool
    practice_ids: list[uuid.UUID]


class AssignmentIn(Strict):
    practice_ids: list[uuid.UUID] = Field(max_length=500)


class ApiKeyCreate(Strict):
    client: str = Field(min_length=1, max_length=80)
    scopes: list[str] = Field(min_length=1, max_length=40)
    practice_ids: list[uuid.UUID] = Field(min_length=1, max_length=500)


class ApiKeyPublic(BaseModel):
    id: uuid.UUID
    client: str
    prefix: str
    scopes: list[str]
    practice_ids: list[uuid.UUID]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyPublic):
    key: str  # shown once
