"""The worker loop runs periodic tasks (calendar sync) when due, and survives a failing task."""

from __future__ import annotations

from app import worker

calls: list[object] = []


def record(engine: object) -> None:
    calls.append(engine)


def explode(engine: object) -> None:
    raise RuntimeError("remote calendar down")


def test_periodic_tasks_run_when_due(monkeypatch):
    calls.clear()
    monkeypatch.setattr(
        worker, "PERIODIC_TASKS", [(f"{__name__}:explode", 60.0), (f"{__name__}:record", 60.0)]
    )
    periodic = worker.Periodic()
    periodic.run_due("engine")
    periodic.run_due("engine")  # not due again within 60 s
    assert calls == ["engine"]
    periodic.last_run = {k: v - 61 for k, v in periodic.last_run.items()}
    periodic.run_due("engine")
    assert calls == ["engine", "engine"]


def test_calendar_sync_is_scheduled():
    assert ("app.calendars.service:sync_due_sources", 30.0) in worker.PERIODIC_TASKS
