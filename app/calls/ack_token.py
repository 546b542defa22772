"""Acknowledgement links (pure): a signed, expiring token naming a message and a delivery attempt.

It is the only token Permanence puts in a URL; it carries ids and an expiry, never health data, and
only lets its holder acknowledge that one message.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass

PURPOSE = b"permanence-message-ack-v1"


@dataclass(frozen=True)
class AckClaim:
    message_id: uuid.UUID
    attempt_id: uuid.UUID
    expires: int  # unix seconds


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: str, payload: str) -> str:
    return _b64(hmac.new(key.encode(), PURPOSE + payload.encode(), hashlib.sha256).digest())


def issue(key: str, claim: AckClaim) -> str:
    payload = _b64(
        json.dumps({"m": str(claim.message_id), "a": str(claim.attempt_id), "e": claim.expires}).encode()
    )
    return f"{payload}.{_mac(key, payload)}"


def read(key: str, token: str, now: int) -> AckClaim | None:
    """The claim if the token is authentic and unexpired, else None (never says which)."""
    payload, _, mac = token.partition(".")
    if not payload or not hmac.compare_digest(_mac(key, payload), mac):
        return None
    try:
        data = json.loads(_unb64(payload))
        claim = AckClaim(uuid.UUID(data["m"]), uuid.UUID(data["a"]), int(data["e"]))
    except (ValueError, KeyError, TypeError):
        return None
    return claim if claim.expires >= now else None
