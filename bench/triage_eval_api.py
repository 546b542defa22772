"""HTTP mode of bench/triage_eval.py: every vignette goes through POST /api/v1/triage/assess.

A throw-away SQLite database under a temporary directory is migrated with Alembic, an API key with
the triage scope is created, and the FastAPI app is driven in-process with TestClient (loopback only).
The harness maps vignette codes with GET /api/v1/triage/findings (codes and aliases) and sends only
mapped ones; the protocol is chosen by the API from `text` (`--choice text`) or by the harness
(`--choice coverage`, using GET /api/v1/triage/protocols/{id}).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any


def _client() -> Any:
    tmp = Path(tempfile.mkdtemp(prefix="permanence-triage-eval-"))
    os.environ.setdefault("PERMANENCE_ENV", "test")
    os.environ["PERMANENCE_VAR_DIR"] = str(tmp)
    os.environ["PERMANENCE_DATABASE_URL"] = f"sqlite:///{tmp / 'eval.db'}"
    os.environ["PERMANENCE_RUN_WORKER_IN_PROCESS"] = "false"
    from fastapi.testclient import TestClient
    from sqlmodel import Session

    from app.auth import service as auth
    from app.cli import migrate_database
    from app.core.db import get_engine
    from app.main import app

    migrate_database()
    with Session(get_engine()) as session:
        _, key = auth.create_api_key(session, client="triage-eval", scopes=["triage:read"], practice_ids=[])
        session.commit()
    client = TestClient(app, raise_server_exceptions=True)
    client.__enter__()  # runs the start-up checks (rules load + lint) like a real server
    client.headers["Authorization"] = f"Bearer {key}"
    return client


def _remote(base_url: str) -> Any:
    """A running server (e.g. `permanence serve`): API key with triage:read in PERMANENCE_API_KEY."""
    import httpx

    key = os.environ.get("PERMANENCE_API_KEY", "")
    return httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {key}"}, timeout=30)


def run_api(cases: list[dict[str, Any]], choice: str, base_url: str | None = None) -> list[Any]:
    from bench.triage_eval import Result

    client = _remote(base_url) if base_url else _client()
    catalogue = client.get("/api/v1/triage/findings").json()
    known = {f["code"]: f["code"] for f in catalogue}
    known.update({a: f["code"] for f in catalogue for a in f["aliases"]})
    known.update({n: n for f in catalogue for n in f["negated_by"]})  # the API translates these
    protocols = {p["id"]: p for p in client.get("/api/v1/triage/protocols").json()}
    questions: dict[str, set[str]] = {}
    results = []
    for case in cases:
        findings = {known[c]: v for c, v in case["findings"].items() if c in known}
        unmapped = sorted(c for c in case["findings"] if c not in known)
        body: dict[str, Any] = {
            "specialty": case["specialty"],
            "patient": {"age_years": case["age_years"], "sex": case["sex"]},
            "findings": findings,
        }
        if choice == "coverage":
            body["protocol_id"] = _coverage(client, case, findings, protocols, questions)
        else:
            body["text"] = case["caller_text"]
        resp = client.post("/api/v1/triage/assess", json=body)
        res = Result(case["id"], case["specialty"], case["expected"], None, body.get("protocol_id"))
        res.unmapped = unmapped
        if resp.status_code == 200:
            data = resp.json()
            d = data["disposition"]
            res.predicted, res.protocol = d["level"], data["protocol_id"]
            res.path = [h["rule_id"] for h in d["path"]] + [f"+{m['finding']}" for m in d["modifiers"]]
            res.asked = len(d["open_questions"])
            res.not_asked = data["ignored_findings"]
        results.append(res)
    return results


def _coverage(
    client: Any, case: dict[str, Any], findings: dict[str, bool], protocols: dict, questions: dict
) -> str | None:
    positives = {c for c, v in findings.items() if v}
    best: tuple[int, int, str] | None = None
    for pid, p in protocols.items():
        a = p["applies"]
        if case["sex"] not in a["sex"]:
            continue
        if a["min_age_years"] is not None and case["age_years"] < a["min_age_years"]:
            continue
        if a["max_age_years"] is not None and case["age_years"] > a["max_age_years"]:
            continue
        if pid not in questions:
            detail = client.get(f"/api/v1/triage/protocols/{pid}").json()
            questions[pid] = {q["finding"] for q in detail["questions"]}
        key = (len(positives & questions[pid]), int(case["specialty"] in p["specialties"]), pid)
        if key[0] and (best is None or key > best):
            best = key
    return best[2] if best else None
