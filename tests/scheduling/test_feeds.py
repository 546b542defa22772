"""Practitioners' ICS feeds: secret tokens, VTIMEZONE, stable UIDs, cancellations, ETag/304, audit."""

from __future__ import annotations

from sqlmodel import select

from app.audit.models import AuditEvent
from app.scheduling.models import FeedToken

from .test_booking_api import booking, slots


def test_feed_lifecycle(client, clinic, make, db):
    admin = make.headers("admin")
    doctor = clinic.doctors[0]
    created = client.post(f"/api/v1/practitioners/{doctor.id}/feed-tokens", headers=admin)
    assert created.status_code == 201, created.text
    token = created.json()["token"]
    assert len(token) >= 43 and created.json()["url"].endswith(f"/feeds/{token}.ics")
    stored = db.scalars(select(FeedToken.token_hash)).all()
    assert token not in stored, "only the hash is stored"

    slot = slots(client, clinic, practitioner_id=str(doctor.id), limit=1)[0]
    made = client.post("/api/v1/appointments", json=booking(clinic, slot), headers=clinic.agent).json()
    feed = client.get(f"/feeds/{token}.ics")
    assert feed.status_code == 200
    assert feed.headers["content-type"].startswith("text/calendar")
    assert feed.headers["cache-control"] == "no-store"
    text = feed.text
    assert "BEGIN:VTIMEZONE" in text and "TZID:Europe/Paris" in text
    assert f"UID:{made['uid']}" in text and "SEQUENCE:0" in text
    assert "Consultation" not in text, "minimal health data by default: no motif in the summary"

    not_modified = client.get(f"/feeds/{token}.ics", headers={"If-None-Match": feed.headers["etag"]})
    assert not_modified.status_code == 304 and not_modified.content == b""

    client.post(f"/api/v1/appointments/{made['id']}/cancel", headers=clinic.agent)
    changed = client.get(f"/feeds/{token}.ics", headers={"If-None-Match": feed.headers["etag"]})
    assert changed.status_code == 200 and changed.headers["etag"] != feed.headers["etag"]
    assert "STATUS:CANCELLED" in changed.text and f"UID:{made['uid']}" in changed.text
    assert "SEQUENCE:1" in changed.text

    fetches = db.scalars(select(AuditEvent.outcome).where(AuditEvent.action == "feed.fetch")).all()
    assert sorted(fetches) == ["not_modified", "success", "success"]

    rotated = client.post(f"/api/v1/practitioners/{doctor.id}/feed-tokens?rotate=true", headers=admin)
    assert client.get(f"/feeds/{token}.ics").status_code == 404, "rotation revokes the old URL"
    new_token = rotated.json()["token"]
    assert client.get(f"/feeds/{new_token}.ics").status_code == 200
    revoked = client.post(f"/api/v1/feed-tokens/{rotated.json()['id']}/revoke", headers=admin)
    assert revoked.json()["revoked_at"] is not None
    assert client.get(f"/feeds/{new_token}.ics").status_code == 404
    assert client.get("/feeds/not-a-token.ics").status_code == 404
    outcomes = db.scalars(select(AuditEvent.outcome).where(AuditEvent.action == "feed.fetch")).all()
    assert sorted(outcomes).count("denied") == 2, "revoked URLs still in use are recorded"


def test_practice_may_show_the_motif_in_summaries(client, clinic, make):
    admin = make.headers("admin")
    client.patch(f"/api/v1/practices/{clinic.practice.id}", json={"feed_detail": "motif"}, headers=admin)
    doctor = clinic.doctors[1]
    token = client.post(f"/api/v1/practitioners/{doctor.id}/feed-tokens", headers=admin).json()["token"]
    slot = slots(client, clinic, practitioner_id=str(doctor.id), limit=1)[0]
    client.post("/api/v1/appointments", json=booking(clinic, slot), headers=clinic.agent)
    assert "SUMMARY:RDV – Consultation" in client.get(f"/feeds/{token}.ics").text
