"""A small CalDAV client on httpx: discovery, RFC 6578 sync, calendar-query, ETag-guarded writes.

Every call has a short timeout and ends in a result or a typed error from app.calendars.errors
(RemoteConflict for 412, RemoteNotFound, RemoteAuthError, RemoteUnavailable for timeouts,
refused connections and 5xx), so a job runner can decide between retrying, flagging and giving up.
Hrefs are server paths ("/alice/agenda/x.ics"), as the server reports them.
"""

from __future__ import annotations

import datetime as dt
from types import TracebackType
from urllib.parse import quote, unquote, urljoin, urlsplit

import httpx

from app.calendars import caldav_xml as x
from app.calendars.caldav_types import CalendarInfo, ObjectRef, RemoteObject, SyncResult, object_name
from app.calendars.errors import (
    InvalidSyncToken,
    RemoteAuthError,
    RemoteConflict,
    RemoteNotFound,
    RemoteProtocolError,
    RemoteTooLarge,
    RemoteUnavailable,
    SyncUnsupported,
)

# Result types live in caldav_types; re-exported here for callers of the client.
__all__ = ["CalDAVClient", "CalendarInfo", "ObjectRef", "RemoteObject", "SyncResult", "object_name"]

_MULTIGET_BATCH = 100


def _path(url: str) -> str:
    return unquote(urlsplit(url).path)


