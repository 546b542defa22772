"""Patients API: create, read, update, search, export, erase; authorization, audit and bad input."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import Session, col, select

from app.audit.models import AuditEvent
from app.patients.models import Patient, PatientIndex
from tests.patients.helpers import BASE, create, search


@pytest.fixture
def practice(make):  # type: ignore[no-untyped-def]
    return make.practice()


@pytest.fixture
def agent(make, practice):  # type: ignore[no-untyped-def]
    return make.headers("agent", [practice])


def _events(db: Session, action: str) -> list[AuditEvent]:
    return list(db.exec(select(AuditEvent).where(col(AuditEvent.action) == action)))


def test_create_read_and_audit(client, db, practice, agent) -> None:
    created = create(
        client,
        agent,
        practice.id,
        surname="Lefèvre",
        given_names="Marie Anne",
        birth_date="1984-03-12",
        sex="F",
        phones=["06 12 34 56 78", "+33 1 42 34 56 78"],
        email="Marie.Lefevre@Example.fr",
        notes="Préfère être appelée le matin",
    )
    patient = created["patient"]
    assert created["duplicates"] == []
    assert patient["phones"] == ["+33612345678", "+33142345678"]
    assert patient["email"] == "marie.lefevre@example.fr"
    response = client.get(f"{BASE}/patients/{patient['id']}", headers=agent)
    assert response.status_code == 200
    assert (
        response.json()["surname"] == "Lefèvre"
        and response.json()["notes"] == "Préfère être appelée le matin"
    )
    assert response.headers["etag"] == '"1"'
    for action in ("patient.create", "patient.read"):
        events = _events(db, action)
        assert [e.resource_id for e in events] == [patient["id"]]
        assert events[0].chain == str(practice.id)


def test_duplicate_warning_on_same_phone_or_surname_and_birth_date(client, practice, agent) -> None:
    first = create(
        client, agent, practice.id, surname="Martin", birth_date="1950-01-02", phones=["0612345678"]
    )["patient"]
    by_phone = create(client, agent, practice.id, surname="Bernard", phones=["+33 6 12 34 56 78"])
    assert by_phone["duplicates"] == [{"patient_id": first["id"], "matched_on": ["phone"]}]
    by_name = create(client, agent, practice.id, surname="MARTIN", birth_date="1950-01-02")
    assert by_name["duplicates"] == [{"patient_id": first["id"], "matched_on": ["surname_birth_date"]}]
    unrelated = create(client, agent, practice.id, surname="Martin", birth_date="1950-01-03")
    assert unrelated["duplicates"] == []


def test_search_by_phone_surname_and_birth_date(client, practice, agent) -> None:
    a = create(
        client,
        agent,
        practice.id,
        surname="de La Fontaine",
        birth_surname="Éluard",
        birth_date="1990-05-06",
        phones=["06 11 22 33 44"],
    )["patient"]
    b = create(client, agent, practice.id, surname="Delafontaine", birth_date="1990-05-06")["patient"]

    def ids(**terms: object) -> list[str]:
        return [h["id"] for h in search(client, agent, practice.id, **terms)]

    assert ids(phone="+33611223344") == [a["id"]]
    assert ids(phone="0033 6 11 22 33 44") == [a["id"]]
    assert ids(surname="DE LA FONTAINE") == [a["id"]]
    assert ids(surname="eluard") == [a["id"]]  # birth surname is searchable too
    assert ids(surname="delafontaine") == [b["id"]]
    assert ids(surname="De la Fontaine", birth_date="1990-05-06") == [a["id"]]
    assert sorted(ids(birth_date="1990-05-06")) == sorted([a["id"], b["id"]])
    assert ids(phone="06 99 99 99 99") == []
    assert ids(surname="fontaine") == []


def test_every_search_is_audited_without_its_terms(client, db, practice, agent) -> None:
    found = create(client, agent, practice.id, surname="Clément", phones=["0655443322"])["patient"]
    search(client, agent, practice.id, phone="0655443322")
    search(client, agent, practice.id, phone="0600000001")
    events = _events(db, "patient.search")
    assert [(e.resource_id, e.outcome) for e in events] == [(found["id"], "success"), (None, "no_match")]
    dumped = " ".join(str(e.model_dump()) for e in events)
    assert "0655443322" not in dumped and "Clément" not in dumped


def test_foreign_practice_answers_404_everywhere(client, make, practice, agent) -> None:
    other = make.practice()
    foreign = create(client, make.headers("agent", [other]), other.id, surname="Secret")["patient"]
    assert client.get(f"{BASE}/patients/{foreign['id']}", headers=agent).status_code == 404
    assert (
        client.patch(f"{BASE}/patients/{foreign['id']}", json={"notes": "x"}, headers=agent).status_code
        == 404
    )
    assert client.get(f"{BASE}/patients/{foreign['id']}/export", headers=agent).status_code == 404
    assert (
        client.post(f"{BASE}/practices/{other.id}/patients", json={"surname": "X"}, headers=agent).status_code
        == 404
    )
    response = client.post(
        f"{BASE}/practices/{other.id}/patients/search", json={"surname": "Secret"}, headers=agent
    )
    assert response.status_code == 404
    # The same search in the agent's own practice finds nothing of the other practice.
    assert search(client, agent, practice.id, surname="Secret") == []


def test_update_with_etag(client, practice, agent) -> None:
    patient = create(client, agent, practice.id, phones=["0612345678"])["patient"]
    url = f"{BASE}/patients/{patient['id']}"
    stale = client.patch(url, json={"notes": "rappeler"}, headers={**agent, "If-Match": '"7"'})
    assert stale.status_code == 412 and stale.headers["content-type"].startswith("application/problem+json")
    ok = client.patch(
        url, json={"notes": "rappeler", "phones": ["0698765432"]}, headers={**agent, "If-Match": '"1"'}
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["revision"] == 2 and ok.json()["phones"] == ["+33698765432"]
    assert ok.headers["etag"] == '"2"'
    # The index follows the content: the old number no longer finds the patient.
    assert search(client, agent, practice.id, phone="0612345678") == []
    assert [h["id"] for h in search(client, agent, practice.id, phone="06 98 76 54 32")] == [patient["id"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"surname": "Dupont", "phones": ["06 12 34"]}, "phones[0]"),
        ({"surname": "Dupont", "phones": ["n'importe quoi"]}, "phones[0]"),
        ({"surname": "Dupont", "birth_date": "2999-01-01"}, "birth_date"),
        ({"surname": "Dupont", "birth_date": "1850-01-01"}, "birth_date"),
        ({"surname": "Dupont", "birth_date": "1980-02-30"}, "birth_date"),
        ({"surname": "Dupont3000"}, "surname"),
        ({"surname": "Dupont", "email": "pas-un-email"}, "email"),
        ({"surname": "Dupont", "sex": "Z"}, "sex"),
        ({"surname": "Dupont", "unknown": 1}, "unknown"),
        ({"surname": ""}, "surname"),
    ],
)
def test_bad_input_is_a_422_problem_without_the_value(client, practice, agent, body, field) -> None:
    response = client.post(f"{BASE}/practices/{practice.id}/patients", json=body, headers=agent)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field.split("[")[0] in response.text
    for value in body.values():
        if isinstance(value, str) and len(value) > 3 and value not in ("Dupont",):
            assert value not in response.text


@pytest.mark.parametrize(
    "terms", [{}, {"phone": "12"}, {"birth_date": "2999-01-01"}, {"surname": "1"}, {"limit": 0}]
)
def test_bad_search_is_422(client, practice, agent, terms) -> None:
    response = client.post(f"{BASE}/practices/{practice.id}/patients/search", json=terms, headers=agent)
    assert response.status_code == 422


def test_export_and_erase(client, db, make, practice, agent) -> None:
    patient = create(
        client,
        agent,
        practice.id,
        surname="Moreau",
        birth_date="1970-07-07",
        phones=["0611111111"],
        notes="allergie pénicilline",
    )["patient"]
    export = client.get(f"{BASE}/patients/{patient['id']}/export", headers=agent)
    assert export.status_code == 200 and export.headers["cache-control"] == "no-store"
    assert export.json()["format"] == "permanence.patient.v1"
    assert export.json()["patient"]["notes"] == "allergie pénicilline"
    url = f"{BASE}/patients/{patient['id']}"
    assert client.delete(url, headers=agent).status_code == 403  # agents may not erase
    supervisor = make.headers("supervisor", [practice])
    assert client.delete(url, headers=supervisor).status_code == 204
    assert client.get(url, headers=agent).status_code == 410
    assert search(client, agent, practice.id, phone="0611111111") == []
    assert (
        list(db.exec(select(PatientIndex).where(col(PatientIndex.patient_id) == uuid.UUID(patient["id"]))))
        == []
    )
    erased = _events(db, "patient.erase")
    assert [e.resource_id for e in erased] == [patient["id"]]


def test_agents_without_patient_rights_are_refused(client, make, practice) -> None:
    patient_reader = make.headers("practitioner", [practice])
    response = client.post(
        f"{BASE}/practices/{practice.id}/patients", json={"surname": "X"}, headers=patient_reader
    )
    assert response.status_code == 403


def test_create_is_idempotent_with_a_key(client, db, practice, agent) -> None:
    url = f"{BASE}/practices/{practice.id}/patients"
    body = {"surname": "Roux", "phones": ["0612121212"]}
    first = client.post(url, json=body, headers={**agent, "Idempotency-Key": "appel-42"})
    again = client.post(url, json=body, headers={**agent, "Idempotency-Key": "appel-42"})
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["patient"]["id"] == first.json()["patient"]["id"]
    assert again.json()["duplicates"] == []
    other_body = client.post(
        url, json={**body, "surname": "Rousse"}, headers={**agent, "Idempotency-Key": "appel-42"}
    )
    assert other_body.status_code == 409 and "Rousse" not in other_body.text
    fresh = client.post(url, json=body, headers={**agent, "Idempotency-Key": "appel-43"})
    assert (
        fresh.status_code == 201
        and fresh.json()["duplicates"][0]["patient_id"] == first.json()["patient"]["id"]
    )
    raw = db.exec(select(Patient.create_key)).all()
    assert all(k is None or "appel" not in k for k in raw)
