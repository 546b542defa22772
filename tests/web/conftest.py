"""Browser tests: the real app served by uvicorn on a loopback port, a fresh migrated database
(SQLite or PostgreSQL, as PERMANENCE_TEST_DB says) seeded with the demo, and Debian's Chromium
driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.dbs import fresh_database

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
DEMO_PASSWORD = "demo-permanence-2026"  # the published demo credentials
AGENT = "agent1@permanence.test"
CALLER_PHONE = "+33612345678"
VIEWPORT = {"width": 1366, "height": 768}
UVICORN = [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--log-level", "warning"]


@dataclass
class Server:
    url: str
    practices: dict[str, dict[str, Any]] = field(default_factory=dict)
    patients: dict[str, dict[str, Any]] = field(default_factory=dict)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120  # a loaded CI machine starts slowly
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"uvicorn exited with {proc.returncode}: {log.read_text()[-3000:]}")
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("uvicorn did not start")


def _prepare(base: str) -> Server:
    """Opening hours every day for every practitioner, and one known caller per practice."""
    server = Server(base)
    with httpx.Client(base_url=base + "/api/v1", timeout=10) as c:
        admin = c.post(
            "/auth/login", json={"email": "admin@permanence.test", "password": DEMO_PASSWORD, "mode": "token"}
        ).json()["token"]
        c.headers["Authorization"] = f"Bearer {admin}"
        hours = {
            "rules": [{"weekday": d, "start": "07:00", "end": "21:00"} for d in range(7)],
            "reserved_blocks": [],
        }
        for practice in c.get("/practices").json():
            server.practices[practice["name"]] = practice
            for pr in c.get(f"/practices/{practice['id']}/practitioners").json():
                r = c.put(f"/practitioners/{pr['id']}/opening-hours", json=hours)
                assert r.status_code == 200, r.text
        bati = server.practices["Cabinet médical des Batignolles"]
        r = c.post(
            f"/practices/{bati['id']}/patients",
            json={
                "surname": "Dupont",
                "given_names": "Marie",
                "birth_date": "1980-03-12",
                "sex": "F",
                "phones": [CALLER_PHONE],
            },
        )
        assert r.status_code == 201, r.text
        server.patients["dupont"] = r.json()["patient"]
        r = c.post(
            f"/practices/{bati['id']}/patients",
            json={"surname": "Lefebvre", "given_names": "Jacques", "birth_date": "1958-07-02", "sex": "M"},
        )
        assert r.status_code == 201, r.text
        server.patients["lefebvre"] = r.json()["patient"]
    return server


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    tmp = Path(tempfile.mkdtemp(prefix="permanence-web-"))
    with fresh_database(tmp) as url:  # SQLite or PostgreSQL, as PERMANENCE_TEST_DB says
        env = {
            **os.environ,
            "PERMANENCE_DATABASE_URL": url,
            "PERMANENCE_VAR_DIR": str(tmp),
            "PERMANENCE_ENV": "development",
            "PERMANENCE_RUN_WORKER_IN_PROCESS": "false",
        }
        seed = subprocess.run(
            [sys.executable, "-c", "from app.cli import app; app(['demo'])"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        assert seed.returncode == 0, seed.stderr
        port = _free_port()
        log = tmp / "uvicorn.log"
        proc = subprocess.Popen(
            [*UVICORN, "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait(base, proc, log)
            yield _prepare(base)
        finally:
            proc.terminate()
            proc.wait(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's Chromium is not installed at /usr/bin/chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, server: Server) -> Iterator[Any]:
    context = browser.new_context(viewport=VIEWPORT, locale="fr-FR", timezone_id="Europe/Paris")
    # Keyboard only: any pointer event (a mouse click) fails the test.
    context.add_init_script(
        "window.__pointer = 0; addEventListener('pointerdown', () => window.__pointer++, true);"
    )
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    yield pg
    if os.environ.get("PERMANENCE_WEB_DEBUG"):
        pg.screenshot(path=str(Path(tempfile.gettempdir()) / "console-last.png"))
    pointer = pg.evaluate("window.__pointer")
    context.close()
    assert not errors, f"JavaScript errors in the console: {errors}"
    assert pointer == 0, "the test used the mouse"
