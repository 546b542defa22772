"""Many concurrent requests on a small connection pool: queued by the gate, never stalled into 500s."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session

from app.auth import service as auth
from app.core.db import make_engine
from tests.dbs import fresh_database
from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(url: str, **settings: str) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {
        **os.environ,
        "PERMANENCE_DATABASE_URL": url,
        "PERMANENCE_RUN_WORKER_IN_PROCESS": "false",
        **{f"PERMANENCE_{k.upper()}": v for k, v in settings.items()},
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.main:app", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            if httpx.get(base + "/health", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start")


@pytest.mark.slow
def test_sixty_concurrent_requests_on_a_two_connection_pool(tmp_path):
    with fresh_database(tmp_path) as url:
        engine = make_engine(url)
        with Session(engine) as session:
            user = auth.create_user(
                session,
                email="a@example.test",
                display_name="a",
                role="admin",
                password=PASSWORD,
                practice_ids=[],
            )
            _, _, token, _ = auth.login(session, user.email, PASSWORD, "token", "addr:test")
            session.commit()
        engine.dispose()
        proc, base = _serve(url, db_pool_size="2", db_max_overflow="0", db_pool_timeout_seconds="3")
        try:
            headers = {"Authorization": f"Bearer {token}"}

            def get(_: int) -> int:
                return httpx.get(base + "/api/v1/practices", headers=headers, timeout=30).status_code

            with ThreadPoolExecutor(max_workers=60) as pool:
                statuses = list(pool.map(get, range(60)))
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    assert statuses == [200] * 60
