"""Errors of the calendars package: plain exceptions, no HTTP, no event text in any message.

Messages name a property, a limit or a status code, never a SUMMARY, DESCRIPTION or other
content of the calendar, because agendas of medical practitioners hold health data.
"""

from __future__ import annotations


class CalendarError(Exception):
    """Base of every error raised by app.calendars."""


class CalendarParseError(CalendarError):
    """An iCalendar document is malformed, hostile or beyond the configured limits."""


class RemoteError(CalendarError):
    """A remote calendar (CalDAV server or iCal URL) did not give what was asked.

    `retryable` tells a job runner whether trying again later may succeed.
    """

    retryable: bool = False

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class RemoteUnavailable(RemoteError):
    """Connection refused, DNS failure, timeout or 5xx: try again later."""

    retryable = True


class RemoteAuthError(RemoteError):
    """401/403: the credentials are wrong or lack the right; retrying will not help."""


class RemoteNotFound(RemoteError):
    """404/410: the collection or object does not exist (any more)."""


class RemoteConflict(RemoteError):
    """412 Precondition Failed: the object changed (or appeared) remotely since we last saw it."""


class InvalidSyncToken(RemoteError):
    """The server no longer accepts our sync-token (RFC 6578 §3.2 valid-sync-token)."""


class SyncUnsupported(RemoteError):
    """The collection does not support the sync-collection REPORT."""


class RemoteProtocolError(RemoteError):
    """The server answered something we cannot interpret (bad XML, unexpected status)."""


class RemoteTooLarge(RemoteError):
    """The remote document exceeds the size limit."""
