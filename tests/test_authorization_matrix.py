"""Every route × every role × a foreign practice: nothing of another practice ever leaks.

Routes are discovered from the application, so a new route is covered automatically; this test fails
until tests/authz_world.py knows how to build its foreign inputs.
"""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from app.audit.models import AuditEvent
from app.main import app as fastapi_app
from tests import authz_world
from tests.authz_world import MARKER

ROLES = ["agent", "supervisor", "practitioner", "integrator"]


def _routes() -> list[tuple[str, str, dict]]:
    """(method, path template, OpenAPI operation) for every API and feed route the application serves."""
    fastapi_app.openapi_schema = None  # routes may have been added since the schema was cached
    paths = fastapi_app.openapi()["paths"]
    routes = [
        (method.upper(), path, op)
        for path, ops in sorted(paths.items())
        if path.startswith(("/api/", "/feeds/"))
        for method, op in sorted(ops.items())
    ]
    return sorted(routes, key=lambda r: r[1] == "/api/v1/auth/logout")  # logging out ends the walk


def test_routes_are_discovered():
    found = {(m, p) for m, p, _ in _routes()}
    assert ("GET", "/api/v1/practices/{practice_id}") in found
    assert len(found) >= 20


def _headers(world, role):
    if role == "integrator":
        return world.make.api_key_headers([world.home])
    return world.make.headers(role, [world.home])


def test_every_route_is_known_to_the_world():
    missing = []
    for method, path, op in _routes():
        if path in authz_world.NOT_ACTOR_AUTHORIZED:
            continue
        for param in re.findall(r"{(\w+)}", path):
            if param not in authz_world.FOREIGN_IDS:
                missing.append(f"path parameter {param!r} of {method} {path}: add it to FOREIGN_IDS")
        if "requestBody" in op and (method, path) not in authz_world.BODIES:
            missing.append(f"{method} {path} takes a body: add an example to BODIES")
        required = [q["name"] for q in op.get("parameters", []) if q["in"] == "query" and q.get("required")]
        if required and (method, path) not in authz_world.QUERIES:
            missing.append(f"{method} {path} requires query {required}: add it to QUERIES")
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize("role", ROLES)
def test_no_route_leaks_a_foreign_practice(client, make, db, role):
    world = authz_world.build(make)
    headers = _headers(world, role)
    leaks = []
    for method, path, _route in _routes():
        if path in authz_world.NOT_ACTOR_AUTHORIZED:
            continue
        params = re.findall(r"{(\w+)}", path)
        url = path
        for param in params:
            url = url.replace("{" + param + "}", world.foreign_id(param))
        body = authz_world.BODIES[(method, path)](world) if (method, path) in authz_world.BODIES else None
        query = authz_world.QUERIES[(method, path)](world) if (method, path) in authz_world.QUERIES else None
        denied_before = _denied(db)
        r = client.request(method, url, json=body, params=query, headers=headers)
        foreign_input = bool(params) or (method, path) in authz_world.FOREIGN_INPUT
        if MARKER in r.text:
            leaks.append(f"{role} {method} {path}: answer mentions the foreign practice ({r.status_code})")
        if foreign_input and r.status_code not in (403, 404):
            leaks.append(
                f"{role} {method} {path}: expected 403/404 for a foreign object, got {r.status_code}"
            )
        if r.status_code == 404 and params and _denied(db) <= denied_before:
            leaks.append(f"{role} {method} {path}: refused without an authz.denied audit event")
        if r.status_code >= 500:
            leaks.append(f"{role} {method} {path}: server error {r.status_code}")
    assert not leaks, "\n".join(leaks)


def _denied(db) -> int:
    return len(db.scalars(select(AuditEvent.id).where(AuditEvent.action == "authz.denied")).all())


def test_admin_sees_every_practice(client, make):
    """Admins of the telesecretariat are not scoped to practices (by design, DESIGN.md §5)."""
    world = authz_world.build(make)
    r = client.get(f"/api/v1/practices/{world.foreign.id}", headers=make.headers("admin"))
    assert r.status_code == 200
