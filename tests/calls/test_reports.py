"""Reports and billing against a seeded month of calls with answers worked out by hand.

Calls are opened, answered and closed by a telephony integrator (API key, calls:write) with the
telephony system's own timestamps. Practice time zone Europe/Paris (UTC+1 in November).
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.calls import messages
from app.calls.models import CallLink
from app.calls.schemas import MessageIn
from app.practices import service as practices
from tests.factories import ADMIN

PARIS = ZoneInfo("Europe/Paris")
# (local ringing time, seconds to answer or None, handling seconds, outcome)
SEED = [
    ("2026-11-02 09:00", 10, 290, "booked"),
    ("2026-11-02 09:30", 20, 600, "message_taken"),
    ("2026-11-02 14:00", None, 30, "abandoned"),  # 30 s ringing, never answered
    ("2026-11-03 09:15", 40, 120, "redirected_emergency"),
    ("2026-11-03 18:00", 5, 60, "wrong_number"),
    ("2026-11-03 18:05", 100, 1200, "advice_given"),
    ("2026-10-31 23:30", 10, 100, "booked"),  # October in Paris (22:30 UTC)
    ("2026-12-01 00:10", 10, 100, "booked"),  # December in Paris, still November in UTC
    ("2026-11-30 23:50", 10, 300, "information_only"),  # November in Paris, 22:50 UTC
]


def _seed(client, make, db):
    practice = make.practice("Cabinet Bellevue")
    number = practices.numbers_of(db, practice.id)[0].number
    telephony = make.api_key_headers([practice], scopes=["calls:read", "calls:write"])
    ids = []
    for i, (local, to_answer, seconds, outcome) in enumerate(SEED):
        ring = datetime.strptime(local, "%Y-%m-%d %H:%M").replace(tzinfo=PARIS)
        r = client.post(
            "/api/v1/calls",
            json={"called_number": number, "external_ref": f"pbx-{i}", "ringing_at": ring.isoformat()},
            headers=telephony,
        )
        assert r.status_code == 201, r.text
        call_id = r.json()["id"]
        ids.append(call_id)
        end = ring + timedelta(seconds=seconds)
        if to_answer is not None:
            answered = ring + timedelta(seconds=to_answer)
            end = answered + timedelta(seconds=seconds)
            r = client.post(
                f"/api/v1/calls/{call_id}/answer",
                json={"answered_at": answered.isoformat()},
                headers=telephony,
            )
            assert r.status_code == 200, r.text
        r = client.post(
            f"/api/v1/calls/{call_id}/close",
            json={"outcome": outcome, "ended_at": end.isoformat()},
            headers=telephony,
        )
        assert r.status_code == 200, r.text
    # One booking linked to the first call; two messages in November, one in October.
    db.add(
        CallLink(
            call_id=uuid.UUID(ids[0]), practice_id=practice.id, kind="appointment", target_id=practice.id
        )
    )
    doctor = make.practitioner(practice, "Dr Nguyen")
    for priority, at in (
        ("urgent", "2026-11-02T09:40:00+00:00"),
        ("normal", "2026-11-03T08:00:00+00:00"),
        ("normal", "2026-10-30T08:00:00+00:00"),
    ):
        msg = messages.create(
            db, ADMIN, practice.id, MessageIn(practitioner_id=doctor.id, subject="x", priority=priority)
        )
        msg.created_at = datetime.fromisoformat(at)
    db.flush()
    return practice


def test_month_report_matches_hand_computed_figures(client, make, db):
    practice = _seed(client, make, db)
    headers = make.headers("supervisor", [practice])
    r = client.get(
        f"/api/v1/practices/{practice.id}/reports",
        params={"from": "2026-11-01", "to": "2026-11-30"},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    rep = r.json()
    assert (rep["received"], rep["answered"], rep["abandoned"]) == (7, 6, 1)
    # answer times 10, 20, 40, 5, 100, 10 → mean 185/6, p90 (nearest rank 6 of 6) = 100
    assert rep["answer_time"] == {"mean": pytest.approx(185 / 6), "p90": 100.0}
    # handling 290, 600, 120, 60, 1200, 300 → mean 2570/6, p90 = 1200
    assert rep["handling_time"] == {"mean": pytest.approx(2570 / 6), "p90": 1200.0}
    assert rep["outcomes"] == {
        "abandoned": 1,
        "advice_given": 1,
        "booked": 1,
        "information_only": 1,
        "message_taken": 1,
        "redirected_emergency": 1,
        "wrong_number": 1,
    }
    assert rep["emergency_redirections"] == 1 and rep["bookings"] == 1
    assert rep["messages"] == 2 and rep["messages_by_priority"] == {"normal": 1, "urgent": 1}
    assert rep["by_day"] == [
        {"day": "2026-11-02", "received": 3, "answered": 2, "abandoned": 1},
        {"day": "2026-11-03", "received": 3, "answered": 3, "abandoned": 0},
        {"day": "2026-11-30", "received": 1, "answered": 1, "abandoned": 0},
    ]
    assert rep["by_hour"] == [
        {"hour": 9, "received": 3, "answered": 3, "abandoned": 0},
        {"hour": 14, "received": 1, "answered": 0, "abandoned": 1},
        {"hour": 18, "received": 2, "answered": 2, "abandoned": 0},
        {"hour": 23, "received": 1, "answered": 1, "abandoned": 0},
    ]
    one_day = client.get(
        f"/api/v1/practices/{practice.id}/reports",
        params={"from": "2026-11-02", "to": "2026-11-02"},
        headers=headers,
    ).json()
    assert one_day["received"] == 3 and one_day["handling_time"]["p90"] == 600.0
    empty = client.get(
        f"/api/v1/practices/{practice.id}/reports",
        params={"from": "2026-11-10", "to": "2026-11-11"},
        headers=headers,
    ).json()
    assert empty["received"] == 0 and empty["answer_time"] == {"mean": None, "p90": None}
    bad = client.get(
        f"/api/v1/practices/{practice.id}/reports",
        params={"from": "2026-11-10", "to": "2026-11-01"},
        headers=headers,
    )
    assert bad.status_code == 422


@pytest.mark.parametrize(
    ("plan", "total"),
    [
        ({"model": "per_call", "per_call_cents": 150}, 6 * 150),
        (
            {"model": "package", "monthly_fee_cents": 5000, "included_calls": 4, "overage_cents": 200},
            5000 + 2 * 200,
        ),
        ({"model": "per_hour", "hourly_cents": 3000}, 2142),  # 2570 s × 30 €/h = 21.4166… € → 21.42 €
    ],
)
def test_billing_export(client, make, db, plan, total):
    practice = _seed(client, make, db)
    admin = make.headers("admin")
    supervisor = make.headers("supervisor", [practice])
    assert (
        client.put(f"/api/v1/practices/{practice.id}/billing-plan", json=plan, headers=supervisor).status_code
        == 403
    )
    r = client.put(f"/api/v1/practices/{practice.id}/billing-plan", json=plan, headers=admin)
    assert r.status_code == 200, r.text
    r = client.get(
        f"/api/v1/practices/{practice.id}/billing", params={"month": "2026-11"}, headers=supervisor
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    calls = [row for row in rows if row["kind"] == "call"]
    assert len(calls) == 7 and sum(int(row["quantity"]) for row in calls) == (
        2570 if plan["model"] == "per_hour" else 6
    )
    assert (
        calls[0]["local_time"] == "2026-11-02 09:00:00" and calls[-1]["local_time"] == "2026-11-30 23:50:00"
    )
    [final] = [row for row in rows if row["kind"] == "total"]
    assert int(final["amount_cents"]) == total
    if plan["model"] == "package":
        [overage] = [row for row in rows if row["kind"] == "overage"]
        assert overage["quantity"] == "2"
    october = client.get(
        f"/api/v1/practices/{practice.id}/billing", params={"month": "2026-10"}, headers=supervisor
    )
    assert len([row for row in csv.DictReader(io.StringIO(october.text)) if row["kind"] == "call"]) == 1


def test_billing_needs_a_plan_and_a_month(client, make):
    practice = make.practice()
    headers = make.headers("supervisor", [practice])
    assert (
        client.get(
            f"/api/v1/practices/{practice.id}/billing", params={"month": "2026-11"}, headers=headers
        ).status_code
        == 404
    )
    assert (
        client.get(
            f"/api/v1/practices/{practice.id}/billing", params={"month": "2026-13"}, headers=headers
        ).status_code
        == 422
    )
    assert (
        client.get(
            f"/api/v1/practices/{practice.id}/billing", params={"month": "nov"}, headers=headers
        ).status_code
        == 422
    )


def test_utc_instants_are_reported_in_practice_time():
    from app.calls import stats

    fact = stats.CallFact(datetime(2026, 3, 29, 1, 30, tzinfo=UTC), None, None, None)  # DST day in Paris
    figures = stats.compute([fact], "Europe/Paris")
    assert list(figures.by_hour) == [3]
