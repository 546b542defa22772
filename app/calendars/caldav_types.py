"""Results of the CalDAV client (plain dataclasses) and resource naming."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

_SAFE_NAME = re.compile(r"^[A-Za-z0-9._@-]{1,120}$")


@dataclass(frozen=True, slots=True)
class ObjectRef:
    href: str
    etag: str | None


@dataclass(frozen=True, slots=True)
class RemoteObject:
    href: str
    etag: str | None
    data: bytes


@dataclass(frozen=True, slots=True)
class CalendarInfo:
    url: str
    displayname: str | None
    sync_token: str | None


@dataclass(frozen=True, slots=True)
class SyncResult:
    """What changed since `token`. When `full`, `changed` is the whole set and anything else is gone."""

    changed: list[ObjectRef]
    deleted: list[str]
    token: str | None
    full: bool
    method: str  # "sync-collection" or "calendar-query"


def object_name(uid: str) -> str:
    """A stable resource name for an event UID (readable when the UID is URL-safe)."""
    if _SAFE_NAME.match(uid):
        return f"{uid}.ics"
    return hashlib.sha256(uid.encode()).hexdigest()[:40] + ".ics"
