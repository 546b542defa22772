"""Key rotation on real rows: resumable batches, concurrent writes, retirement, master-key rotation."""

from __future__ import annotations

import contextlib
import uuid
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, col, select

from app.core.config import get_settings
from app.crypto import rotation
from app.crypto import service as keys
from app.crypto.errors import KeyConfigurationError
from app.crypto.fields import RowCipher
from app.crypto.keys import generate_master_key, parse_master_keys
from app.crypto.models import KeyRotation, PracticeKey
from app.patients.models import Patient
from tests.patients.helpers import BASE, create, search

NOW = timedelta(0)


@pytest.fixture
def world(client, make):  # type: ignore[no-untyped-def]
    practice, other = make.practice(), make.practice()
    agent, other_agent = make.headers("agent", [practice]), make.headers("agent", [other])
    mine = [
        create(
            client,
            agent,
            practice.id,
            surname=f"Nom{chr(65 + i)}",
            phones=[f"06000000{i:02d}"],
            birth_date="1960-01-01",
            notes=f"note {i}",
        )["patient"]
        for i in range(7)
    ]
    theirs = [create(client, other_agent, other.id, surname="Autre", phones=["0600000000"])["patient"]]
    return practice, other, agent, other_agent, mine, theirs


class Interrupted(Exception):
    pass


def _interrupt_after_patients(job: KeyRotation) -> None:
    if job.table_name == "patient" and job.rows_done:
        raise Interrupted


def _all_readable(client, agent, patients) -> None:  # type: ignore[no-untyped-def]
    for p in patients:
        response = client.get(f"{BASE}/patients/{p['id']}", headers=agent)
        assert response.status_code == 200, response.text
        assert response.json()["surname"] == p["surname"]


def test_rotation_is_resumable_and_keeps_everything_readable(client, db: Session, world) -> None:
    practice, other, agent, other_agent, mine, theirs = world
    job = rotation.open_job(db, practice.id)
    assert job.target_version == 2
    with pytest.raises(Interrupted):  # the process dies after its first batch of patients
        rotation.run(db, job, batch_size=3, on_batch=_interrupt_after_patients)
    assert job.finished_at is None and job.table_name == "patient" and job.rows_done == 3
    assert rotation.rows_on_old_versions(db, practice.id) == 4
    # The service keeps serving meanwhile: mixed versions read fine, new writes use version 2.
    _all_readable(client, agent, mine)
    updated = client.patch(
        f"{BASE}/patients/{mine[-1]['id']}", json={"notes": "nouvelle note"}, headers=agent
    )
    assert updated.status_code == 200
    # Resuming picks the same job up where it stopped.
    resumed = rotation.open_job(db, practice.id)
    assert resumed.id == job.id and resumed.rows_done == 3
    done = rotation.run(db, resumed, batch_size=3)
    assert done.finished and rotation.rows_on_old_versions(db, practice.id) == 0
    assert rotation.retire(db, practice.id, min_age=NOW) == [1]
    keys.clear_cache()
    _all_readable(client, agent, mine)
    assert [h["id"] for h in search(client, agent, practice.id, phone="06 00 00 00 03")] == [mine[3]["id"]]
    # The other practice was not touched and still reads.
    assert rotation.rows_on_old_versions(db, other.id) == 0
    _all_readable(client, other_agent, theirs)
    stmt = select(PracticeKey).where(
        col(PracticeKey.practice_id) == other.id, col(PracticeKey.purpose) == "data"
    )
    assert [k.version for k in db.exec(stmt)] == [1]


def test_retire_refuses_young_versions_and_sweeps_lagging_rows(client, db: Session, world) -> None:
    practice, _, agent, _, mine, _ = world
    job = rotation.open_job(db, practice.id)
    rotation.run(db, job)
    with pytest.raises(KeyConfigurationError, match="younger"):
        rotation.retire(db, practice.id)
    # A lagging process (keyring cached before version 2 existed) writes with version 1 after the pass.
    keyring = keys.keyring_for(db, practice.id, fresh=True)
    stale = type(keyring)(keyring.practice_id, {1: keyring.data_keys[1]}, keyring.index_key)
    patient = db.get(Patient, uuid.UUID(mine[0]["id"]))
    assert patient is not None
    patient.notes = RowCipher(stale, "patient", patient.id).seal("notes", "écrit en retard")
    db.add(patient)
    db.flush()
    keys.clear_cache()
    assert rotation.rows_on_old_versions(db, practice.id) == 1
    assert rotation.retire(db, practice.id, min_age=NOW) == [1]
    assert rotation.rows_on_old_versions(db, practice.id) == 0
    response = client.get(f"{BASE}/patients/{mine[0]['id']}", headers=agent)
    assert response.status_code == 200 and response.json()["notes"] == "écrit en retard"


