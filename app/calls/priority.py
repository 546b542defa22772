"""A message's priority from the triage disposition (pure). When unsure, up, never down."""

from __future__ import annotations

from app.calls.models import PRIORITIES

LEVEL_PRIORITY = {
    "emergency": "urgent",
    "urgent": "urgent",
    "soon": "high",
    "routine": "normal",
    "self_care": "low",
}


def rank(priority: str) -> int:
    """0 is the most pressing."""
    return PRIORITIES.index(priority)


def derive(requested: str | None, triage_level: str | None) -> str:
    """The more pressing of what the agent asked and what the disposition implies (default normal)."""
    candidates = [p for p in (requested, LEVEL_PRIORITY.get(triage_level or "")) if p]
    if not candidates:
        return "normal"
    return min(candidates, key=rank)