class CalDAVClient:
    """Talks to one CalDAV account. Use as a context manager, or call close()."""

    def __init__(
        self,
        base_url: str,
        username: str | None = None,
        password: str | None = None,
        *,
        timeout: float = 5.0,
        max_bytes: int = 20_000_000,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.max_bytes = max_bytes
        auth = httpx.BasicAuth(username, password or "") if username is not None else None
        self._http = httpx.Client(
            auth=auth,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 3.0)),
            follow_redirects=False,
            transport=transport,
            headers={"User-Agent": "Permanence-CalDAV/1"},
        )

    def __enter__(self) -> CalDAVClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def url(self, href: str) -> str:
        """Absolute URL of a server path or of a URL."""
        return urljoin(self.base_url, quote(href, safe="/:@%+~") if "://" not in href else href)

    # -- transport ---------------------------------------------------------------------------

    def _request(
        self, method: str, url: str, *, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[httpx.Response, bytes]:
        try:
            with self._http.stream(method, url, content=body, headers=headers) as response:
                data = bytearray()
                for chunk in response.iter_bytes():
                    data += chunk
                    if len(data) > self.max_bytes:
                        raise RemoteTooLarge(f"{method} answer larger than {self.max_bytes} bytes")
        except httpx.TimeoutException:
            raise RemoteUnavailable(f"{method} timed out") from None
        except httpx.TransportError as exc:
            raise RemoteUnavailable(f"{method} failed: {type(exc).__name__}") from None
        code = response.status_code
        if code in (401, 403) and not x.error_conditions(bytes(data)):
            raise RemoteAuthError(f"{method} refused ({code})", status=code)
        if code in (404, 410):
            raise RemoteNotFound(f"{method} target not found ({code})", status=code)
        if code == 412:
            raise RemoteConflict(f"{method} precondition failed: changed remotely", status=code)
        if code == 429 or code >= 500:
            raise RemoteUnavailable(f"{method} answered {code}", status=code)
        return response, bytes(data)

    def _report(self, url: str, body: bytes, depth: str = "1") -> x.Multistatus:
        headers = {"Depth": depth, "Content-Type": "application/xml; charset=utf-8"}
        response, data = self._request("REPORT", url, body=body, headers=headers)
        if response.status_code != 207:
            conditions = x.error_conditions(data)
            if x.tag(x.DAV, "valid-sync-token") in conditions:
                raise InvalidSyncToken("sync-token no longer valid", status=response.status_code)
            if x.tag(x.DAV, "supported-report") in conditions or response.status_code in (400, 403, 405, 501):
                raise SyncUnsupported(
                    f"REPORT not supported ({response.status_code})", status=response.status_code
                )
            raise RemoteProtocolError(f"REPORT answered {response.status_code}", status=response.status_code)
        return x.parse_multistatus(data)

    def _propfind(self, url: str, body: bytes, depth: str, redirects: int = 0) -> x.Multistatus:
        headers = {"Depth": depth, "Content-Type": "application/xml; charset=utf-8"}
        response, data = self._request("PROPFIND", url, body=body, headers=headers)
        location = response.headers.get("Location")
        if response.status_code in (301, 302, 307, 308) and location and redirects > 0:
            # /.well-known/caldav (RFC 6764) points at the real context path.
            return self._propfind(urljoin(url, location), body, depth, redirects - 1)
        if response.status_code != 207:
            raise RemoteProtocolError(
                f"PROPFIND answered {response.status_code}", status=response.status_code
            )
        return x.parse_multistatus(data)

    # -- collections -------------------------------------------------------------------------

    def _href_prop(self, url: str, name: tuple[str, str]) -> str:
        status = self._propfind(url, x.propfind(name), "0", redirects=3)
        for item in status.responses:
            element = item.props.get(x.tag(*name))
            href = element.findtext(x.tag(x.DAV, "href")) if element is not None else None
            if href:
                return self.url(href.strip())
        raise RemoteProtocolError(f"server did not report {name[1]}")

    def discover(self) -> list[CalendarInfo]:
        """The account's calendars: current-user-principal → calendar-home-set → collections."""
        principal = self._href_prop(self.base_url, (x.DAV, "current-user-principal"))
        home = self._href_prop(principal, (x.CALDAV, "calendar-home-set"))
        status = self._propfind(
            home, x.propfind((x.DAV, "resourcetype"), (x.DAV, "displayname"), (x.DAV, "sync-token")), "1"
        )
        found = []
        for item in status.responses:
            kind = item.props.get(x.tag(x.DAV, "resourcetype"))
            if kind is not None and kind.find(x.tag(x.CALDAV, "calendar")) is not None:
                found.append(
                    CalendarInfo(
                        self.url(item.href),
                        item.text(x.tag(x.DAV, "displayname")),
                        item.text(x.tag(x.DAV, "sync-token")),
                    )
                )
        return found

    def calendar_info(self, url: str) -> CalendarInfo:
        status = self._propfind(url, x.propfind((x.DAV, "displayname"), (x.DAV, "sync-token")), "0")
        item = status.responses[0] if status.responses else x.DavResponse(href=url)
        return CalendarInfo(
            url, item.text(x.tag(x.DAV, "displayname")), item.text(x.tag(x.DAV, "sync-token"))
        )

    def ensure_calendar(self, url: str, displayname: str | None = None) -> CalendarInfo:
        """The calendar at `url`, created with MKCALENDAR when missing."""
        try:
            return self.calendar_info(url)
        except RemoteNotFound:
            pass
        response, _ = self._request("MKCALENDAR", url, body=x.mkcalendar(displayname))
        if response.status_code not in (201, 405):  # 405: created meanwhile by someone else
            raise RemoteProtocolError(
                f"MKCALENDAR answered {response.status_code}", status=response.status_code
            )
        return self.calendar_info(url)

    # -- reading -----------------------------------------------------------------------------

    def sync_collection(self, url: str, token: str | None) -> SyncResult:
        """RFC 6578 sync-collection REPORT: changes since `token` (all members when None)."""
        status = self._report(url, x.sync_collection(token))
        changed, deleted = [], []
        own = _path(url).rstrip("/")
        for item in status.responses:
            href = _path(self.url(item.href))
            if href.rstrip("/") == own:
                continue
            if item.status == 404:
                deleted.append(href)
            else:
                changed.append(ObjectRef(href, item.text(x.tag(x.DAV, "getetag"))))
        if status.sync_token is None:
            raise RemoteProtocolError("sync-collection answer without a sync-token")
        return SyncResult(changed, deleted, status.sync_token, full=token is None, method="sync-collection")

    def query(self, url: str, start: dt.datetime, end: dt.datetime) -> SyncResult:
        """calendar-query REPORT: every event overlapping [start, end), with ETags (a full listing)."""
        status = self._report(url, x.calendar_query(start, end))
        own = _path(url).rstrip("/")
        refs = [
            ObjectRef(_path(self.url(i.href)), i.text(x.tag(x.DAV, "getetag")))
            for i in status.responses
            if _path(self.url(i.href)).rstrip("/") != own and i.status in (None, 200)
        ]
        return SyncResult(refs, [], None, full=True, method="calendar-query")

    def sync(self, url: str, token: str | None, start: dt.datetime, end: dt.datetime) -> SyncResult:
        """Incremental sync when possible; a full listing when the token is stale or sync is missing."""
        try:
            return self.sync_collection(url, token)
        except InvalidSyncToken:
            if token is None:
                raise
        except SyncUnsupported:
            return self.query(url, start, end)
        try:
            return self.sync_collection(url, None)
        except SyncUnsupported:
            return self.query(url, start, end)

    def multiget(self, url: str, hrefs: list[str]) -> list[RemoteObject]:
        """Bodies and ETags of several objects of the collection at `url` (calendar-multiget)."""
        found: list[RemoteObject] = []
        for i in range(0, len(hrefs), _MULTIGET_BATCH):
            batch = [quote(h, safe="/:@%+~") for h in hrefs[i : i + _MULTIGET_BATCH]]
            for item in self._report(url, x.calendar_multiget(batch)).responses:
                data = item.text(x.tag(x.CALDAV, "calendar-data"))
                if data is not None and item.status in (None, 200):
                    found.append(
                        RemoteObject(
                            _path(self.url(item.href)), item.text(x.tag(x.DAV, "getetag")), data.encode()
                        )
                    )
        return found

    def get(self, href: str) -> RemoteObject:
        response, data = self._request("GET", self.url(href))
        if response.status_code != 200:
            raise RemoteProtocolError(f"GET answered {response.status_code}", status=response.status_code)
        return RemoteObject(_path(self.url(href)), response.headers.get("ETag"), data)

    # -- writing -----------------------------------------------------------------------------

    def put(self, href: str, data: bytes, *, etag: str | None = None) -> str | None:
        """Create (`etag` None: If-None-Match: *) or replace (If-Match: etag); returns the new ETag.

        RemoteConflict (412) means the object already exists (create) or changed remotely (update).
        """
        headers = {"Content-Type": "text/calendar; charset=utf-8"}
        headers.update({"If-Match": etag} if etag else {"If-None-Match": "*"})
        response, _ = self._request("PUT", self.url(href), body=data, headers=headers)
        if response.status_code == 409:  # e.g. CALDAV:no-uid-conflict: the UID lives in another object
            raise RemoteConflict("PUT conflicts with another object", status=409)
        if response.status_code not in (200, 201, 204):
            raise RemoteProtocolError(f"PUT answered {response.status_code}", status=response.status_code)
        return response.headers.get("ETag")

    def delete(self, href: str, *, etag: str | None = None) -> None:
        """Delete, guarded by If-Match when `etag` is given (RemoteConflict if it changed)."""
        headers = {"If-Match": etag} if etag else {}
        response, _ = self._request("DELETE", self.url(href), headers=headers)
        if response.status_code not in (200, 204):
            raise RemoteProtocolError(f"DELETE answered {response.status_code}", status=response.status_code)