def test_two_rotations_in_a_row(client, db: Session, world) -> None:
    practice, _, agent, _, mine, _ = world
    for version in (2, 3):
        job = rotation.open_job(db, practice.id)
        assert job.target_version == version
        assert rotation.run(db, job, batch_size=2).finished
        assert rotation.retire(db, practice.id, min_age=NOW)
        keys.clear_cache()
        _all_readable(client, agent, mine)
    finished = db.exec(select(KeyRotation).where(col(KeyRotation.practice_id) == practice.id)).all()
    assert all(j.finished_at is not None for j in finished)


def test_master_key_rotation_rewraps_every_key(client, db: Session, world, monkeypatch) -> None:
    _practice, _, agent, _, mine, _ = world
    current = (get_settings().var_dir / keys.DEV_KEY_FILE).read_text()
    second = f"2:{generate_master_key()}"
    both = parse_master_keys(f"{current}\n{second}\n", source="test")
    monkeypatch.setattr(keys, "get_provider", lambda: both)
    assert rotation.rewrap_all(db) >= 4
    assert set(db.exec(select(PracticeKey.master_version))) == {2}
    # Only the new master version configured: everything still opens, and the start-up check passes.
    monkeypatch.setattr(keys, "get_provider", lambda: parse_master_keys(second, source="test"))
    keys.clear_cache()
    keys.check_master_key(db)
    _all_readable(client, agent, mine)


def test_wrong_or_missing_master_key_is_refused_at_start(db: Session, world, monkeypatch) -> None:
    keys.check_master_key(db)  # records the check value of the configured key
    wrong = parse_master_keys(generate_master_key(), source="test")
    monkeypatch.setattr(keys, "get_provider", lambda: wrong)
    with pytest.raises(KeyConfigurationError, match="not the key this database was set up with"):
        keys.check_master_key(db)
    only_v5 = parse_master_keys(f"5:{generate_master_key()}", source="test")
    monkeypatch.setattr(keys, "get_provider", lambda: only_v5)
    with pytest.raises(KeyConfigurationError, match=r"version\(s\) \[1\]"):
        keys.check_master_key(db)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    notes=st.lists(st.text(max_size=30), min_size=1, max_size=8),
    batch=st.integers(1, 4),
    stop_after=st.integers(0, 3),
)
def test_property_interrupted_rotation_keeps_every_record_readable(
    db, make, notes, batch, stop_after
) -> None:
    from app.patients import service as patients
    from app.patients.schemas import PatientCreate
    from tests.factories import ADMIN

    practice = make.practice()
    ids = [
        patients.create(db, ADMIN, practice.id, PatientCreate(surname="Rotation", notes=n or None))[0].id
        for n in notes
    ]
    job = rotation.open_job(db, practice.id)
    batches = 0

    def interrupt(j: KeyRotation) -> None:
        nonlocal batches
        batches += 1
        if batches > stop_after:
            raise Interrupted

    with contextlib.suppress(Interrupted):
        rotation.run(db, job, batch_size=batch, on_batch=interrupt)
    for patient_id, note in zip(ids, notes, strict=True):  # readable mid-rotation
        assert patients.read(db, ADMIN, patient_id).data.notes == (note or None)  # type: ignore[union-attr]
    assert rotation.run(db, rotation.open_job(db, practice.id), batch_size=batch).finished
    assert rotation.retire(db, practice.id, min_age=NOW) == [1]
    keys.clear_cache()
    for patient_id, note in zip(ids, notes, strict=True):
        assert patients.read(db, ADMIN, patient_id).data.notes == (note or None)  # type: ignore[union-attr]
