"""What each role may do, by area and verb. Pure: the one table authorization reads."""

from __future__ import annotations

AREAS = ("practices", "patients", "triage", "scheduling", "calls", "reports", "audit", "admin")
VERBS = ("read", "write")


def _all(*areas: str, verbs: tuple[str, ...] = VERBS) -> frozenset[str]:
    return frozenset(f"{a}:{v}" for a in areas for v in verbs)


ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": _all(*AREAS),
    "supervisor": _all("practices", "patients", "triage", "scheduling", "calls", "reports")
    | _all("audit", verbs=("read",)),
    "agent": _all("patients", "triage", "scheduling", "calls")
    | _all("practices", "reports", verbs=("read",)),
    "practitioner": _all("calls") | _all("practices", "patients", "triage", "scheduling", verbs=("read",)),
}

API_KEY_SCOPES = frozenset(f"{a}:{v}" for a in AREAS if a not in ("admin", "audit") for v in VERBS)
