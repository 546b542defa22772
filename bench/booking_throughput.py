"""Bookings per second on distinct slots, over HTTP, 4 uvicorn processes on PostgreSQL.

Seeds several practices and practitioners open around the clock, then books N distinct slots with a
bounded number of requests in flight, and prints the rate, latencies and the overlap check.
A second figure books the same way in-process (service layer, one connection) for comparison.

Run: .venv/bin/python bench/booking_throughput.py [--bookings 1000] [--concurrency 32] [--workers 4]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from booking_race import Seed, api_server, fire, fresh_postgres, overlaps, seed
from sqlmodel import Session


def bodies(data: Seed, count: int, offset_days: int = 0) -> list[dict]:
    """`count` distinct slots, round-robin over every practitioner, consecutive 20-minute slots."""
    doctors = [
        (pid, doc, motif)
        for pid, docs, motif in zip(data.practice_ids, data.practitioner_ids, data.motif_ids, strict=True)
        for doc in docs
    ]
    start = data.first_start + timedelta(days=offset_days)
    return [
        {
            "practice_id": str(doctors[i % len(doctors)][0]),
            "practitioner_id": str(doctors[i % len(doctors)][1]),
            "motif_id": str(doctors[i % len(doctors)][2]),
            "start": (start + timedelta(minutes=20 * (i // len(doctors)))).isoformat(),
        }
        for i in range(count)
    ]


def in_process(engine, data: Seed, count: int) -> float:  # type: ignore[no-untyped-def]
    from app.auth.actor import Actor
    from app.auth.permissions import ROLE_PERMISSIONS
    from app.scheduling import booking
    from app.scheduling.schemas import AppointmentIn

    actor = Actor("user", uuid.uuid4(), "agent", ROLE_PERMISSIONS["agent"], frozenset(data.practice_ids))
    todo = bodies(data, count, offset_days=60)
    t0 = time.perf_counter()
    for body in todo:
        with Session(engine, expire_on_commit=False) as session:
            booking.book(session, actor, AppointmentIn(**body), None)
            session.commit()
    return count / (time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bookings", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    from app.core.db import make_engine

    with fresh_postgres() as url:
        engine = make_engine(url)
        data = seed(engine, practices=4, practitioners=5)
        todo = bodies(data, args.bookings)
        with api_server(url, args.workers) as base:
            asyncio.run(fire(base, data.token, bodies(data, 40, offset_days=200), 8))  # warm-up
            t0 = time.perf_counter()
            codes, latencies = asyncio.run(fire(base, data.token, todo, args.concurrency))
            elapsed = time.perf_counter() - t0
        rate = codes[201] / elapsed
        lat = sorted(latencies)
        print(f"Bookings on distinct slots over HTTP: {args.workers} uvicorn processes, PostgreSQL,")
        print(f"  {args.bookings} bookings, {args.concurrency} in flight, 20 practitioners in 4 practices")
        print(f"  responses: {dict(sorted(codes.items()))} in {elapsed:.2f} s")
        print(f"  throughput: {rate:.0f} bookings/s (target >= 200/s)")
        print(
            f"  latency p50 {statistics.median(lat) * 1000:.0f} ms"
            f"  p99 {lat[int(0.99 * (len(lat) - 1))] * 1000:.0f} ms"
        )
        print(f"  overlapping claims: {overlaps(engine)}")
        sequential = in_process(engine, data, 300)
        print(f"In-process service layer, one connection, sequential: {sequential:.0f} bookings/s")
        print(f"Machine load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        engine.dispose()


if __name__ == "__main__":
    main()
