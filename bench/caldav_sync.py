"""Calendars benchmark: syncing a CalDAV collection from a real Radicale, full vs incremental.

Starts Radicale on loopback (tests/radicale_server.py), stores N one-event objects spread over a
year, then times app.calendars.sync.fetch (network + parsing, no database):
- a full pass (no sync-token: listing, time-ranged query, multiget of what overlaps the horizon);
- an incremental pass with nothing changed (RFC 6578 sync-token);
- an incremental pass after one remote change;
and prints the ratio full / incremental — the saving the sync-token buys on every poll.

Run: .venv/bin/python bench/caldav_sync.py [N]   (default N = 300; docs/benchmarks.md quotes N = 1000)
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.calendars import sync
from app.calendars.caldav_client import CalDAVClient, object_name
from app.calendars.ical_write import CalendarEvent, render_event
from tests.radicale_server import radicale_server


def event(uid: str, start: dt.datetime, sequence: int = 0) -> bytes:
    return render_event(
        CalendarEvent(
            uid=uid, sequence=sequence, start=start, end=start + dt.timedelta(minutes=30), tz="Europe/Paris",
            summary="Occupé", last_modified=dt.datetime.now(dt.UTC),
        )
    )  # fmt: skip


def plan(
    url: str, user: str, password: str, token: str | None, known: dict[str, str | None]
) -> sync.SyncPlan:
    now = dt.datetime.now(dt.UTC)
    return sync.SyncPlan(
        source_id=uuid.uuid4(), kind="caldav", tz="Europe/Paris", url=url, username=user, password=password,
        tentative_busy=True, window=sync.window_at(now), refresh_all=token is None, token=token, etag=None,
        last_modified=None, known=known,
    )  # fmt: skip


def timed(fn):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = fn()
    return (time.perf_counter() - start) * 1000, result


def main(count: int) -> None:
    with radicale_server() as server:
        url = server.make_calendar("bench")
        first = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0) - dt.timedelta(days=180)
        with CalDAVClient(server.url, server.username, server.password, timeout=30) as client:
            started = time.perf_counter()
            for i in range(count):
                client.put(
                    url + object_name(f"e{i}@bench"), event(f"e{i}@bench", first + dt.timedelta(hours=9 * i))
                )
            print(f"stored {count} objects in Radicale in {time.perf_counter() - started:.1f} s")

            full_ms, got = timed(lambda: sync.fetch(plan(url, server.username, server.password, None, {})))
            assert got.error is None, got.error
            token = got.token
            known = {o.href: o.etag for o in got.objects}
            in_horizon = sum(1 for o in got.objects if o.intervals)
            print(f"full pass: {full_ms:8.1f} ms  ({len(got.objects)} objects, {in_horizon} with busy time)")

            quiet = []
            for _ in range(5):
                ms, nothing = timed(
                    lambda: sync.fetch(plan(url, server.username, server.password, token, known))
                )
                assert nothing.objects == [] and nothing.error is None
                quiet.append(ms)
            print(f"incremental, nothing changed: p50 {statistics.median(quiet):8.1f} ms")

            target = url + object_name("e5@bench")
            client.put(
                target, event("e5@bench", first + dt.timedelta(days=200), 1), etag=client.get(target).etag
            )
            one_ms, one = timed(lambda: sync.fetch(plan(url, server.username, server.password, token, known)))
            assert len(one.objects) == 1, one
            print(f"incremental, one change    : {one_ms:8.1f} ms")
            ratio = full_ms / statistics.median(quiet)
            print(f"  ratio full pass / incremental (nothing changed): {ratio:.0f}x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
