"""Several `permanence worker` processes on PostgreSQL share the write-back jobs: each is done once."""

from __future__ import annotations

import multiprocessing as mp
from datetime import datetime, timedelta

import pytest
from sqlmodel import Session, select

from app.calendars import service as calendars
from app.core import outbox
from app.core.db import make_engine
from app.scheduling import booking, service, writeback
from app.scheduling import rules as r
from app.scheduling.models import Appointment
from app.scheduling.schemas import AppointmentIn
from tests.dbs import fresh_database
from tests.factories import ADMIN, Factory
from tests.radicale_server import radicale_server

from .conftest import open_all_week
from .test_concurrency import _pg_available
from .test_writeback_radicale import objects_with

pytestmark = pytest.mark.radicale
WORKERS = 3
BOOKINGS = 12


def _work(url: str, done: mp.Queue) -> None:
    from app import worker

    worker.load_handlers()
    engine = make_engine(url)
    total = 0
    for _ in range(50):
        counts = worker.run_once(engine, limit=2)
        total += counts.get("done", 0)
        if not counts:
            break
    engine.dispose()
    done.put(total)


def test_workers_never_do_a_job_twice(tmp_path):
    if not _pg_available():
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    with radicale_server() as server, fresh_database(tmp_path, "postgresql") as url:
        calendar = server.make_calendar("agenda")
        engine = make_engine(url)
        with Session(engine, expire_on_commit=False) as session:
            make = Factory(session)
            practice = make.practice("Cabinet des ouvriers")
            doctor = make.practitioner(practice, "Dr Ouvrier")
            open_all_week(make, doctor, "00:00", "24:00")
            motif = make.motif(practice, code="consultation", minutes=20)
            calendars.set_source(
                session, doctor, "caldav", url=calendar, username=server.username, password=server.password
            )
            request = r.SlotRequest(now=datetime.now().astimezone() + timedelta(days=1), limit=BOOKINGS)
            for slot in service.compute_slots(session, practice, motif, request):
                body = AppointmentIn(
                    practice_id=practice.id, practitioner_id=doctor.id, motif_id=motif.id, start=slot.start
                )
                booking.book(session, ADMIN, body, None)
            session.commit()
        ctx = mp.get_context("fork")
        done: mp.Queue = ctx.Queue()
        procs = [ctx.Process(target=_work, args=(url, done)) for _ in range(WORKERS)]
        for p in procs:
            p.start()
        per_worker = [done.get(timeout=180) for _ in procs]
        for p in procs:
            p.join(timeout=60)
        assert sum(per_worker) == BOOKINGS, per_worker
        with Session(engine) as session:
            jobs = session.scalars(
                select(outbox.OutboxJob).where(outbox.OutboxJob.kind == writeback.JOB_KIND)
            ).all()
            assert {j.status for j in jobs} == {"done"} and all(j.attempts == 1 for j in jobs)
            rows = session.scalars(select(Appointment)).all()
            assert {a.writeback_state for a in rows} == {"synced"}
            for row in rows:
                assert len(objects_with(server, calendar, row.uid)) == 1
        assert writeback.detect_remote_changes(engine) == 0  # the periodic task: nothing changed remotely
        engine.dispose()
