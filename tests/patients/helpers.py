"""Shared builders for patient tests (through the API, like an agent would)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

BASE = "/api/v1"


def create(client: TestClient, headers: dict[str, str], practice_id: object, **fields: Any) -> dict[str, Any]:
    body = {"surname": "Dupont", **fields}
    response = client.post(f"{BASE}/practices/{practice_id}/patients", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def search(
    client: TestClient, headers: dict[str, str], practice_id: object, **terms: Any
) -> list[dict[str, Any]]:
    response = client.post(f"{BASE}/practices/{practice_id}/patients/search", json=terms, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]
