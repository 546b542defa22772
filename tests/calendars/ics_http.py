"""A tiny loopback HTTP server publishing .ics documents with ETag / Last-Modified / 304, for tests."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Published:
    """What the server publishes: path → document, and what it saw."""

    documents: dict[str, bytes] = field(default_factory=dict)
    modified: dict[str, float] = field(default_factory=dict)
    hits: list[tuple[str, int]] = field(default_factory=list)  # (path, status)
    delay: float = 0.0
    port: int = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def publish(self, path: str, data: bytes) -> None:
        self.documents[path] = data
        self.modified[path] = time.time()


def _etag(data: bytes) -> str:
    return '"' + hashlib.sha256(data).hexdigest()[:16] + '"'


def _handler(state: Published) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # keep test output quiet
            pass

        def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
            state.hits.append((self.path, status))
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            if state.delay:
                time.sleep(state.delay)
            if self.path == "/loop":
                return self._send(302, headers={"Location": "/loop"})
            if self.path == "/error":
                return self._send(503)
            if self.path == "/private" and self.headers.get("Authorization") is None:
                return self._send(401, headers={"WWW-Authenticate": 'Basic realm="x"'})
            data = state.documents.get(self.path)
            if data is None:
                return self._send(404)
            etag = _etag(data)
            modified = formatdate(state.modified[self.path], usegmt=True)
            headers = {"ETag": etag, "Last-Modified": modified, "Content-Type": "text/calendar"}
            if self.headers.get("If-None-Match") == etag:
                return self._send(304, headers=headers)
            self._send(200, data, headers)

    return Handler


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that timed out on purpose closed the connection: expected, not a failure


@contextmanager
def ics_http_server() -> Iterator[Published]:
    state = Published()
    server = _QuietServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    server.block_on_close = False  # a test may leave a slow request behind
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
