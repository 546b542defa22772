"""The demo agendas in calendars/: one per demo practitioner, all readable, plus a valid Radicale config."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session

from app.calendars import demo, service
from app.demo import PRACTICES
from tests.factories import Factory
from tests.radicale_server import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_every_demo_practitioner_has_an_agenda_file():
    names = [name for spec in PRACTICES for name, _ in spec["practitioners"]]
    missing = [n for n in names if not (demo.DEMO_DIR / f"{demo.slug(n)}.ics").is_file()]
    assert not missing


def test_demo_agendas_load_as_busy_time(db: Session, make: Factory):
    paris = make.practice()
    reunion = make.practice(timezone="Indian/Reunion")
    doctors = [make.practitioner(paris, "Dr Claire Martin"), make.practitioner(reunion, "Mathieu Hoarau")]
    doctors.append(make.practitioner(paris, "Dr Sans Agenda"))
    sources = demo.load_demo_agendas(db, doctors)
    assert len(sources) == 2 and all(s.status == "ok" for s in sources)
    busy = service.busy_intervals(db, [d.id for d in doctors], *service.sync.window_at(service.utcnow()))
    assert len(busy[doctors[0].id]) > 50 and len(busy[doctors[1].id]) > 50
    assert doctors[2].id not in busy
    # Réunion lunch 12:00 local is 08:00 UTC all year (no DST there).
    assert any(start.hour == 8 and start.minute == 0 for start, _ in busy[doctors[1].id])


@pytest.mark.radicale
def test_demo_radicale_config_starts(tmp_path: Path):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "radicale", "--config", str(ROOT / "calendars" / "radicale.conf"),
         "--server-hosts", f"127.0.0.1:{port}", "--storage-filesystem-folder", str(tmp_path)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                answer = httpx.request(
                    "PROPFIND", f"http://127.0.0.1:{port}/demo/", auth=("demo", "demo"), timeout=1
                )
                break
            except httpx.TransportError:
                assert process.poll() is None, "Radicale refused the demo configuration"
                time.sleep(0.1)
        else:
            pytest.fail("Radicale did not start")
        assert answer.status_code == 207
    finally:
        process.terminate()
        process.wait(timeout=10)
