"""WebDAV/CalDAV XML: request bodies and multistatus parsing (pure).

Responses come from a remote server, so they are parsed with the standard library's expat, which
resolves no external entity and (expat ≥ 2.4.1) refuses entity-expansion bombs; the client also
caps the body size before parsing.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from app.calendars.errors import RemoteProtocolError

DAV = "DAV:"
CALDAV = "urn:ietf:params:xml:ns:caldav"
_HEAD = '<?xml version="1.0" encoding="utf-8"?>\n'
_NS = f'xmlns:D="{DAV}" xmlns:C="{CALDAV}"'


def tag(namespace: str, name: str) -> str:
    return f"{{{namespace}}}{name}"


@dataclass
class DavResponse:
    """One <D:response>: its href, overall status, and the properties found (200) or missing."""

    href: str
    status: int | None = None
    props: dict[str, ET.Element] = field(default_factory=dict)
    missing: set[str] = field(default_factory=set)

    def text(self, name: str) -> str | None:
        element = self.props.get(name)
        return None if element is None or element.text is None else element.text.strip()


@dataclass
class Multistatus:
    responses: list[DavResponse]
    sync_token: str | None = None


def _status_code(text: str | None) -> int | None:
    # "HTTP/1.1 404 Not Found"
    if not text:
        return None
    parts = text.split()
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


def parse_xml(body: bytes) -> ET.Element:
    try:
        return ET.fromstring(body)  # noqa: S314 - see module docstring
    except ET.ParseError:
        raise RemoteProtocolError("malformed XML from the server") from None


def parse_multistatus(body: bytes) -> Multistatus:
    """Parse a 207 Multi-Status body (RFC 4918 §13, RFC 6578 §6.4)."""
    root = parse_xml(body)
    if root.tag != tag(DAV, "multistatus"):
        raise RemoteProtocolError("expected a DAV:multistatus")
    responses: list[DavResponse] = []
    for element in root.findall(tag(DAV, "response")):
        href = element.findtext(tag(DAV, "href"))
        if not href:
            continue
        item = DavResponse(href=href.strip(), status=_status_code(element.findtext(tag(DAV, "status"))))
        for propstat in element.findall(tag(DAV, "propstat")):
            code = _status_code(propstat.findtext(tag(DAV, "status")))
            prop = propstat.find(tag(DAV, "prop"))
            if prop is None:
                continue
            for child in prop:
                if code == 200:
                    item.props[child.tag] = child
                else:
                    item.missing.add(child.tag)
        responses.append(item)
    token = root.findtext(tag(DAV, "sync-token"))
    return Multistatus(responses, token.strip() if token else None)


def error_conditions(body: bytes) -> set[str]:
    """The precondition elements of a <D:error> body (e.g. DAV:valid-sync-token), if any."""
    try:
        root = ET.fromstring(body)  # noqa: S314 - see module docstring
    except ET.ParseError:
        return set()
    return {child.tag for child in root} if root.tag == tag(DAV, "error") else set()


def propfind(*props: tuple[str, str]) -> bytes:
    names = "".join(f"<{'D' if ns == DAV else 'C'}:{name}/>" for ns, name in props)
    return f"{_HEAD}<D:propfind {_NS}><D:prop>{names}</D:prop></D:propfind>".encode()


def mkcalendar(displayname: str | None) -> bytes:
    name = f"<D:displayname>{escape(displayname)}</D:displayname>" if displayname else ""
    return (
        f"{_HEAD}<C:mkcalendar {_NS}><D:set><D:prop>{name}"
        '<C:supported-calendar-component-set><C:comp name="VEVENT"/></C:supported-calendar-component-set>'
        "</D:prop></D:set></C:mkcalendar>"
    ).encode()


def sync_collection(token: str | None) -> bytes:
    value = escape(token) if token else ""
    return (
        f"{_HEAD}<D:sync-collection {_NS}><D:sync-token>{value}</D:sync-token>"
        "<D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>"
    ).encode()


def _utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar_query(start: dt.datetime, end: dt.datetime) -> bytes:
    """Events overlapping [start, end) (RFC 4791 §7.8), asking only for ETags."""
    return (
        f"{_HEAD}<C:calendar-query {_NS}><D:prop><D:getetag/></D:prop>"
        '<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">'
        f'<C:time-range start="{_utc(start)}" end="{_utc(end)}"/>'
        "</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>"
    ).encode()


def calendar_multiget(hrefs: list[str]) -> bytes:
    refs = "".join(f"<D:href>{escape(h)}</D:href>" for h in hrefs)
    return (
        f"{_HEAD}<C:calendar-multiget {_NS}><D:prop><D:getetag/><C:calendar-data/></D:prop>"
        f"{refs}</C:calendar-multiget>"
    ).encode()
