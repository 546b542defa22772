"""One poll lists the calls ringing in the agent's practices, and none of another practice."""

from __future__ import annotations

from app.practices import service as practices


def _open(client, db, practice, headers):
    number = practices.numbers_of(db, practice.id)[0].number
    r = client.post("/api/v1/calls", json={"called_number": number}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_incoming_lists_ringing_calls_of_my_practices_only(client, make, db):
    a, b, foreign = make.practice(), make.practice(), make.practice()
    for p in (a, b, foreign):
        make.sheet(p)
    admin = make.headers("admin")
    first = _open(client, db, a, admin)
    second = _open(client, db, b, admin)
    _open(client, db, foreign, admin)
    agent = make.headers("agent", [a, b])
    listed = client.get("/api/v1/calls", headers=agent)
    assert listed.status_code == 200
    assert [(c["id"], c["practice_id"]) for c in listed.json()] == [(first, str(a.id)), (second, str(b.id))]
    assert all("caller_number" not in c for c in listed.json())
    assert client.post(f"/api/v1/calls/{first}/answer", json={}, headers=agent).status_code == 200
    assert [c["id"] for c in client.get("/api/v1/calls", headers=agent).json()] == [second]
