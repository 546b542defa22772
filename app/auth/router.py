"""Login and logout, the current actor, users and API keys (admin)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response
from sqlmodel import col, select

from app.audit import service as audit
from app.auth import service
from app.auth.deps import SESSION_COOKIE, ActorDep, CanAdminRead, CanAdminWrite
from app.auth.models import ApiKey, User, UserPractice
from app.auth.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyPublic,
    AssignmentIn,
    LoginIn,
    LoginOut,
    MeOut,
    UserCreate,
    UserPublic,
)
from app.core.config import get_settings
from app.core.db import SessionDep
from app.core.errors import NotFound

router = APIRouter(prefix="/api/v1", tags=["auth"])


@router.post("/auth/login", response_model=LoginOut)
def login(body: LoginIn, request: Request, response: Response, session: SessionDep) -> LoginOut:
    client_key = "addr:" + (request.client.host if request.client else "unknown")
    user, row, token, csrf = service.login(session, body.email, body.password, body.mode, client_key)
    if body.mode == "cookie":
        s = get_settings()
        response.set_cookie(
            SESSION_COOKIE,
            token,
            httponly=True,
            secure=s.cookie_secure,
            samesite="strict",
            max_age=s.session_absolute_hours * 3600,
            path="/",
        )
        return LoginOut(user_id=user.id, role=user.role, expires_at=row.expires_at, csrf_token=csrf)
    return LoginOut(user_id=user.id, role=user.role, expires_at=row.expires_at, token=token)


@router.post("/auth/logout", status_code=204)
def logout(actor: ActorDep, session: SessionDep, response: Response) -> Response:
    if actor.session_id is not None:
        service.logout(session, actor.session_id)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.status_code = 204
    return response


@router.get("/auth/me", response_model=MeOut)
def me(actor: ActorDep, session: SessionDep) -> MeOut:
    user = session.get(User, actor.id) if actor.kind == "user" else None
    return MeOut(
        kind=actor.kind,
        id=actor.id,
        role=actor.role,
        display_name=user.display_name if user else None,
        practice_ids=sorted(actor.practice_ids, key=str) if actor.practice_ids is not None else None,
        permissions=sorted(actor.permissions),
    )


def _user_public(session: SessionDep, user: User) -> UserPublic:
    pids = session.scalars(select(UserPractice.practice_id).where(UserPractice.user_id == user.id))
    return UserPublic(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        role=user.role,
        active=user.active,
        practice_ids=sorted(pids, key=str),
    )


@router.post("/users", response_model=UserPublic, status_code=201)
def create_user(body: UserCreate, actor: CanAdminWrite, session: SessionDep) -> UserPublic:
    user = service.create_user(
        session,
        email=body.email,
        display_name=body.display_name,
        role=body.role,
        password=body.password,
        practice_ids=body.practice_ids,
    )
    audit.record(
        session,
        actor=actor,
        action="user.create",
        practice_id=None,
        resource_type="user",
        resource_id=user.id,
    )
    return _user_public(session, user)


@router.get("/users", response_model=list[UserPublic])
def list_users(actor: CanAdminRead, session: SessionDep) -> list[UserPublic]:
    return [_user_public(session, u) for u in session.scalars(select(User).order_by(User.email))]


@router.put("/users/{user_id}/practices", response_model=UserPublic)
def assign_practices(
    user_id: uuid.UUID, body: AssignmentIn, actor: CanAdminWrite, session: SessionDep
) -> UserPublic:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("User not found.")
    service.assign(session, user, body.practice_ids)
    audit.record(
        session,
        actor=actor,
        action="user.assign",
        practice_id=None,
        resource_type="user",
        resource_id=user.id,
    )
    return _user_public(session, user)


def _key_public(key: ApiKey) -> dict[str, object]:
    return {
        "id": key.id,
        "client": key.client,
        "prefix": key.prefix,
        "scopes": key.scopes,
        "practice_ids": key.practice_ids,
        "created_at": key.created_at,
        "last_used_at": key.last_used_at,
        "revoked_at": key.revoked_at,
    }


@router.post("/api-keys", response_model=ApiKeyCreated, status_code=201)
def create_api_key(body: ApiKeyCreate, actor: CanAdminWrite, session: SessionDep) -> ApiKeyCreated:
    key, presented = service.create_api_key(
        session, client=body.client, scopes=body.scopes, practice_ids=body.practice_ids
    )
    audit.record(
        session,
        actor=actor,
        action="api_key.create",
        practice_id=None,
        resource_type="api_key",
        resource_id=key.id,
    )
    return ApiKeyCreated.model_validate({**_key_public(key), "key": presented})


@router.get("/api-keys", response_model=list[ApiKeyPublic])
def list_api_keys(actor: CanAdminRead, session: SessionDep) -> list[ApiKeyPublic]:
    keys = session.scalars(select(ApiKey).order_by(col(ApiKey.created_at)))
    return [ApiKeyPublic.model_validate(_key_public(k)) for k in keys]


@router.post("/api-keys/{api_key_id}/revoke", response_model=ApiKeyPublic)
def revoke_api_key(api_key_id: uuid.UUID, actor: CanAdminWrite, session: SessionDep) -> ApiKeyPublic:
    key = service.revoke_api_key(session, api_key_id)
    audit.record(
        session,
        actor=actor,
        action="api_key.revoke",
        practice_id=None,
        resource_type="api_key",
        resource_id=key.id,
    )
    return ApiKeyPublic.model_validate(_key_public(key))
