"""Practice report and billing export over a busy month; message creation as the agent sees it.

Fills a fresh migrated database with N calls of one practice over November (answered 90 %, with
outcomes, answer and handling times), then times:
  * the report (`app.calls.reports.report`) against the bare fetch of the same rows (baseline);
  * the billing CSV (`reports.billing_csv`) against the same baseline;
  * creating an urgent message (encrypt 5 fields, audit, e-mail attempt, webhook event, escalation
    job — everything the agent waits for) against opening a call.

Run: .venv/bin/python bench/calls_report.py [--calls 50000] [--db sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VAR = Path(tempfile.mkdtemp(prefix="permanence-bench-"))
os.environ.setdefault("PERMANENCE_VAR_DIR", str(VAR))
os.environ["PERMANENCE_RUN_WORKER_IN_PROCESS"] = "false"

from sqlalchemy import text  # noqa: E402
from sqlmodel import Session  # noqa: E402

OUTCOMES = [
    "booked",
    "message_taken",
    "advice_given",
    "information_only",
    "transferred",
    "redirected_emergency",
]


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def seed(session: Session, practice_id: uuid.UUID, n: int) -> None:
    from app.calls.models import Call

    rnd = random.Random(7)
    start = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)
    rows = []
    for _ in range(n):
        ring = start + timedelta(seconds=rnd.randrange(29 * 86400))
        answered = ring + timedelta(seconds=rnd.randrange(5, 120)) if rnd.random() < 0.9 else None
        ended = (answered or ring) + timedelta(seconds=rnd.randrange(20, 900))
        rows.append(
            Call(
                practice_id=practice_id,
                called_number="+33140000000",
                status="ended",
                outcome=rnd.choice(OUTCOMES) if answered else "abandoned",
                ringing_at=ring,
                answered_at=answered,
                ended_at=ended,
                opened_by_kind="api_key",
                opened_by_id=uuid.UUID(int=1),
            )
        )
        if len(rows) == 5000:
            session.add_all(rows)
            session.flush()
            rows = []
    session.add_all(rows)
    session.commit()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=50_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()

    from tests.dbs import fresh_database

    with fresh_database(VAR, args.db) as url:
        os.environ["PERMANENCE_DATABASE_URL"] = url
        from app.calls import messages, reports
        from app.calls import service as calls
        from app.calls.report_schemas import BillingPlanIn
        from app.calls.schemas import CallOpen, MessageIn
        from app.core.db import make_engine
        from app.practices import service as practices
        from app.practices.schemas import PracticeCreate, PractitionerIn
        from app.registry import calls_models  # noqa: F401
        from tests.factories import ADMIN

        engine = make_engine(url)
        with Session(engine, expire_on_commit=False) as s:
            practice = practices.create_practice(
                s,
                ADMIN,
                PracticeCreate(
                    name="Bench", specialties=["generaliste"], called_numbers=[{"number": "+33140000000"}]
                ),  # type: ignore[list-item]
            )
            doctor = practices.add_practitioner(
                s,
                practice.id,
                PractitionerIn(display_name="Dr Bench", specialty="generaliste", urgent_email="dr@bench.fr"),
            )
            reports.set_plan(
                s,
                practice.id,
                BillingPlanIn(model="package", monthly_fee_cents=9900, included_calls=1000, overage_cents=90),
            )
            s.commit()
            t0 = time.perf_counter()
            seed(s, practice.id, args.calls)
            print(f"seeded {args.calls:,} calls in {time.perf_counter() - t0:.1f} s ({args.db})")

            def baseline() -> object:
                return s.execute(
                    text(
                        "SELECT ringing_at, answered_at, ended_at, outcome FROM call "
                        "WHERE practice_id = :p AND ringing_at >= :a AND ringing_at < :b"
                    ),
                    {
                        "p": practice.id.hex if args.db == "sqlite" else practice.id,
                        "a": "2026-10-31",
                        "b": "2026-12-01",
                    },
                ).all()

            base = timed(baseline, 5)
            rep = timed(lambda: reports.report(s, practice, date(2026, 11, 1), date(2026, 11, 30)), 5)
            bill = timed(lambda: reports.billing_csv(s, practice, "2026-11"), 5)
            figures = reports.report(s, practice, date(2026, 11, 1), date(2026, 11, 30))
            rows = len(baseline())  # type: ignore[arg-type]
            s.rollback()
            print(f"report: {figures.received:,} received, {figures.answered:,} answered, {rows:,} rows")
            b, r, c = (statistics.median(x) for x in (base, rep, bill))
            print(f"bare fetch of the month's rows (baseline): {b:8.1f} ms p50")
            print(f"report (GET .../reports):                  {r:8.1f} ms p50  x{r / b:.1f}")
            print(f"billing CSV (GET .../billing):             {c:8.1f} ms p50  x{c / b:.1f}")

            number = "+33140000000"

            def open_call() -> object:
                call = calls.open_call(s, ADMIN, CallOpen(called_number=number, caller_number="0611223344"))
                s.commit()
                return call

            def message() -> object:
                body = MessageIn(
                    practitioner_id=doctor.id, subject="Rappel urgent", body="x" * 400, priority="urgent"
                )
                msg = messages.create(s, ADMIN, practice.id, body)
                s.commit()
                return msg

            opens = timed(open_call, 100)
            msgs = timed(message, 100)
            o, m = statistics.median(opens), statistics.median(msgs)
            print(f"open a call (service + commit, baseline): {o:8.2f} ms p50")
            print(f"urgent message + e-mail, webhook, escalation queued: {m:8.2f} ms p50  x{m / o:.1f}")
            print(f"  p99 {sorted(msgs)[98]:.2f} ms")
        engine.dispose()


if __name__ == "__main__":
    main()
