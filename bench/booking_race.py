"""Booking race: 200 concurrent requests for one slot over 4 uvicorn API processes on PostgreSQL.

Creates a fresh PostgreSQL database (migrated by Alembic), seeds a practice, starts
`uvicorn app.main:app --workers 4` on a free loopback port, fires the requests at once and counts:
exactly one 201, the rest 409 (with alternatives), zero overlapping claims in the database.

Run: .venv/bin/python bench/booking_race.py [--requests 200] [--workers 4]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VAR = Path(tempfile.mkdtemp(prefix="permanence-bench-"))
os.environ.setdefault("PERMANENCE_VAR_DIR", str(VAR))
os.environ["PERMANENCE_RUN_WORKER_IN_PROCESS"] = "false"

import httpx  # noqa: E402
from sqlalchemy import Engine, text  # noqa: E402
from sqlmodel import Session  # noqa: E402

PASSWORD = "bench password long enough"


@contextmanager
def fresh_postgres() -> Iterator[str]:
    """A new migrated PostgreSQL database, dropped afterwards."""
    from tests.dbs import fresh_database

    with fresh_database(VAR, "postgresql") as url:
        yield url


@dataclass
class Seed:
    practice_ids: list[uuid.UUID]
    practitioner_ids: list[list[uuid.UUID]]
    motif_ids: list[uuid.UUID]
    token: str
    first_start: datetime


def seed(engine: Engine, practices: int = 1, practitioners: int = 1) -> Seed:
    """Practices open 24/7 with a 20-minute motif, and one agent assigned to all of them."""
    from app.auth import service as auth
    from app.practices import service as practice_service
    from app.practices.schemas import MotifIn, PracticeCreate, PractitionerIn
    from app.scheduling import hours, service
    from app.scheduling import rules as r
    from app.scheduling.schemas import OpeningHoursIn, WeeklyHoursIn
    from tests.factories import ADMIN

    week = OpeningHoursIn(rules=[WeeklyHoursIn(weekday=d, start="00:00", end="24:00") for d in range(7)])
    with Session(engine, expire_on_commit=False) as session:
        pids, docs, motifs = [], [], []
        for n in range(practices):
            practice = practice_service.create_practice(
                session, ADMIN, PracticeCreate(name=f"Cabinet banc {n}", specialties=["generaliste"])
            )
            doctors = []
            for k in range(practitioners):
                doctor = practice_service.add_practitioner(
                    session,
                    practice.id,
                    PractitionerIn(display_name=f"Dr Banc {n}-{k}", specialty="generaliste"),
                )
                hours.replace(session, ADMIN, doctor.id, week)
                doctors.append(doctor.id)
            motif = practice_service.add_motif(
                session,
                ADMIN,
                practice.id,
                MotifIn(code="consultation", label="Consultation", duration_minutes=20, horizon_days=365),
            )
            pids.append(practice.id)
            docs.append(doctors)
            motifs.append(motif.id)
        auth.create_user(
            session,
            email="agent@bench.test",
            display_name="Agent banc",
            role="agent",
            password=PASSWORD,
            practice_ids=pids,
        )
        _, _, token, _ = auth.login(session, "agent@bench.test", PASSWORD, "token", "addr:bench")
        first = service.compute_slots(
            session,
            practice_service.get_practice(session, ADMIN, pids[0]),
            session.get(practice_service.Motif, motifs[0]),  # type: ignore[attr-defined]
            r.SlotRequest(now=datetime.now().astimezone() + timedelta(days=1), limit=1),
        )[0]
        session.commit()
    return Seed(pids, docs, motifs, token, first.start)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def api_server(url: str, workers: int) -> Iterator[str]:
    """`uvicorn app.main:app --workers N` on loopback, stopped afterwards."""
    port = free_port()
    env = {**os.environ, "PERMANENCE_DATABASE_URL": url, "PERMANENCE_RUN_WORKER_IN_PROCESS": "false"}
    # The app queues requests beyond its connection pool (app.core.middleware.RequestGate).
    env.setdefault("PERMANENCE_MAX_REQUESTS_IN_FLIGHT", os.environ.get("PERMANENCE_BENCH_GATE", "10"))
    cmd = [sys.executable, "-m", "uvicorn", "app.main:app"]
    cmd += ["--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    cmd += ["--log-level", "warning", "--no-access-log"]
    env["PYTHONPATH"] = str(ROOT)
    # Run the start-up checks once first: their first run on a fresh database writes check values.
    warm = [sys.executable, "-c", "from app.main import startup_checks; startup_checks()"]
    subprocess.run(warm, cwd=ROOT, env=env, check=True)
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240  # a loaded 2-core machine starts 4 workers slowly
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + "/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            raise RuntimeError("API did not start")
        time.sleep(1.0 if workers > 1 else 0)  # let every worker process finish starting
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


async def fire(base: str, token: str, bodies: list[dict], concurrency: int) -> tuple[Counter, list[float]]:
    """POST every body to /api/v1/appointments with at most `concurrency` in flight."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"Authorization": f"Bearer {token}"}
    gate = asyncio.Semaphore(concurrency)
    codes: Counter = Counter()
    latencies: list[float] = []
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60, headers=headers) as client:

        async def one(body: dict) -> None:
            async with gate:
                t0 = time.perf_counter()
                r = await client.post("/api/v1/appointments", json=body)
                latencies.append(time.perf_counter() - t0)
                codes[r.status_code] += 1

        await asyncio.gather(*(one(b) for b in bodies))
    return codes, latencies


def overlaps(engine: Engine) -> int:
    sql = text(
        "SELECT count(*) FROM slot_claim a JOIN slot_claim b ON a.practitioner_id = b.practitioner_id "
        "AND a.id < b.id AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at"
    )
    with engine.connect() as conn:
        return int(conn.execute(sql).scalar_one())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    from app.core.db import make_engine

    with fresh_postgres() as url:
        engine = make_engine(url)
        data = seed(engine)
        body = {
            "practice_id": str(data.practice_ids[0]),
            "practitioner_id": str(data.practitioner_ids[0][0]),
            "motif_id": str(data.motif_ids[0]),
            "start": data.first_start.isoformat(),
        }
        with api_server(url, args.workers) as base:
            t0 = time.perf_counter()
            codes, _ = asyncio.run(fire(base, data.token, [body] * args.requests, args.requests))
            elapsed = time.perf_counter() - t0
        with engine.connect() as conn:
            booked = conn.execute(
                text("SELECT count(*) FROM appointment WHERE status = 'booked'")
            ).scalar_one()
        print(f"Booking race: {args.requests} concurrent requests for one slot")
        print(f"  {args.workers} uvicorn processes on PostgreSQL")
        print(f"  responses: {dict(sorted(codes.items()))}  in {elapsed:.2f} s")
        other = sum(codes.values()) - codes[201] - codes[409]
        print(f"  successes (201): {codes[201]}   conflicts (409): {codes[409]}   other: {other}")
        print(f"  appointments booked in the database: {booked}   overlapping claims: {overlaps(engine)}")
        ok = codes[201] == 1 and booked == 1 and overlaps(engine) == 0 and codes[409] == args.requests - 1
        print("  RESULT:", "exactly one success, zero overlaps" if ok else "FAILED")
        print(f"  machine load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        engine.dispose()
        if not ok:
            sys.exit(1)


if __name__ == "__main__":
    main()
