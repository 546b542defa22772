"""Raw storage: after real API traffic, no name, phone, birth date or note is in the database files.

Reads every byte of the SQLite database (main file and WAL) and a `pg_dump` of PostgreSQL, looking
for each value plain, lower-case, upper-case, without accents and (phones, dates) digits only.
"""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.core.db import make_engine, unit_of_work
from tests.dbs import PG_ADMIN_URL, fresh_database
from tests.factories import Factory
from tests.patients.helpers import BASE

PRACTICE_NAME = "Cabinet Témoin Raw"
PATIENTS = [
    {"surname": "Vercingétorix", "birth_surname": "Brennus-Alésia", "given_names": "Ambiorix Lucterios",
     "birth_date": "1943-07-19", "sex": "M", "phones": ["06 47 58 69 70", "0692 31 42 53"],
     "email": "ambiorix.vercingetorix@gaule.example",
     "notes": "Allergie sévère pénicilline, rappeler Panoramix"},
    {"surname": "Dumonteilh", "given_names": "Héloïse", "birth_date": "1988-02-29", "sex": "F",
     "phones": ["+33 1 45 67 89 12"], "notes": "Suivi grossesse gémellaire, inquiète"},
    {"surname": "N'Guessan-Kouadio", "birth_date": "2019-11-03", "phones": ["0033 7 81 92 03 14"],
     "notes": "Bronchiolite récidivante signalée"},
]  # fmt: skip
PHONE_FORMS = {
    "06 47 58 69 70": ["+33647586970", "0647586970", "33647586970", "647586970"],
    "0692 31 42 53": ["+262692314253", "0692314253", "262692314253", "692314253"],
    "+33 1 45 67 89 12": ["+33145678912", "0145678912", "33145678912", "145678912"],
    "0033 7 81 92 03 14": ["+33781920314", "0781920314", "33781920314", "781920314"],
}


def _strip(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def needles() -> set[str]:
    out: set[str] = set()
    for p in PATIENTS:
        for key in ("surname", "birth_surname", "given_names", "email", "notes"):
            if key in p:
                value = str(p[key])
                parts = [value, *value.replace("-", " ").replace("'", " ").replace(",", " ").split()]
                for part in parts:
                    if len(part) >= 6:
                        out |= {part, part.lower(), part.upper(), _strip(part), _strip(part).lower()}
        year, month, day = str(p["birth_date"]).split("-")
        out |= {
            f"{year}-{month}-{day}",
            f"{day}/{month}/{year}",
            f"{year}{month}{day}",
            f"{day}{month}{year}",
        }
        for phone in p["phones"]:  # type: ignore[union-attr]
            out |= {phone, *PHONE_FORMS[phone]}
    return out


def _traffic(url: str) -> None:
    """Real commits through the API: create, read, search, update."""
    from app.main import app

    engine = make_engine(url)

    def committed_unit_of_work() -> Iterator[Session]:
        from app.core.db import scope

        with Session(engine, expire_on_commit=False) as session:
            yield from scope(session)

    with Session(engine, expire_on_commit=False) as session:
        make = Factory(session)
        practice = make.practice(PRACTICE_NAME)
        headers = make.headers("agent", [practice])
        session.commit()
    app.dependency_overrides[unit_of_work] = committed_unit_of_work
    try:
        client = TestClient(app, raise_server_exceptions=True)
        ids = []
        for body in PATIENTS:
            response = client.post(f"{BASE}/practices/{practice.id}/patients", json=body, headers=headers)
            assert response.status_code == 201, response.text
            assert response.json()["patient"]["surname"] == body["surname"]  # the data really went in
            ids.append(response.json()["patient"]["id"])
        for pid in ids:
            assert client.get(f"{BASE}/patients/{pid}", headers=headers).status_code == 200
        found = client.post(
            f"{BASE}/practices/{practice.id}/patients/search",
            json={"phone": "06 47 58 69 70"},
            headers=headers,
        )
        assert [h["id"] for h in found.json()["items"]] == [ids[0]]
        update = client.patch(
            f"{BASE}/patients/{ids[1]}",
            json={"notes": "Suivi grossesse gémellaire, rassurée"},
            headers=headers,
        )
        assert update.status_code == 200
    finally:
        app.dependency_overrides.clear()
        engine.dispose()


def _assert_absent(blob: bytes, where: str) -> None:
    assert PRACTICE_NAME.encode() in blob, f"{where}: the dump does not even hold clear practice data"
    present = sorted(n for n in needles() if n.encode("utf-8") in blob)
    assert not present, f"{where} holds health data in clear: {present}"


def test_sqlite_file_holds_no_health_data(tmp_path: Path) -> None:
    with fresh_database(tmp_path, "sqlite") as url:
        _traffic(url)
        db_file = Path(url.removeprefix("sqlite:///"))
        files = [f for f in db_file.parent.iterdir() if f.name.startswith(db_file.name)]
        blob = b"".join(f.read_bytes() for f in files)
    _assert_absent(blob, "SQLite file")


def _postgres_available() -> bool:
    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=2):
            return True
    except psycopg.OperationalError:
        return False


@pytest.mark.postgres
@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump not installed")
def test_postgres_dump_holds_no_health_data(tmp_path: Path) -> None:
    if not _postgres_available():
        pytest.skip("PostgreSQL is not running at 127.0.0.1:5432")
    with fresh_database(tmp_path, "postgresql") as url:
        _traffic(url)
        plain_url = url.replace("postgresql+psycopg://", "postgresql://")
        dump = subprocess.run(
            ["pg_dump", "--no-owner", plain_url], check=True, capture_output=True, timeout=120
        )
    _assert_absent(dump.stdout, "pg_dump")
