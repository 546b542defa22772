"""Pure hash-chain arithmetic for audit events."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64
HASHED_FIELDS = (
    "chain",
    "seq",
    "at",
    "actor_type",
    "actor_id",
    "action",
    "resource_type",
    "resource_id",
    "outcome",
    "request_id",
)


def event_hash(fields: dict[str, Any], prev_hash: str) -> str:
    canonical = {
        k: (fields[k].isoformat() if hasattr(fields[k], "isoformat") else fields[k]) for k in HASHED_FIELDS
    }
    data = json.dumps(canonical, sort_keys=True, separators=(",", ":")) + prev_hash
    return hashlib.sha256(data.encode()).hexdigest()


@dataclass(frozen=True)
class ChainProblem:
    chain: str
    seq: int
    problem: str


def verify(chain: str, events: Iterable[dict[str, Any]], head_seq: int, head_hash: str) -> list[ChainProblem]:
    """Check a chain's events (ordered by seq) link, hash and end where the head says."""
    problems: list[ChainProblem] = []
    prev, expected_seq = GENESIS, 1
    for ev in events:
        if ev["seq"] != expected_seq:
            problems.append(ChainProblem(chain, ev["seq"], f"sequence gap: expected {expected_seq}"))
        if ev["prev_hash"] != prev:
            problems.append(ChainProblem(chain, ev["seq"], "link broken: prev_hash does not match"))
        if event_hash(ev, ev["prev_hash"]) != ev["hash"]:
            problems.append(ChainProblem(chain, ev["seq"], "content modified: hash does not match"))
        prev, expected_seq = ev["hash"], ev["seq"] + 1
    if expected_seq - 1 != head_seq or prev != head_hash:
        problems.append(
            ChainProblem(chain, expected_seq - 1, "chain end does not match head (events deleted?)")
        )
    return problems
