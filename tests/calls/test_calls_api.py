"""Calls over the API: routing, telephony integrators, lifecycle rules, links, lists, audit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlmodel import select

from app.audit.models import AuditEvent
from app.calls.models import Call
from app.patients import service as patients
from app.patients.schemas import PatientCreate
from app.practices import service as practices
from tests.factories import ADMIN


def _practice(make, db):
    practice = make.practice()
    make.sheet(practice)
    return practice, practices.numbers_of(db, practice.id)[0].number


def test_open_routes_by_called_number_in_any_spelling(client, make, db):
    practice, number = _practice(make, db)
    agent = make.headers("agent", [practice])
    national = "0" + number[3:]  # +331… → 01…
    r = client.post(
        "/api/v1/calls", json={"called_number": national, "caller_number": "06 11 22 33 44"}, headers=agent
    )
    assert r.status_code == 201, r.text
    call = r.json()
    assert call["practice_id"] == str(practice.id) and call["called_number"] == number
    assert call["caller_number"] == "+33611223344" and call["status"] == "ringing"
    assert call["sheet_version"] == 1 and call["agent_id"] is None


def test_unknown_or_invalid_numbers(client, make, db):
    practice, _ = _practice(make, db)
    agent = make.headers("agent", [practice])
    assert (
        client.post("/api/v1/calls", json={"called_number": "+33199999999"}, headers=agent).status_code == 404
    )
    assert client.post("/api/v1/calls", json={"called_number": "abc"}, headers=agent).status_code == 422
    r = client.post(
        "/api/v1/calls",
        json={"called_number": practices.numbers_of(db, practice.id)[0].number, "caller_number": "12"},
        headers=agent,
    )
    assert r.status_code == 422 and "12" not in r.json()["detail"]


def test_candidates_come_from_the_phone_blind_index(client, make, db):
    practice, number = _practice(make, db)
    other, _ = _practice(make, db)
    mine, _, _ = patients.create(
        db, ADMIN, practice.id, PatientCreate(surname="Garnier", phones=["0611223344"])
    )
    patients.create(db, ADMIN, other.id, PatientCreate(surname="Autre", phones=["0611223344"]))
    agent = make.headers("agent", [practice])
    r = client.post(
        "/api/v1/calls", json={"called_number": number, "caller_number": "+33 6 11 22 33 44"}, headers=agent
    )
    assert r.json()["candidate_patient_ids"] == [str(mine.id)]
    # a telephony key without patients:read gets the call, not the candidates
    key = make.api_key_headers([practice], scopes=["calls:write", "calls:read"])
    r = client.post(
        "/api/v1/calls", json={"called_number": number, "caller_number": "0611223344"}, headers=key
    )
    assert r.status_code == 201 and r.json()["candidate_patient_ids"] == []


def test_telephony_key_scopes(client, make, db):
    practice, number = _practice(make, db)
    readonly = make.api_key_headers([practice], scopes=["calls:read"])
    assert client.post("/api/v1/calls", json={"called_number": number}, headers=readonly).status_code == 403
    key = make.api_key_headers([practice], scopes=["calls:write", "calls:read"])
    body = {"called_number": number, "external_ref": "asterisk-1700000000.42"}
    first = client.post("/api/v1/calls", json=body, headers=key).json()
    again = client.post("/api/v1/calls", json=body, headers=key).json()  # a retry is the same call
    assert first["id"] == again["id"]
    assert len(db.scalars(select(Call).where(Call.practice_id == practice.id)).all()) == 1


def test_lifecycle_rules(client, make, db):
    practice, number = _practice(make, db)
    agent = make.headers("agent", [practice])
    ring = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    call = client.post(
        "/api/v1/calls", json={"called_number": number, "ringing_at": ring.isoformat()}, headers=agent
    ).json()
    url = f"/api/v1/calls/{call['id']}"
    assert client.post(url + "/close", json={"outcome": "booked"}, headers=agent).status_code == 422
    early = (ring - timedelta(seconds=1)).isoformat()
    assert client.post(url + "/answer", json={"answered_at": early}, headers=agent).status_code == 422
    assert (
        client.post(url + "/answer", json={"answered_at": "2026-11-02T08:00:10"}, headers=agent).status_code
        == 422
    )
    r = client.post(url + "/answer", json={"answered_at": "2026-11-02T09:00:10+01:00"}, headers=agent)
    assert r.status_code == 200 and r.json()["status"] == "answered" and r.json()["agent_id"] is not None
    assert client.post(url + "/answer", json={}, headers=agent).status_code == 409
    assert client.post(url + "/close", json={"outcome": "teleported"}, headers=agent).status_code == 422
    r = client.post(url + "/close", json={"outcome": "advice_given"}, headers=agent)
    assert r.status_code == 200 and r.json()["status"] == "ended"
    assert client.post(url + "/close", json={"outcome": "advice_given"}, headers=agent).status_code == 200
    assert client.post(url + "/close", json={"outcome": "booked"}, headers=agent).status_code == 409


def test_links_only_to_objects_of_the_same_practice(client, make, db):
    practice, number = _practice(make, db)
    other, _ = _practice(make, db)
    mine, _, _ = patients.create(db, ADMIN, practice.id, PatientCreate(surname="Moreau"))
    theirs, _, _ = patients.create(db, ADMIN, other.id, PatientCreate(surname="Autre"))
    agent = make.headers("agent", [practice, other])  # sees both practices
    call = client.post("/api/v1/calls", json={"called_number": number}, headers=agent).json()
    url = f"/api/v1/calls/{call['id']}/links"
    r = client.post(url, json={"kind": "patient", "target_id": str(mine.id)}, headers=agent)
    assert r.status_code == 200 and r.json()["links"][0]["target_id"] == str(mine.id)
    assert (
        len(
            client.post(url, json={"kind": "patient", "target_id": str(mine.id)}, headers=agent).json()[
                "links"
            ]
        )
        == 1
    )
    assert (
        client.post(url, json={"kind": "patient", "target_id": str(theirs.id)}, headers=agent).status_code
        == 404
    )
    assert (
        client.post(url, json={"kind": "appointment", "target_id": str(mine.id)}, headers=agent).status_code
        == 404
    )


def test_list_filters_and_no_caller_number(client, make, db):
    practice, number = _practice(make, db)
    agent = make.headers("agent", [practice])
    base = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    for i in range(3):
        c = client.post(
            "/api/v1/calls",
            json={
                "called_number": number,
                "caller_number": "0611223344",
                "ringing_at": (base + timedelta(hours=i)).isoformat(),
            },
            headers=agent,
        ).json()
        if i == 0:
            client.post(f"/api/v1/calls/{c['id']}/close", json={"outcome": "abandoned"}, headers=agent)
    url = f"/api/v1/practices/{practice.id}/calls"
    everything = client.get(url, headers=agent).json()
    assert len(everything) == 3 and "caller_number" not in everything[0]
    assert [c["ringing_at"] for c in everything] == sorted(
        (c["ringing_at"] for c in everything), reverse=True
    )
    assert len(client.get(url, params={"status": "ended"}, headers=agent).json()) == 1
    assert len(client.get(url, params={"outcome": "abandoned"}, headers=agent).json()) == 1
    window = {
        "from": (base + timedelta(minutes=30)).isoformat(),
        "to": (base + timedelta(hours=2)).isoformat(),
    }
    assert len(client.get(url, params=window, headers=agent).json()) == 1


def test_reads_are_audited_without_the_number(client, make, db):
    practice, number = _practice(make, db)
    agent = make.headers("agent", [practice])
    call = client.post(
        "/api/v1/calls", json={"called_number": number, "caller_number": "0611223344"}, headers=agent
    ).json()
    r = client.get(f"/api/v1/calls/{call['id']}", headers=agent)
    assert r.json()["caller_number"] == "+33611223344"
    events = db.scalars(select(AuditEvent).where(AuditEvent.resource_id == call["id"])).all()
    assert {e.action for e in events} >= {"call.create", "call.read"}
    assert all("611223344" not in str(e.model_dump()) for e in db.scalars(select(AuditEvent)).all())
    raw = db.execute(text("SELECT caller_number FROM call")).scalars().all()
    assert raw and all(value.startswith("pe1") and "611223344" not in value for value in raw)


def test_racing_retries_return_the_winner(make, db, monkeypatch):
    """Two requests with one key pass the look-up before either inserts: the unique key decides."""
    from app.calls import messages, service
    from app.calls.schemas import CallOpen, MessageIn

    practice, number = _practice(make, db)
    doctor = make.practitioner(practice)
    first_call = service.open_call(db, ADMIN, CallOpen(called_number=number), "key-1")
    first_msg = messages.create(
        db, ADMIN, practice.id, MessageIn(practitioner_id=doctor.id, subject="x"), "key-1"
    )
    real_existing, real_replay = service._existing, messages._replay
    seen = {"call": 0, "msg": 0}

    def late_existing(session, practice_id, column, value):
        if column == "idempotency_key" and seen["call"] == 0:
            seen["call"] += 1
            return None  # the competitor had not committed yet when we looked
        return real_existing(session, practice_id, column, value)

    def late_replay(session, practice_id, key):
        if seen["msg"] == 0:
            seen["msg"] += 1
            return None
        return real_replay(session, practice_id, key)

    monkeypatch.setattr(service, "_existing", late_existing)
    monkeypatch.setattr(messages, "_replay", late_replay)
    assert service.open_call(db, ADMIN, CallOpen(called_number=number), "key-1").id == first_call.id
    again = messages.create(
        db, ADMIN, practice.id, MessageIn(practitioner_id=doctor.id, subject="x"), "key-1"
    )
    assert again.id == first_msg.id
    assert len(db.scalars(select(Call).where(Call.practice_id == practice.id)).all()) == 1
