"""A real Radicale CalDAV server for tests: loopback, free port, temporary storage, htpasswd auth.

Use it as a context manager anywhere (scheduling tests import it too):

    from tests.radicale_server import radicale_server

    with radicale_server() as server:
        server.url            # "http://127.0.0.1:<port>/"
        server.calendar_url("agenda")   # "http://127.0.0.1:<port>/alice/agenda/"
        server.stop(); server.start()   # same port, same storage: a server that went away and came back

or through the `radicale` pytest fixture of tests/calendars/conftest.py. The server runs in its own
process (`python -m radicale` from the virtualenv), so stopping it really closes the port.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

DEFAULT_USERS = {"alice": "alice-secret", "bob": "bob-secret"}


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_config(directory: Path, port: int, users: dict[str, str]) -> Path:
    """Radicale configuration + plain htpasswd file (Radicale 3.9: htpasswd_encryption = plain)."""
    (directory / "collections").mkdir(parents=True, exist_ok=True)
    users_file = directory / "users"
    users_file.write_text("".join(f"{name}:{password}\n" for name, password in users.items()))
    config = directory / "config"
    config.write_text(
        "[server]\n"
        f"hosts = 127.0.0.1:{port}\n"
        "timeout = 10\n"
        "delay_on_error = 0\n"
        "[auth]\n"
        "type = htpasswd\n"
        f"htpasswd_filename = {users_file}\n"
        "htpasswd_encryption = plain\n"
        "delay = 0\n"
        "[rights]\n"
        "type = owner_only\n"
        "[storage]\n"
        f"filesystem_folder = {directory / 'collections'}\n"
        "[web]\n"
        "type = none\n"
        "[logging]\n"
        "level = warning\n"
        "mask_passwords = True\n"
    )
    return config


@dataclass
class RadicaleServer:
    """A Radicale process bound to 127.0.0.1:`port`, storing under `directory`."""

    directory: Path
    port: int
    users: dict[str, str]
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def username(self) -> str:
        return next(iter(self.users))

    @property
    def password(self) -> str:
        return self.users[self.username]

    def calendar_url(self, name: str, user: str | None = None) -> str:
        return f"{self.url}{user or self.username}/{name}/"

    def start(self, timeout: float = 15.0) -> None:
        """Start (or restart) the server and wait until it answers HTTP."""
        if self.running:
            return
        config = write_config(self.directory, self.port, self.users)
        env = {k: v for k, v in os.environ.items() if k != "RADICALE_CONFIG"}
        log = (self.directory / "radicale.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "radicale", "--config", str(config)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Radicale exited with {self.process.returncode}: {self.log_tail()}")
            try:
                httpx.request("OPTIONS", self.url, timeout=0.5)
                return
            except httpx.TransportError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"Radicale did not answer within {timeout} s: {self.log_tail()}")

    def stop(self) -> None:
        """Stop the process; the storage stays, so start() brings the same data back."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.process = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_tail(self, size: int = 2000) -> str:
        path = self.directory / "radicale.log"
        return path.read_text(errors="replace")[-size:] if path.exists() else ""

    def make_calendar(self, name: str, user: str | None = None) -> str:
        """Create a calendar collection with MKCALENDAR (no client code involved) and return its URL."""
        user = user or self.username
        url = self.calendar_url(name, user)
        response = httpx.request("MKCALENDAR", url, auth=(user, self.users[user]), timeout=5)
        if response.status_code not in (201, 405):  # 405: it already exists
            raise RuntimeError(f"MKCALENDAR {url} answered {response.status_code}")
        return url


@contextmanager
def radicale_server(users: dict[str, str] | None = None, port: int | None = None) -> Iterator[RadicaleServer]:
    """Run a Radicale for the duration of the block, with its own temporary storage."""
    with tempfile.TemporaryDirectory(prefix="radicale-") as directory:
        server = RadicaleServer(Path(directory), port or free_port(), dict(users or DEFAULT_USERS))
        for attempt in range(3):
            try:
                server.start()
                break
            except RuntimeError:
                if attempt == 2 or port is not None:
                    raise
                server.port = free_port()  # someone took the port between probe and bind
        try:
            yield server
        finally:
            server.stop()
