"""Patient lookup by phone among N encrypted patients: blind index vs decrypt-and-scan.

Fills a fresh, migrated database with N patients (every identity field encrypted, blind indexes
stored, exactly as the service writes them), then measures in the same run:

  lookup    blind-index query + decryption and exact confirmation of the candidates (the search path)
  +audit    the same plus one audit event per hit and a commit (what an API search does, minus HTTP)
  baseline  select every patient of the practice, decrypt each phone list and compare (full scan)

Budget (DESIGN.md §8): lookup p99 <= 10 ms at 100,000 patients.
Run: .venv/bin/python bench/patient_lookup.py [--patients 100000] [--queries 2000]
                                              [--db sqlite|postgresql|both]
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
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
_TMP = Path(tempfile.mkdtemp(prefix="permanence-bench-"))
os.environ["PERMANENCE_ENV"] = "development"
os.environ["PERMANENCE_VAR_DIR"] = str(_TMP)
os.environ["PERMANENCE_RUN_WORKER_IN_PROCESS"] = "false"

import psycopg  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402
from sqlmodel import Session, col, select  # noqa: E402

from app.auth.actor import Actor  # noqa: E402
from app.auth.permissions import ROLE_PERMISSIONS  # noqa: E402
from app.cli import migrate_database  # noqa: E402
from app.core.db import make_engine  # noqa: E402
from app.crypto import service as keys  # noqa: E402
from app.crypto.fields import RowCipher  # noqa: E402
from app.crypto.normalise import normalise_phone  # noqa: E402
from app.patients import records, repository  # noqa: E402
from app.patients import search as patients_search  # noqa: E402
from app.patients.models import Patient, PatientIndex  # noqa: E402
from app.patients.schemas import PatientSearch  # noqa: E402
from app.practices.models import Practice  # noqa: E402

PG_ADMIN = os.environ.get("PERMANENCE_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
SURNAMES = [
    "Martin",
    "Bernard",
    "Thomas",
    "Petit",
    "Robert",
    "Richard",
    "Durand",
    "Dubois",
    "Moreau",
    "Laurent",
    "Simon",
    "Michel",
    "Lefèvre",
    "Leroy",
    "Roux",
    "David",
    "Bertrand",
    "Morel",
    "Fournier",
    "Girard",
    "Payet",
    "Hoarau",
    "Grondin",
    "Fontaine",
    "Rousseau",
    "Vincent",
    "Muller",
    "Lefebvre",
    "Faure",
    "André",
]
GIVEN = [
    "Marie",
    "Jean",
    "Pierre",
    "Camille",
    "Léa",
    "Lucas",
    "Chloé",
    "Hugo",
    "Emma",
    "Louis",
    "Inès",
    "Jules",
]
ACTOR = Actor(kind="system", id=uuid.UUID(int=1), role="admin", permissions=ROLE_PERMISSIONS["admin"],
              practice_ids=None)  # fmt: skip


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def fill(session: Session, practice_id: uuid.UUID, n: int, rng: random.Random) -> list[str]:
    """Insert n encrypted patients with their indexes; return the national numbers used."""
    ring = keys.keyring_for(session, practice_id)
    session.commit()
    # Metropolitan mobiles 060-062, 064-068 (063x and 069x include overseas ranges).
    numbers = [f"06{rng.choice('0124568')}{k:07d}" for k in rng.sample(range(10**7), int(n * 1.5) + 10)]
    used: list[str] = []
    start, batch_rows, batch_index = time.perf_counter(), [], []
    for i in range(n):
        count = 2 if i % 2 else 1
        phones = tuple(normalise_phone(numbers.pop()) for _ in range(count))
        used += ["0" + p[3:] for p in phones]
        data = records.PatientData(
            surname=rng.choice(SURNAMES) + rng.choice(["", "-Leroy", " de La Tour", ""]),
            given_names=rng.choice(GIVEN), sex=rng.choice("FM"), phones=phones,
            birth_date=date(1930, 1, 1) + timedelta(days=rng.randrange(33_000)),
            notes=rng.choice([None, "Préfère les rendez-vous du matin"]),
        )  # fmt: skip
        patient = Patient(practice_id=practice_id)
        records.seal_into(patient, RowCipher(ring, "patient", patient.id), data)
        row = {c.name: getattr(patient, c.name) for c in Patient.__table__.columns}  # type: ignore[attr-defined]
        batch_rows.append(row)
        batch_index += [{"patient_id": patient.id, "practice_id": practice_id, "name": name, "value": value}
                        for name, value in records.index_entries(ring, data)]  # fmt: skip
        if len(batch_rows) == 5000 or i == n - 1:
            session.execute(insert(Patient), batch_rows)
            session.execute(insert(PatientIndex), batch_index)
            session.commit()
            batch_rows, batch_index = [], []
    if session.get_bind().dialect.name == "postgresql":
        # Planner statistics as autovacuum keeps them in a running system (a bulk load outruns it).
        session.execute(text("ANALYZE patient, patient_index"))
        session.commit()
    print(f"  filled {n:,} patients in {time.perf_counter() - start:.1f} s", flush=True)
    return used


def lookup(session: Session, practice_id: uuid.UUID, phone_e164: str) -> list[uuid.UUID]:
    """The search path without HTTP or audit: index query, decrypt candidates, confirm exactly."""
    ring = keys.keyring_for(session, practice_id)
    from app.crypto import blind_index as bi

    hits = []
    for p in repository.by_index(
        session, practice_id, bi.PHONE.name, ring.blind_index(bi.PHONE, phone_e164), 500
    ):
        data = records.open_from(p, RowCipher(ring, "patient", p.id))
        if phone_e164 in data.phones:
            hits.append(p.id)
    return hits


def scan(session: Session, practice_id: uuid.UUID, phone_e164: str) -> list[uuid.UUID]:
    """Baseline: decrypt the phone list of every patient of the practice and compare."""
    ring = keys.keyring_for(session, practice_id)
    hits = []
    rows = session.execute(select(Patient.id, Patient.phones).where(col(Patient.practice_id) == practice_id))
    for pid, phones in rows:
        if phone_e164 in RowCipher(ring, "patient", pid).open_json("phones", phones):
            hits.append(pid)
    return hits


def run(url: str, label: str, n: int, queries: int) -> None:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\n[{label}] {n:,} patients (load average {load} on {os.cpu_count()} cores)", flush=True)
    migrate_database(url)
    engine = make_engine(url)
    rng = random.Random(20261126)
    with Session(engine, expire_on_commit=False) as session:
        practice = Practice(name="Cabinet benchmark", specialties=["generaliste"])
        session.add(practice)
        session.commit()
        used = fill(session, practice.id, n, rng)
        probes = [rng.choice(used) for _ in range(queries)]
        misses = [f"061{rng.randrange(10**7):07d}" for _ in range(queries // 10)]
        for phone in probes[:50]:  # warm caches
            with Session(engine) as request:
                lookup(request, practice.id, normalise_phone(phone))
        timings, cpu, found = [], [], 0
        for phone in probes + misses:  # one session per lookup, as one per request in the service
            t0, c0 = time.perf_counter(), time.thread_time()
            with Session(engine) as request:
                hits = lookup(request, practice.id, normalise_phone(phone))
            timings.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.thread_time() - c0) * 1000)
            found += bool(hits)
        audited = []
        for phone in probes[: min(queries, 500)]:
            t0 = time.perf_counter()
            with Session(engine) as request:
                patients_search.search(request, ACTOR, practice.id, PatientSearch(phone=phone))
                request.commit()
            audited.append((time.perf_counter() - t0) * 1000)
        base = []
        for phone in probes[:3]:
            t0 = time.perf_counter()
            assert scan(session, practice.id, normalise_phone(phone))
            base.append((time.perf_counter() - t0) * 1000)
            session.rollback()
    engine.dispose()
    p50, p99 = percentile(timings, 0.50), percentile(timings, 0.99)
    a50, a99 = percentile(audited, 0.50), percentile(audited, 0.99)
    b50 = statistics.median(base)
    print(
        f"  lookup by phone ({len(timings)} queries, {found} hits): p50 {p50:.2f} ms  p99 {p99:.2f} ms"
        f"  max {max(timings):.2f} ms  budget p99 <= 10 ms: {'OK' if p99 <= 10 else 'OVER'}"
    )
    print(
        f"  CPU time of this process per lookup (machine shared, wall time includes waiting): "
        f"p50 {percentile(cpu, 0.5):.2f} ms  p99 {percentile(cpu, 0.99):.2f} ms"
    )
    print(f"  + audit event and commit ({len(audited)} searches): p50 {a50:.2f} ms  p99 {a99:.2f} ms")
    print(f"  baseline decrypt-and-scan (3 runs): median {b50:.0f} ms  ->  ratio {b50 / p50:,.0f}x (p50)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    if args.db in ("sqlite", "both"):
        run(f"sqlite:///{_TMP / 'bench.db'}", "SQLite", args.patients, args.queries)
    if args.db in ("postgresql", "both"):
        from tests.dbs import fresh_database

        try:
            with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=2):
                pass
        except psycopg.OperationalError:
            print("\n[PostgreSQL] not reachable at 127.0.0.1:5432: skipped")
            return
        with fresh_database(_TMP, "postgresql") as url:
            run(url, "PostgreSQL", args.patients, args.queries)


if __name__ == "__main__":
    main()
