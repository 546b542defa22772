"""HTTP routes of opening hours, feed tokens, and the practitioners' ICS feeds."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response

from app.auth.deps import CanReadScheduling, CanWritePractices
from app.core.db import SessionDep
from app.scheduling import feeds, hours
from app.scheduling.schemas import (
    FeedTokenCreated,
    FeedTokenOut,
    OpeningExceptionIn,
    OpeningExceptionOut,
    OpeningHoursIn,
    OpeningHoursOut,
)

admin_router = APIRouter(prefix="/api/v1", tags=["opening hours and feeds"])
feeds_router = APIRouter(tags=["feeds"])


@admin_router.get("/practitioners/{practitioner_id}/opening-hours", response_model=OpeningHoursOut)
def read_hours(practitioner_id: uuid.UUID, actor: CanReadScheduling, session: SessionDep) -> OpeningHoursOut:
    return hours.read(session, actor, practitioner_id)


@admin_router.put("/practitioners/{practitioner_id}/opening-hours", response_model=OpeningHoursOut)
def replace_hours(
    practitioner_id: uuid.UUID, body: OpeningHoursIn, actor: CanWritePractices, session: SessionDep
) -> OpeningHoursOut:
    """Replace the weekly opening rules and reserved blocks (wall time of the practice's zone)."""
    return hours.replace(session, actor, practitioner_id, body)


@admin_router.get("/practices/{practice_id}/opening-exceptions", response_model=list[OpeningExceptionOut])
def list_exceptions(
    practice_id: uuid.UUID, actor: CanReadScheduling, session: SessionDep
) -> list[OpeningExceptionOut]:
    return hours.list_exceptions(session, actor, practice_id)


@admin_router.post(
    "/practices/{practice_id}/opening-exceptions", response_model=OpeningExceptionOut, status_code=201
)
def add_exception(
    practice_id: uuid.UUID, body: OpeningExceptionIn, actor: CanWritePractices, session: SessionDep
) -> OpeningExceptionOut:
    """A holiday, an absence (closed) or a one-off opening; no practitioner: the whole practice."""
    return hours.add_exception(session, actor, practice_id, body)


@admin_router.delete("/opening-exceptions/{exception_id}", status_code=204)
def delete_exception(exception_id: uuid.UUID, actor: CanWritePractices, session: SessionDep) -> Response:
    hours.delete_exception(session, actor, exception_id)
    return Response(status_code=204)


@admin_router.get("/practitioners/{practitioner_id}/feed-tokens", response_model=list[FeedTokenOut])
def list_feed_tokens(
    practitioner_id: uuid.UUID, actor: CanWritePractices, session: SessionDep
) -> list[FeedTokenOut]:
    return feeds.list_tokens(session, actor, practitioner_id)


@admin_router.post(
    "/practitioners/{practitioner_id}/feed-tokens", response_model=FeedTokenCreated, status_code=201
)
def create_feed_token(
    practitioner_id: uuid.UUID,
    actor: CanWritePractices,
    session: SessionDep,
    rotate: Annotated[bool, Query()] = False,
) -> FeedTokenCreated:
    """A new secret feed URL, shown once; `rotate=true` revokes the practitioner's other tokens."""
    return feeds.create_token(session, actor, practitioner_id, rotate=rotate)


@admin_router.post("/feed-tokens/{token_id}/revoke", response_model=FeedTokenOut)
def revoke_feed_token(token_id: uuid.UUID, actor: CanWritePractices, session: SessionDep) -> FeedTokenOut:
    return feeds.revoke_token(session, actor, token_id)


@feeds_router.get(
    "/feeds/{token}.ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}, 304: {"description": "Not modified"}},
)
def feed(token: str, session: SessionDep, if_none_match: Annotated[str | None, Header()] = None) -> Response:
    """A practitioner's appointments as iCalendar; the secret token is the credential."""
    tag, body = feeds.fetch(session, token, if_none_match)
    headers = {"ETag": tag, "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    if body is None:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="text/calendar; charset=utf-8", headers=headers)
