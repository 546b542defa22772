"""`permanence billing-export`: the month's CSV on stdout, errors as exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import Session

from app.calls import reports, service
from app.calls.report_schemas import BillingPlanIn
from app.calls.schemas import CallAnswer, CallClose, CallOpen
from app.core.db import make_engine
from app.practices import service as practices
from tests.dbs import fresh_database
from tests.factories import ADMIN, Factory

ROOT = Path(__file__).resolve().parents[2]


def test_billing_export_command(tmp_path):
    with fresh_database(tmp_path) as url:
        engine = make_engine(url)
        with Session(engine, expire_on_commit=False) as s:
            practice = Factory(s).practice()
            number = practices.numbers_of(s, practice.id)[0].number
            ring = datetime(2026, 11, 5, 9, 0, tzinfo=UTC)
            for i in range(3):
                call = service.open_call(
                    s, ADMIN, CallOpen(called_number=number, ringing_at=ring + timedelta(hours=i))
                )
                if i:
                    service.answer(
                        s, ADMIN, call, CallAnswer(answered_at=call.ringing_at + timedelta(seconds=5))
                    )
                outcome = "advice_given" if i else "abandoned"
                service.close(
                    s,
                    ADMIN,
                    call,
                    CallClose(outcome=outcome, ended_at=call.ringing_at + timedelta(minutes=3)),
                )
            reports.set_plan(s, practice.id, BillingPlanIn(model="per_call", per_call_cents=175))
            s.commit()
        env = {**os.environ, "PERMANENCE_DATABASE_URL": url}
        cmd = [sys.executable, "-m", "app.cli", "billing-export"]
        ok = subprocess.run(
            [*cmd, str(practice.id), "2026-11"], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert ok.returncode == 0, ok.stderr
        lines = ok.stdout.splitlines()
        assert lines[0].startswith("kind,reference") and lines[-1].endswith(",350")
        assert "2 billable calls, total 3.50 EUR" in ok.stderr
        bad = subprocess.run(
            [*cmd, str(practice.id), "2026-13"], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert bad.returncode == 1
        missing = subprocess.run(
            [*cmd, str(ADMIN.id), "2026-11"], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert missing.returncode == 1 and "not found" in missing.stderr
        engine.dispose()
