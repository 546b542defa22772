"""Logins, sessions, CSRF, throttling and API keys, through the HTTP API."""

from __future__ import annotations

from sqlmodel import Session, select

from app.audit.models import AuditEvent
from app.auth.models import LoginThrottle
from tests.factories import PASSWORD


def _login(client, email, password=PASSWORD, mode="token"):
    return client.post("/api/v1/auth/login", json={"email": email, "password": password, "mode": mode})


def test_token_login_then_me(client, make):
    practice = make.practice()
    user, _ = make.user("agent", [practice])
    r = _login(client, user.email)
    assert r.status_code == 200
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {r.json()['token']}"})
    assert me.status_code == 200
    assert me.json()["role"] == "agent"
    assert me.json()["practice_ids"] == [str(practice.id)]


def test_wrong_password_and_unknown_account_look_the_same(client, make, db: Session):
    user, _ = make.user("agent")
    wrong = _login(client, user.email, "not the password")
    unknown = _login(client, "nobody@example.test", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.headers["content-type"] == "application/problem+json"
    assert wrong.json()["detail"] == unknown.json()["detail"] == "Invalid credentials."
    failures = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "auth.login", AuditEvent.outcome == "failure")
    ).all()
    assert len(failures) == 2  # recorded although the request itself was rolled back


def test_repeated_failures_slow_down(client, make, db: Session):
    user, _ = make.user("agent")
    statuses = [_login(client, user.email, "wrong password!").status_code for _ in range(7)]
    assert statuses[:5] == [401] * 5
    assert statuses[5] == 429
    r = _login(client, user.email)  # even the right password waits while locked
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) >= 1
    assert db.scalars(select(LoginThrottle)).first() is not None


def test_cookie_session_requires_csrf_on_writes(client, make):
    user, _ = make.user("admin")
    r = _login(client, user.email, mode="cookie")
    assert r.status_code == 200
    cookie = r.cookies.get("permanence_session")
    set_cookie = r.headers["set-cookie"].lower()
    assert "httponly" in set_cookie and "samesite=strict" in set_cookie
    assert r.json()["token"] is None
    csrf = r.json()["csrf_token"]
    client.cookies.set("permanence_session", cookie)
    assert client.get("/api/v1/auth/me").status_code == 200
    body = {"name": "Cabinet CSRF", "specialties": ["generaliste"]}
    assert client.post("/api/v1/practices", json=body).status_code == 403
    assert client.post("/api/v1/practices", json=body, headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert client.post("/api/v1/practices", json=body, headers={"X-CSRF-Token": csrf}).status_code == 201


def test_logout_revokes_the_token(client, make):
    _, token = make.user("agent")
    h = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/v1/auth/logout", headers=h).status_code == 204
    assert client.get("/api/v1/auth/me", headers=h).status_code == 401


def test_missing_or_garbage_credentials(client):
    assert client.get("/api/v1/practices").status_code == 401
    assert client.get("/api/v1/practices", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get("/api/v1/practices", headers={"Authorization": "Basic abc"}).status_code == 401
    assert client.get("/api/v1/practices", headers={"Authorization": "Bearer pmk_x.y"}).status_code == 401


def test_api_key_scopes_practices_and_rotation(client, make):
    a, b = make.practice("A"), make.practice("B")
    admin = make.headers("admin")
    body = {"client": "Téléphonie X", "scopes": ["practices:read"], "practice_ids": [str(a.id)]}
    first = client.post("/api/v1/api-keys", json=body, headers=admin)
    assert first.status_code == 201
    key = first.json()["key"]
    assert key.startswith(first.json()["prefix"] + ".")
    assert len(key.split(".", 1)[1]) >= 22  # ≥ 128 bits of secret
    h = {"Authorization": f"Bearer {key}"}
    assert [p["name"] for p in client.get("/api/v1/practices", headers=h).json()] == ["A"]
    assert client.get(f"/api/v1/practices/{b.id}", headers=h).status_code == 404
    assert (
        client.post("/api/v1/practices", json={"name": "X", "specialties": ["kine"]}, headers=h).status_code
        == 403
    )
    second = client.post("/api/v1/api-keys", json=body, headers=admin)
    assert second.status_code == 201  # two active during a rotation
    assert client.post("/api/v1/api-keys", json=body, headers=admin).status_code == 409
    assert client.post(f"/api/v1/api-keys/{first.json()['id']}/revoke", headers=admin).status_code == 200
    assert client.get("/api/v1/practices", headers=h).status_code == 401
    listed = client.get("/api/v1/api-keys", headers=admin).json()
    assert all("key" not in k and "secret_hash" not in k for k in listed)


def test_unknown_scope_is_refused(client, make):
    a = make.practice()
    r = client.post(
        "/api/v1/api-keys",
        headers=make.headers("admin"),
        json={"client": "c", "scopes": ["everything:root"], "practice_ids": [str(a.id)]},
    )
    assert r.status_code == 422
    assert r.json()["unknown_scopes"] == ["everything:root"]


def test_agent_cannot_manage_users_or_keys(client, make):
    h = make.headers("agent", [make.practice()])
    assert client.get("/api/v1/users", headers=h).status_code == 403
    assert (
        client.post(
            "/api/v1/users",
            headers=h,
            json={"email": "x@example.test", "display_name": "x", "role": "admin", "password": "p" * 12},
        ).status_code
        == 403
    )


def test_admin_creates_and_assigns_users(client, make):
    a = make.practice()
    admin = make.headers("admin")
    r = client.post(
        "/api/v1/users",
        headers=admin,
        json={
            "email": "New.Agent@Example.org",
            "display_name": "New",
            "role": "agent",
            "password": "long enough password",
            "practice_ids": [str(a.id)],
        },
    )
    assert r.status_code == 201, r.text
    assert r.json()["email"] == "new.agent@example.org"
    assert "password" not in r.text
    dup = client.post(
        "/api/v1/users",
        headers=admin,
        json={
            "email": "new.agent@example.org",
            "display_name": "New",
            "role": "agent",
            "password": "x" * 12,
        },
    )
    assert dup.status_code == 409
    login = _login(client, "new.agent@example.org", "long enough password")
    assert login.status_code == 200
