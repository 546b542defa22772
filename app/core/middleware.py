"""ASGI middleware: request ids, body size limit, JSON content type, security headers."""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.context import request_id_var
from app.core.errors import PROBLEM_BASE

_JSON_TYPE = re.compile(r"^application/([a-z0-9.+-]+\+)?json\s*(;.*)?$", re.IGNORECASE)
_BODY_METHODS = {"POST", "PUT", "PATCH"}
_SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]


def _problem(status: int, type_: str, title: str, detail: str) -> tuple[dict[str, Any], bytes]:
    import json

    body = json.dumps(
        {"type": PROBLEM_BASE + type_, "title": title, "status": status, "detail": detail}
    ).encode()
    start = {
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", b"application/problem+json"),
            (b"content-length", str(len(body)).encode()),
        ],
    }
    return start, body


class RequestGuard:
    """Rejects oversize and non-JSON API bodies before any handler runs; tags every request with an id."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode().lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        rid = headers.get("x-request-id", "")[:64] or uuid.uuid4().hex
        token = request_id_var.set(rid)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (b"x-request-id", rid.encode()),
                    *_SECURITY_HEADERS,
                ]
            await send(message)

        try:
            refusal = self._refusal(scope, headers)
            if refusal is not None:
                start, body = _problem(*refusal)
                await send_with_headers(start)
                await send({"type": "http.response.body", "body": body})
                return
            await self.app(scope, self._limited(receive), send_with_headers)
        except _TooLarge:
            start, body = _problem(
                413,
                "payload-too-large",
                "Payload too large",
                f"Request bodies are limited to {self.max_body_bytes} bytes.",
            )
            await send_with_headers(start)
            await send({"type": "http.response.body", "body": body})
        finally:
            request_id_var.reset(token)

    def _refusal(self, scope: Scope, headers: dict[str, str]) -> tuple[int, str, str, str] | None:
        if scope["method"] not in _BODY_METHODS or not scope["path"].startswith("/api/"):
            return None
        length = headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body_bytes:
            return (
                413,
                "payload-too-large",
                "Payload too large",
                f"Request bodies are limited to {self.max_body_bytes} bytes.",
            )
        has_body = (length not in (None, "0")) or "transfer-encoding" in headers
        if has_body and not _JSON_TYPE.match(headers.get("content-type", "")):
            return (
                415,
                "unsupported-media-type",
                "Unsupported media type",
                "Send JSON with 'Content-Type: application/json'.",
            )
        return None

    def _limited(self, receive: Receive) -> Receive:
        seen = 0

        async def wrapped() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body_bytes:
                    raise _TooLarge
            return message

        return wrapped


class _TooLarge(Exception):
    pass


class RequestGate:
    """At most `limit` API requests inside the app per process; the others wait in the event loop.

    FastAPI runs each sync dependency and the endpoint in worker threads, and a request keeps its pooled
    database connection across those hops. With more requests in flight than pooled connections, every
    thread can end up waiting for a connection held by a request that is itself waiting for a thread —
    a stall until the pool times out. Queuing before the app runs, with the limit set to the pool's
    size, makes that impossible. Health checks and static files are not gated.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self._gate: asyncio.Semaphore | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(("/api/", "/feeds/")):
            await self.app(scope, receive, send)
            return
        if self._gate is None:
            self._gate = asyncio.Semaphore(self.limit)
        async with self._gate:
            await self.app(scope, receive, send)
