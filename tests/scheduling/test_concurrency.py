"""Several processes race for the same slot on a real database: exactly one booking wins, no overlap.

Each backend gets a fresh, migrated database of its own (committed data, not the rolled-back test
transaction): PostgreSQL relies on the exclusion constraint, SQLite on serialised writers.
"""

from __future__ import annotations

import multiprocessing as mp
import uuid
from collections import Counter
from datetime import datetime, timedelta

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.auth.actor import Actor
from app.auth.permissions import ROLE_PERMISSIONS
from app.core.db import make_engine
from app.core.errors import Conflict
from app.scheduling import booking, holds, service
from app.scheduling import rules as r
from app.scheduling.schemas import AppointmentIn, HoldIn
from tests.dbs import PG_ADMIN_URL, fresh_database
from tests.factories import Factory

from .conftest import open_all_week

PROCESSES = 6
TRIES = 4


def _pg_available() -> bool:
    try:
        psycopg.connect(PG_ADMIN_URL, connect_timeout=2).close()
        return True
    except psycopg.Error:
        return False


def _agent(practice_id: uuid.UUID) -> Actor:
    return Actor("user", uuid.uuid4(), "agent", ROLE_PERMISSIONS["agent"], frozenset({practice_id}))


def _contender(url: str, attempts: list[dict], results: mp.Queue) -> None:
    """One process: book or hold each attempt in its own transaction; report what happened."""
    engine = make_engine(url)
    for attempt in attempts:
        kind = attempt.pop("kind")
        practice_id = uuid.UUID(attempt["practice_id"])
        with Session(engine, expire_on_commit=False) as session:
            try:
                if kind == "hold":
                    holds.create_hold(session, _agent(practice_id), HoldIn(**attempt))
                else:
                    booking.book(session, _agent(practice_id), AppointmentIn(**attempt), None)
                session.commit()
                results.put("ok")
            except Conflict:
                session.rollback()
                results.put("conflict")
            except Exception as exc:  # reported, and the test fails on it
                session.rollback()
                results.put(f"error {type(exc).__name__}: {exc}")
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def committed(request, tmp_path):
    if request.param == "postgresql" and not _pg_available():
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    with fresh_database(tmp_path, request.param) as url:
        engine = make_engine(url)
        with Session(engine, expire_on_commit=False) as session:
            make = Factory(session)
            practice = make.practice("Cabinet de la course")
            doctor = make.practitioner(practice, "Dr Course")
            open_all_week(make, doctor, "00:00", "24:00")
            short = make.motif(practice, code="court", minutes=20)
            long = make.motif(practice, code="long", minutes=30)
            request_ = r.SlotRequest(now=datetime.now().astimezone() + timedelta(days=1), limit=1)
            first = service.compute_slots(session, practice, short, request_)[0]
            session.commit()
        yield url, engine, practice.id, doctor.id, short.id, long.id, first.start
        engine.dispose()


def _race(url: str, plans: list[list[dict]]) -> Counter:
    ctx = mp.get_context("fork")
    results: mp.Queue = ctx.Queue()
    procs = [ctx.Process(target=_contender, args=(url, plan, results)) for plan in plans]
    for p in procs:
        p.start()
    outcomes = Counter(results.get(timeout=120) for _ in range(sum(len(p) for p in plans)))
    for p in procs:
        p.join(timeout=60)
    return outcomes


def _overlaps(engine) -> int:
    sql = text(
        "SELECT count(*) FROM slot_claim a JOIN slot_claim b ON a.practitioner_id = b.practitioner_id "
        "AND a.id < b.id AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at"
    )
    with engine.connect() as conn:
        return conn.execute(sql).scalar_one()


def test_many_processes_one_slot_exactly_one_booking(committed):
    url, engine, practice_id, doctor_id, short_id, long_id, start = committed
    base = {"practice_id": str(practice_id), "practitioner_id": str(doctor_id), "start": start.isoformat()}
    # Same slot with the same motif, the longer motif (partial overlap), and holds, from every process.
    plans = []
    for n in range(PROCESSES):
        plan = []
        for t in range(TRIES):
            motif = long_id if (n + t) % 3 == 0 else short_id
            plan.append({**base, "motif_id": str(motif), "kind": "hold" if (n + t) % 4 == 1 else "book"})
        plans.append(plan)
    outcomes = _race(url, plans)
    assert outcomes["ok"] == 1, outcomes
    assert outcomes["conflict"] == PROCESSES * TRIES - 1, outcomes
    assert _overlaps(engine) == 0


def test_distinct_slots_all_succeed_in_parallel(committed):
    url, engine, practice_id, doctor_id, short_id, _, start = committed
    plans = [
        [
            {
                "practice_id": str(practice_id),
                "practitioner_id": str(doctor_id),
                "motif_id": str(short_id),
                "start": (start + timedelta(minutes=20 * (n * TRIES + t))).isoformat(),
                "kind": "book",
            }
            for t in range(TRIES)
        ]
        for n in range(PROCESSES)
    ]
    outcomes = _race(url, plans)
    assert outcomes == Counter({"ok": PROCESSES * TRIES}), outcomes
    assert _overlaps(engine) == 0


def test_the_database_itself_refuses_overlapping_claims(committed):
    """Bypassing the service: PostgreSQL's exclusion constraint still refuses an overlap."""
    url, engine, practice_id, doctor_id, short_id, _, start = committed
    if not url.startswith("postgresql"):
        pytest.skip("SQLite relies on serialised writers, not on a constraint")
    insert = text(
        "INSERT INTO slot_claim (id, practice_id, practitioner_id, motif_id, kind, starts_at, ends_at, "
        "slot_start, slot_end) VALUES (:id, :p, :d, :m, 'appointment', :s, :e, :s, :e)"
    )
    row = {"p": practice_id, "d": doctor_id, "m": short_id}
    with engine.begin() as conn:
        conn.execute(insert, {**row, "id": uuid.uuid4(), "s": start, "e": start + timedelta(minutes=20)})
        conn.execute(
            insert,
            {
                **row,
                "id": uuid.uuid4(),
                "s": start + timedelta(minutes=20),
                "e": start + timedelta(minutes=40),
            },
        )
    with pytest.raises(IntegrityError, match="ex_slot_claim_no_overlap"), engine.begin() as conn:
        conn.execute(
            insert,
            {
                **row,
                "id": uuid.uuid4(),
                "s": start + timedelta(minutes=10),
                "e": start + timedelta(minutes=30),
            },
        )
