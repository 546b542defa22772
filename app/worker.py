"""The outbox worker: claims due jobs and performs each in a unit of work of its own.

Run as `permanence worker` (any number of processes), or in-process in the embedded mode.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlmodel import Session

from app.core import outbox
from app.core.db import get_engine

log = logging.getLogger("permanence.worker")

# Modules whose import registers outbox handlers (one line per domain that enqueues jobs).
HANDLER_MODULES: list[str] = ["app.scheduling.writeback", "app.calendars.service", "app.calls.handlers"]


# Periodic tasks run by every worker loop: ("module:function", seconds); each takes the engine.
PERIODIC_TASKS: list[tuple[str, float]] = [
    ("app.calendars.service:sync_due_sources", 30.0),
    ("app.scheduling.writeback:detect_remote_changes", 60.0),
]


@dataclass
class Periodic:
    """Runs the periodic tasks when they are due; a failing task is logged and retried next time."""

    last_run: dict[str, float] = field(default_factory=dict)

    def run_due(self, engine: Engine | None = None) -> None:
        now = time.monotonic()
        for target, every in PERIODIC_TASKS:
            if now - self.last_run.get(target, -every) < every:
                continue
            self.last_run[target] = now
            module, _, name = target.partition(":")
            try:
                getattr(importlib.import_module(module), name)(engine or get_engine())
            except Exception:
                log.exception("periodic task %s failed", target)


def load_handlers() -> None:
    for name in HANDLER_MODULES:
        importlib.import_module(name)


def run_once(engine: Engine | None = None, limit: int = 20) -> dict[str, int]:
    """Claim and perform up to `limit` due jobs; returns how many ended in each status."""
    engine = engine or get_engine()
    with Session(engine, expire_on_commit=False) as session:
        ids = outbox.claim(session, limit)
        session.commit()
    counts: dict[str, int] = {}
    for job_id in ids:
        with Session(engine, expire_on_commit=False) as session:
            status = outbox.perform(session, job_id)
            session.commit()
        counts[status] = counts.get(status, 0) + 1
    return counts


@dataclass
class BackgroundWorker:
    interval: float = 1.0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _periodic: Periodic = field(default_factory=Periodic)

    def start(self) -> BackgroundWorker:
        load_handlers()
        self._thread = threading.Thread(target=self._run, name="outbox-worker", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._periodic.run_due()
                done = run_once()
            except Exception:
                log.exception("outbox worker iteration failed")
                done = {}
            if not done:
                self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)


def start_in_background(interval: float = 1.0) -> BackgroundWorker:
    return BackgroundWorker(interval=interval).start()


def run_forever(interval: float = 1.0) -> None:
    load_handlers()
    stop = threading.Event()
    periodic = Periodic()
    log.info("worker started")
    while True:
        periodic.run_due()
        done = run_once()
        if not done:
            stop.wait(interval)
