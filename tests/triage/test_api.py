"""Triage API: catalogue, protocols, suggest, assess, sessions; authz, audit, encryption, bad input."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session, col, select

from app.audit.models import AuditEvent
from app.triage import service
from tests.triage.conftest import FIXTURE_RULES

BASE = "/api/v1/triage"
PROTOCOL = "chest_pain"


@pytest.fixture
def practice(make):  # type: ignore[no-untyped-def]
    return make.practice()


@pytest.fixture
def agent(make, practice):  # type: ignore[no-untyped-def]
    return make.headers("agent", [practice])


def _events(db: Session, action: str) -> list[AuditEvent]:
    return list(db.exec(select(AuditEvent).where(col(AuditEvent.action) == action)))


def _problem(resp, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    body = resp.json()
    assert {"type", "title", "status", "detail"} <= set(body)
    return body


def test_catalogue_and_protocols(client, agent) -> None:
    findings = client.get(f"{BASE}/findings", headers=agent).json()
    assert any(f["code"] == "unresponsive" for f in findings)
    listing = client.get(f"{BASE}/protocols", headers=agent).json()
    assert PROTOCOL in {p["id"] for p in listing} and all(len(p["content_hash"]) == 64 for p in listing)
    dental = client.get(f"{BASE}/protocols", params={"specialty": "dentiste"}, headers=agent).json()
    assert dental and all("dentiste" in p["specialties"] for p in dental)
    detail = client.get(f"{BASE}/protocols/{PROTOCOL}", headers=agent).json()
    assert detail["questions"][0]["red_flag"] and detail["references"]
    _problem(client.get(f"{BASE}/protocols/nope", headers=agent), 404)
    _problem(client.get(f"{BASE}/protocols"), 401)


def test_suggest(client, agent) -> None:
    resp = client.post(
        f"{BASE}/suggest",
        json={"text": "J'ai mal à la poitrine, ça serre", "specialty": "generaliste", "age_years": 55},
        headers=agent,
    )
    assert resp.status_code == 200, resp.text
    assert PROTOCOL in [s["protocol_id"] for s in resp.json()["suggestions"][:3]]
    _problem(client.post(f"{BASE}/suggest", json={"text": ""}, headers=agent), 422)
    _problem(client.post(f"{BASE}/suggest", json={"text": "x", "extra": 1}, headers=agent), 422)


def _questions(client, agent) -> list[str]:  # type: ignore[no-untyped-def]
    return [
        q["finding"] for q in client.get(f"{BASE}/protocols/{PROTOCOL}", headers=agent).json()["questions"]
    ]


def test_assess_batch(client, agent) -> None:
    every_no = {code: "no" for code in _questions(client, agent)}
    body = {"protocol_id": PROTOCOL, "patient": {"age_years": 40, "sex": "M"}, "findings": every_no}
    resp = client.post(f"{BASE}/assess", json=body, headers=agent)
    assert resp.status_code == 200, resp.text
    d = resp.json()["disposition"]
    assert d["complete"] and d["level"] != "emergency" and d["call"] is None and d["outcome"]["say"]
    # nothing known: every red flag is open, and unknown is the worse answer
    resp = client.post(f"{BASE}/assess", json={**body, "findings": {}}, headers=agent).json()
    assert resp["disposition"]["level"] == "emergency" and resp["disposition"]["call"] in ("15", "112")
    assert resp["disposition"]["open_red_flags"] and resp["next_question"]["red_flag"]
    # booleans accepted; known codes of other protocols are listed, not fatal
    resp = client.post(
        f"{BASE}/assess", json={**body, "findings": {**every_no, "tooth_pain": True}}, headers=agent
    ).json()
    assert resp["ignored_findings"] == ["tooth_pain"]
    by_text = client.post(
        f"{BASE}/assess",
        json={"text": "j'ai mal à la poitrine", "patient": {"age_years": 40}, "findings": every_no},
        headers=agent,
    ).json()
    assert by_text["suggestions"] and by_text["protocol_id"] == by_text["suggestions"][0]["protocol_id"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"protocol_id": "nope"}, 422),
        ({"protocol_id": PROTOCOL, "findings": {"not_a_code": "yes"}}, 422),
        ({"protocol_id": PROTOCOL, "findings": {"unresponsive": "maybe"}}, 422),
        ({"protocol_id": PROTOCOL, "patient": {"age_years": 131}}, 422),
        ({"protocol_id": PROTOCOL, "patient": {"age_years": -1}}, 422),
        ({"protocol_id": PROTOCOL, "patient": {"age_years": 2}}, 422),  # outside the protocol's ages
        ({"findings": {}}, 422),
    ],
)
def test_assess_bad_input(client, agent, body, status) -> None:
    _problem(client.post(f"{BASE}/assess", json=body, headers=agent), status)


def _start(client, agent, practice, **extra):  # type: ignore[no-untyped-def]
    body = {
        "practice_id": str(practice.id),
        "protocol_id": PROTOCOL,
        "patient": {"age_years": 58, "sex": "F"},
    }
    return client.post(f"{BASE}/sessions", json={**body, **extra}, headers=agent)


def test_interactive_session_flow(client, db, agent, practice) -> None:
    resp = _start(client, agent, practice)
    assert resp.status_code == 201, resp.text
    s = resp.json()
    sid = s["id"]
    assert resp.headers["Location"].endswith(sid) and s["status"] == "in_progress"
    assert s["next_question"]["red_flag"] and s["checklist"] and len(s["protocol_hash"]) == 64
    steps = 0
    while s["next_question"] is not None:
        code = s["next_question"]["finding"]
        s = client.post(
            f"{BASE}/sessions/{sid}/answers", json={"finding": code, "answer": "no"}, headers=agent
        )
        assert s.status_code == 200, s.text
        s = s.json()
        steps += 1
        assert steps <= 60
    assert s["status"] == "completed" and s["disposition"]["complete"] and s["completed_at"]
    final_level = s["disposition"]["level"]
    # undo reopens the session
    s = client.post(f"{BASE}/sessions/{sid}/answers", json={"action": "undo"}, headers=agent).json()
    assert s["status"] == "in_progress" and len(s["answers"]) == steps - 1
    code = s["next_question"]["finding"]
    s = client.post(
        f"{BASE}/sessions/{sid}/answers", json={"finding": code, "answer": "no"}, headers=agent
    ).json()
    assert s["disposition"]["level"] == final_level
    # a checklist item can be ticked at any time and counts at once
    s = client.post(
        f"{BASE}/sessions/{sid}/answers", json={"finding": "unresponsive", "answer": "yes"}, headers=agent
    ).json()
    assert s["disposition"]["level"] == "emergency" and s["disposition"]["call"] == "15"
    read = client.get(f"{BASE}/sessions/{sid}", headers=agent)
    assert read.status_code == 200 and read.json()["answers"] == s["answers"]
    assert _events(db, "triage_session.read") and _events(db, "triage_session.answer")
    assert _events(db, "triage_session.create")


def test_answers_are_encrypted_at_rest(client, db, agent, practice) -> None:
    sid = _start(client, agent, practice).json()["id"]
    client.post(
        f"{BASE}/sessions/{sid}/answers", json={"finding": "unresponsive", "answer": "no"}, headers=agent
    )
    row = (
        db.connection()
        .execute(
            text("SELECT context, answers, rule_path, level FROM triage_session WHERE id = :id"),
            {"id": uuid.UUID(sid).hex if db.get_bind().dialect.name == "sqlite" else uuid.UUID(sid)},
        )
        .one()
    )
    for column in row[:3]:
        assert column.startswith("pe1") and "unresponsive" not in column and "age_years" not in column
    assert row[3] in ("emergency", "urgent", "soon", "routine", "self_care")


def test_session_bad_input(client, agent, practice) -> None:
    sid = _start(client, agent, practice).json()["id"]
    url = f"{BASE}/sessions/{sid}/answers"
    _problem(client.post(url, json={"finding": "tooth_pain", "answer": "yes"}, headers=agent), 422)
    _problem(client.post(url, json={"finding": "not_a_code", "answer": "yes"}, headers=agent), 422)
    _problem(client.post(url, json={"finding": "unresponsive"}, headers=agent), 422)
    _problem(client.post(url, json={"action": "undo"}, headers=agent), 422)  # nothing to undo
    _problem(_start(client, agent, practice, protocol_id="nope"), 422)
    _problem(_start(client, agent, practice, patient={"age_years": 200}), 422)
    _problem(client.get(f"{BASE}/sessions/{uuid.uuid4()}", headers=agent), 404)


def test_foreign_practice_is_404(client, make, agent, practice) -> None:
    other = make.practice()
    intruder = make.headers("agent", [other])
    sid = _start(client, agent, practice).json()["id"]
    _problem(client.get(f"{BASE}/sessions/{sid}", headers=intruder), 404)
    _problem(
        client.post(
            f"{BASE}/sessions/{sid}/answers",
            json={"finding": "unresponsive", "answer": "no"},
            headers=intruder,
        ),
        404,
    )
    _problem(_start(client, intruder, practice), 404)


def test_startup_refuses_a_broken_rule_set(tmp_path: Path) -> None:
    service.startup_check(FIXTURE_RULES)  # a sound rule set passes (the real one: test_lint.py)
    root = tmp_path / "triage_rules"
    shutil.copytree(FIXTURE_RULES, root)
    path = root / "protocols" / "chest_pain.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace('call: "15", ', "", 1), encoding="utf-8")
    with pytest.raises(service.BrokenRuleSet, match=r"protocols/chest_pain.yaml: .*must name call"):
        service.startup_check(root)


def test_idempotent_session_creation(client, agent, practice) -> None:
    headers = {**agent, "Idempotency-Key": "call-42-triage"}
    first = _start(client, headers, practice)
    again = _start(client, headers, practice)
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    _problem(_start(client, headers, practice, patient={"age_years": 30}), 409)
    assert _start(client, agent, practice).json()["id"] != first.json()["id"]  # no key: a new session


def test_session_of_a_changed_protocol_is_read_only(client, db, agent, practice) -> None:
    from app.triage.models import TriageSession

    sid = _start(client, agent, practice).json()["id"]
    row = db.get(TriageSession, uuid.UUID(sid))
    row.protocol_hash = "0" * 64  # as if the protocol file had changed since the session started
    db.add(row)
    db.commit()
    read = client.get(f"{BASE}/sessions/{sid}", headers=agent).json()
    assert read["protocol_changed"] and read["next_question"] is None and read["disposition"]["level"]
    url = f"{BASE}/sessions/{sid}/answers"
    _problem(client.post(url, json={"finding": "unresponsive", "answer": "no"}, headers=agent), 409)


def test_global_checklist_is_readable_before_any_protocol(client, make) -> None:
    h = make.headers("agent", [make.practice()])
    r = client.get("/api/v1/triage/global", headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    codes = {q["finding"] for q in body["questions"]}
    assert {"unresponsive", "not_breathing_normally", "severe_bleeding"} <= codes
    assert all(q["red_flag"] and q["question"] for q in body["questions"])
    assert all(rule["level"] != "emergency" or rule["call"] for rule in body["rules"])
    assert len(body["content_hash"]) == 64
    assert client.get("/api/v1/triage/global").status_code == 401
