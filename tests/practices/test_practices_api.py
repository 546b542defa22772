"""Practices, routing by called number, versioned instruction sheets, practitioners and motifs."""

from __future__ import annotations

from sqlmodel import select

from app.audit.models import AuditEvent


def test_create_practice_with_numbers_and_route_a_call(client, make):
    h = make.headers("supervisor")
    r = client.post(
        "/api/v1/practices",
        headers=h,
        json={
            "name": "Kiné du Port",
            "specialties": ["kine"],
            "timezone": "Indian/Reunion",
            "phone_region": "RE",
            "called_numbers": [{"number": "0262 21 03 03", "label": "standard"}],
        },
    )
    assert r.status_code == 201, r.text
    practice = r.json()
    assert practice["called_numbers"] == [{"number": "+262262210303", "label": "standard"}]
    # a supervisor who creates a practice is assigned to it
    routed = client.get("/api/v1/practices/route", params={"called_number": "+262 262 21 03 03"}, headers=h)
    assert routed.status_code == 200
    assert routed.json()["id"] == practice["id"]
    assert (
        client.get("/api/v1/practices/route", params={"called_number": "0999"}, headers=h).status_code == 422
    )
    assert (
        client.get("/api/v1/practices/route", params={"called_number": "0145000000"}, headers=h).status_code
        == 404
    )


def test_a_number_routes_to_one_practice_only(client, make):
    h = make.headers("admin")
    body = {"name": "A", "specialties": ["generaliste"], "called_numbers": [{"number": "0142930199"}]}
    assert client.post("/api/v1/practices", headers=h, json=body).status_code == 201
    again = client.post("/api/v1/practices", headers=h, json={**body, "name": "B"})
    assert again.status_code == 409


def test_update_with_if_match(client, make):
    p = make.practice("Avant")
    h = make.headers("supervisor", [p])
    r = client.get(f"/api/v1/practices/{p.id}", headers=h)
    etag = r.headers["etag"]
    ok = client.patch(f"/api/v1/practices/{p.id}", headers={**h, "If-Match": etag}, json={"name": "Après"})
    assert ok.status_code == 200 and ok.json()["name"] == "Après"
    stale = client.patch(f"/api/v1/practices/{p.id}", headers={**h, "If-Match": etag}, json={"name": "Perdu"})
    assert stale.status_code == 412
    assert client.get(f"/api/v1/practices/{p.id}", headers=h).json()["name"] == "Après"


def test_instruction_sheets_are_versioned(client, make):
    p = make.practice()
    h = make.headers("supervisor", [p])
    assert client.get(f"/api/v1/practices/{p.id}/instructions", headers=h).status_code == 404
    sheet = {
        "greeting": "Bonjour",
        "urgent_calls": "15",
        "transfer_contacts": [{"name": "Dr A", "phone": "06 11 22 33 44", "when": "urgences"}],
    }
    v1 = client.post(f"/api/v1/practices/{p.id}/instructions", headers=h, json=sheet)
    assert v1.status_code == 201 and v1.json()["version"] == 1
    assert v1.json()["transfer_contacts"][0]["phone"] == "+33611223344"
    v2 = client.post(f"/api/v1/practices/{p.id}/instructions", headers=h, json={**sheet, "greeting": "Allô"})
    assert v2.json()["version"] == 2
    agent = make.headers("agent", [p])
    assert client.get(f"/api/v1/practices/{p.id}/instructions", headers=agent).json()["greeting"] == "Allô"
    old = client.get(f"/api/v1/practices/{p.id}/instructions", params={"version": 1}, headers=agent)
    assert old.json()["greeting"] == "Bonjour"
    assert client.post(f"/api/v1/practices/{p.id}/instructions", headers=agent, json=sheet).status_code == 403


def test_practitioners_and_motifs(client, make):
    p = make.practice()
    h = make.headers("supervisor", [p])
    dr = client.post(
        f"/api/v1/practices/{p.id}/practitioners",
        headers=h,
        json={"display_name": "Dr Martin", "specialty": "generaliste", "urgent_phone": "0611223344"},
    )
    assert dr.status_code == 201
    motif = client.post(
        f"/api/v1/practices/{p.id}/motifs",
        headers=h,
        json={
            "code": "consultation",
            "label": "Consultation",
            "duration_minutes": 20,
            "buffer_after_minutes": 5,
            "daily_cap": 12,
            "practitioner_ids": [dr.json()["id"]],
        },
    )
    assert motif.status_code == 201, motif.text
    assert motif.json()["practitioner_ids"] == [dr.json()["id"]]
    dup = client.post(
        f"/api/v1/practices/{p.id}/motifs", headers=h, json={"code": "consultation", "label": "x"}
    )
    assert dup.status_code == 409
    upd = client.patch(f"/api/v1/motifs/{motif.json()['id']}", headers=h, json={"duration_minutes": 30})
    assert upd.json()["duration_minutes"] == 30
    listed = client.get(f"/api/v1/practices/{p.id}/motifs", headers=make.headers("agent", [p])).json()
    assert [m["code"] for m in listed] == ["consultation"]


def test_reads_and_changes_are_audited(client, make, db):
    p = make.practice()
    _, token = make.user("agent", [p])
    client.get(f"/api/v1/practices/{p.id}", headers={"Authorization": f"Bearer {token}"})
    events = db.scalars(select(AuditEvent).where(AuditEvent.chain == str(p.id))).all()
    assert [e.action for e in events][-1] == "practice.read"
    assert events[-1].request_id


def test_motif_of_other_practice_in_body_is_not_found(client, make):
    a, b = make.practice(), make.practice()
    dr_b = make.practitioner(b)
    h = make.headers("supervisor", [a])
    r = client.post(
        f"/api/v1/practices/{a.id}/motifs",
        headers=h,
        json={"code": "x", "label": "x", "practitioner_ids": [str(dr_b.id)]},
    )
    assert r.status_code == 404
