"""Bad input gets a clear RFC 9457 problem and changes nothing."""

from __future__ import annotations

import uuid

from sqlmodel import Session, func, select

from app.practices.models import Practice

PROBLEM = "application/problem+json"


def _count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Practice)) or 0


def _assert_problem(r, status):
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    body = r.json()
    assert {"type", "title", "status", "detail"} <= body.keys()
    assert body["status"] == status


def test_malformed_json(client, make, db):
    h = make.headers("admin")
    before = _count(db)
    r = client.post(
        "/api/v1/practices", content=b'{"name": "x", ', headers={**h, "Content-Type": "application/json"}
    )
    _assert_problem(r, 422)
    assert _count(db) == before


def test_wrong_types_and_unknown_fields(client, make, db):
    h = make.headers("admin")
    before = _count(db)
    _assert_problem(
        client.post("/api/v1/practices", json={"name": 12, "specialties": "kine"}, headers=h), 422
    )
    r = client.post(
        "/api/v1/practices", json={"name": "A", "specialties": ["kine"], "colour": "red"}, headers=h
    )
    _assert_problem(r, 422)
    assert r.json()["errors"][0]["loc"] == ["body", "colour"]
    _assert_problem(
        client.post(
            "/api/v1/practices",
            json={"name": "A", "specialties": ["kine"], "timezone": "Mars/Olympus"},
            headers=h,
        ),
        422,
    )
    assert _count(db) == before


def test_validation_errors_do_not_echo_input(client, make):
    h = make.headers("admin")
    secret = "Jeanne Dupont née le 12/03/1950"
    r = client.post("/api/v1/practices", json={"name": "A", "specialties": [secret]}, headers=h)
    _assert_problem(r, 422)
    assert secret not in r.text


def test_wrong_content_type(client, make, db):
    h = make.headers("admin")
    before = _count(db)
    r = client.post("/api/v1/practices", content=b"name=A", headers={**h, "Content-Type": "text/plain"})
    _assert_problem(r, 415)
    assert _count(db) == before


def test_oversize_body(client, make, db):
    h = make.headers("admin")
    before = _count(db)
    big = {"name": "A", "specialties": ["kine"], "address": "x" * 2_000_000}
    _assert_problem(client.post("/api/v1/practices", json=big, headers=h), 413)
    assert _count(db) == before


def test_unknown_ids_and_routes(client, make):
    h = make.headers("admin")
    _assert_problem(client.get(f"/api/v1/practices/{uuid.uuid4()}", headers=h), 404)
    _assert_problem(client.get("/api/v1/practices/not-a-uuid", headers=h), 422)
    _assert_problem(client.get("/api/v1/nowhere", headers=h), 404)
    _assert_problem(client.delete("/api/v1/practices", headers=h), 405)


def test_unexpected_error_is_a_generic_500_problem(app, client, make):
    from app.core.errors import problem  # noqa: F401 - the renderer under test

    @app.get("/api/v1/_boom_for_test")
    def boom() -> None:
        raise RuntimeError("secret patient detail")

    try:
        r = client.get("/api/v1/_boom_for_test")
        _assert_problem(r, 500)
        assert "secret" not in r.text
    finally:
        app.router.routes = [
            rt for rt in app.router.routes if getattr(rt, "path", "") != "/api/v1/_boom_for_test"
        ]


def test_health_and_openapi(client):
    assert client.get("/health").json() == {"status": "ok"}
    spec = client.get("/openapi.json").json()
    assert "/api/v1/practices" in spec["paths"]
    assert client.get("/docs").status_code == 200


def test_request_id_is_echoed(client):
    r = client.get("/health", headers={"X-Request-ID": "abc123"})
    assert r.headers["x-request-id"] == "abc123"
    assert r.headers["x-content-type-options"] == "nosniff"
