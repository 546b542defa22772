"""Poll a private iCal link (Google, Outlook, Doctolib exports…) cheaply and safely.

Conditional GET with the validators of the last good fetch (If-None-Match / If-Modified-Since),
so an unchanged agenda costs a 304 and no parsing; a size cap applied while streaming; short
timeouts; typed errors from app.calendars.errors. The URL itself is a secret (it grants read
access to the agenda): it is never put in an error message.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from app.calendars.errors import (
    RemoteAuthError,
    RemoteError,
    RemoteNotFound,
    RemoteProtocolError,
    RemoteTooLarge,
    RemoteUnavailable,
)

DEFAULT_MAX_BYTES = 10_000_000


@dataclass(frozen=True, slots=True)
class IcsFetch:
    """Outcome of one poll. When `changed` is False the caller keeps what it has."""

    changed: bool
    data: bytes | None
    etag: str | None
    last_modified: str | None


def normalise_url(url: str) -> str:
    """webcal:// is http(s) by another name; anything but http(s) is refused."""
    if url.lower().startswith("webcal://"):
        url = "https://" + url[len("webcal://") :]
    if not url.lower().startswith(("http://", "https://")):
        raise RemoteProtocolError("iCal link must be an http(s) or webcal URL")
    return url


def fetch_ics(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    username: str | None = None,
    password: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    timeout: float = 10.0,
    transport: httpx.BaseTransport | None = None,
) -> IcsFetch:
    """GET the calendar unless unchanged since (`etag`, `last_modified`)."""
    headers = {"Accept": "text/calendar, */*;q=0.5", "User-Agent": "Permanence-ICS/1"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    auth = httpx.BasicAuth(username, password or "") if username else None
    try:
        with (
            httpx.Client(
                timeout=httpx.Timeout(timeout, connect=min(timeout, 3.0)),
                follow_redirects=True,
                max_redirects=5,
                transport=transport,
                auth=auth,
            ) as client,
            client.stream("GET", normalise_url(url), headers=headers) as response,
        ):
            _check_status(response.status_code)
            if response.status_code == 304:
                return IcsFetch(False, None, etag, last_modified)
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise RemoteTooLarge(f"calendar larger than {max_bytes} bytes", status=200)
            data = bytearray()
            for chunk in response.iter_bytes():
                data += chunk
                if len(data) > max_bytes:
                    raise RemoteTooLarge(f"calendar larger than {max_bytes} bytes", status=200)
            return IcsFetch(
                True, bytes(data), response.headers.get("ETag"), response.headers.get("Last-Modified")
            )
    except RemoteError:
        raise
    except httpx.TimeoutException:
        raise RemoteUnavailable("iCal link timed out") from None
    except httpx.TooManyRedirects:
        raise RemoteProtocolError("iCal link redirects too many times") from None
    except (httpx.TransportError, httpx.InvalidURL):
        raise RemoteUnavailable("iCal link unreachable") from None


def _check_status(code: int) -> None:
    if code in (200, 304):
        return
    if code in (401, 403):
        raise RemoteAuthError(f"iCal link refused ({code})", status=code)
    if code in (404, 410):
        raise RemoteNotFound(f"iCal link not found ({code})", status=code)
    if code == 429 or code >= 500:
        raise RemoteUnavailable(f"iCal link answered {code}", status=code)
    raise RemoteProtocolError(f"iCal link answered {code}", status=code)
