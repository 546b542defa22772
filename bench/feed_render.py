"""ICS feed benchmark: one practitioner's year (5,000 appointments) rendered, vs icalendar serialisation.

Builds a fresh database (SQLite by default, or PostgreSQL), stores 5,000 appointments for one
practitioner over a year (some cancelled), then measures in the same run:

  icalendar   building the same events as icalendar.Event objects and calling to_ical()
  serialiser  app.calendars.ical_write.render_feed on the same events (what the feed uses)
  fetch 200   the whole feed request path: token lookup, ETag query, rows query, render, audit
  fetch 304   the same request with a matching If-None-Match (no rendering)

Run: .venv/bin/python bench/feed_render.py [--db sqlite|postgresql] [--appointments 5000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("PERMANENCE_VAR_DIR", tempfile.mkdtemp(prefix="permanence-bench-"))

import icalendar
from sqlmodel import Session

from app.calendars.ical_write import CalendarEvent, render_feed

ZONE = "Europe/Paris"
FIRST = datetime(2026, 1, 5, 8, tzinfo=UTC)


def timed(fn, n: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def show(name: str, samples: list[float]) -> float:
    p50 = statistics.median(samples)
    p99 = sorted(samples)[int(0.99 * (len(samples) - 1))]
    print(f"  {name:<52} p50 {p50 * 1000:8.2f} ms   p99 {p99 * 1000:8.2f} ms")
    return p50


def icalendar_feed(events: list[CalendarEvent]) -> bytes:
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Permanence//bench//FR")
    cal.add("version", "2.0")
    cal.add("x-wr-timezone", ZONE)
    for e in events:
        ev = icalendar.Event()
        ev.add("uid", e.uid)
        ev.add("sequence", e.sequence)
        ev.add("dtstamp", e.last_modified)
        ev.add("dtstart", e.start.astimezone(icalendar.timezone.tzp.timezone(ZONE)))
        ev.add("dtend", e.end.astimezone(icalendar.timezone.tzp.timezone(ZONE)))
        ev.add("summary", e.summary)
        ev.add("status", e.status)
        cal.add_component(ev)
    cal.add_missing_timezones()
    return cal.to_ical()


def seed(session: Session, count: int):  # type: ignore[no-untyped-def]
    from app.practices import service as practices
    from app.practices.schemas import MotifIn, PracticeCreate, PractitionerIn
    from app.scheduling import feeds
    from app.scheduling.models import Appointment
    from tests.factories import ADMIN

    practice = practices.create_practice(
        session, ADMIN, PracticeCreate(name="Cabinet flux", specialties=["kine"])
    )
    doctor = practices.add_practitioner(
        session, practice.id, PractitionerIn(display_name="Dr Flux", specialty="kine")
    )
    motif = practices.add_motif(session, ADMIN, practice.id, MotifIn(code="seance", label="Séance"))
    first = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=60)
    for n in range(count):
        start = first + timedelta(minutes=(n % 20) * 30, days=n // 20 * 365 / (count / 20))
        session.add(
            Appointment(
                practice_id=practice.id,
                practitioner_id=doctor.id,
                motif_id=motif.id,
                actor_kind="user",
                actor_id=uuid.uuid4(),
                start_at=start,
                end_at=start + timedelta(minutes=30),
                status="cancelled" if n % 17 == 0 else "booked",
                sequence=1 if n % 17 == 0 else 0,
                uid=f"{uuid.uuid4()}@permanence",
            )
        )
    token = feeds.create_token(session, ADMIN, doctor.id, rotate=False)
    session.commit()
    return token.token


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--appointments", type=int, default=5000)
    parser.add_argument("--iterations", type=int, default=15)
    args = parser.parse_args()
    from app.core.db import make_engine
    from app.scheduling import feeds
    from tests.dbs import fresh_database

    with fresh_database(Path(tempfile.mkdtemp()), args.db) as url:
        engine = make_engine(url)
        with Session(engine, expire_on_commit=False) as session:
            token = seed(session, args.appointments)
            row = feeds.resolve(session, token)
            body = feeds.render(session, row)
            events = [
                CalendarEvent(
                    uid=f"{n}@permanence", sequence=0, start=s, end=s + timedelta(minutes=30), tz=ZONE,
                    summary="Rendez-vous (Permanence)", last_modified=s,
                )
                for n, s in enumerate(FIRST + timedelta(hours=k) for k in range(args.appointments))
            ]  # fmt: skip
        print(f"Feed of {args.appointments} appointments ({len(body) / 1024:.0f} KiB), database {args.db}")
        base = show("icalendar: build events + to_ical()", timed(lambda: icalendar_feed(events), 5))
        ours = show(
            "render_feed (app/calendars serialiser)",
            timed(lambda: render_feed(events, name="x", tz=ZONE), 20),
        )
        print(f"  {'':<52} serialiser vs icalendar: {base / ours:.1f}x faster")

        def fetch(etag: str | None) -> tuple[str, bytes | None]:
            with Session(engine, expire_on_commit=False) as session:
                result = feeds.fetch(session, token, etag)
                session.commit()
                return result

        def cold() -> None:
            feeds.RENDERED.bodies.clear()
            fetch(None)

        full = show("feed request, 200, rendered (query+render+audit)", timed(cold, args.iterations))
        tag, _ = fetch(None)
        warm = show(
            "feed request, 200, unchanged (render cache)", timed(lambda: fetch(None), args.iterations * 3)
        )
        cached = show("feed request with If-None-Match, 304", timed(lambda: fetch(tag), args.iterations * 3))
        assert fetch(tag)[1] is None
        verdict = "met" if full <= 0.3 else "NOT met"
        print(f"  {'':<52} budget 300 ms for a rendered feed: {verdict}; 304 {full / cached:.0f}x cheaper")
        print(f"  {'':<52} unchanged 200 {full / warm:.0f}x cheaper")
        print(f"  machine load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        engine.dispose()


if __name__ == "__main__":
    main()
