"""A server without RFC 6578: the real Radicale behind a loopback proxy that refuses sync-collection.

The proxy forwards every request unchanged except a sync-collection REPORT, which it answers the
way servers without the report do (403 + DAV:supported-report), so the client must fall back to
a time-ranged calendar-query.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from app.calendars.caldav_client import CalDAVClient
from app.calendars.errors import SyncUnsupported
from tests.calendars.test_caldav_client import WINDOW, event, href
from tests.radicale_server import RadicaleServer

pytestmark = pytest.mark.radicale

_REFUSAL = b'<?xml version="1.0"?><D:error xmlns:D="DAV:"><D:supported-report/></D:error>'


def _proxy_handler(upstream: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _forward(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.command == "REPORT" and b"sync-collection" in body:
                self.send_response(403)
                self.send_header("Content-Length", str(len(_REFUSAL)))
                self.end_headers()
                self.wfile.write(_REFUSAL)
                return
            headers = {k: v for k, v in self.headers.items() if k.lower() not in {"host", "content-length"}}
            answer = httpx.request(
                self.command, upstream + self.path.lstrip("/"), headers=headers, content=body
            )
            self.send_response(answer.status_code)
            for name, value in answer.headers.items():
                if name.lower() not in {
                    "content-length",
                    "transfer-encoding",
                    "connection",
                    "content-encoding",
                }:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.content)))
            self.end_headers()
            self.wfile.write(answer.content)

        do_GET = do_PUT = do_DELETE = do_REPORT = do_PROPFIND = do_MKCALENDAR = do_OPTIONS = _forward

    return Handler


@pytest.fixture
def no_sync_proxy(radicale: RadicaleServer) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _proxy_handler(radicale.url))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_sync_falls_back_to_calendar_query(radicale: RadicaleServer, calendar_url: str, no_sync_proxy: str):
    via_proxy = calendar_url.replace(radicale.url, no_sync_proxy)
    with CalDAVClient(no_sync_proxy, radicale.username, radicale.password, timeout=5) as client:
        client.put(href(via_proxy, "in@test"), event("in@test"))
        client.put(
            href(via_proxy, "later@test"), event("later@test", dt.datetime(2026, 9, 1, 9, tzinfo=dt.UTC))
        )
        with pytest.raises(SyncUnsupported):
            client.sync_collection(via_proxy, None)
        result = client.sync(via_proxy, None, *WINDOW)
        assert result.method == "calendar-query" and result.full and result.token is None
        assert [r.href.rsplit("/", 1)[1] for r in result.changed] == ["in@test.ics"]
        # A token from earlier days (when the server still had sync) also falls back.
        assert client.sync(via_proxy, "http://radicale.org/ns/sync/old", *WINDOW).method == "calendar-query"
