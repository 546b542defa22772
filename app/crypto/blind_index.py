"""Blind indexes: keyed, truncated HMAC-SHA256 of a normalised value (CipherSweet's design).

A practice has one random index root key; each index gets its own key derived from it and its
name, so values of two indexes (or two practices) are unrelated. Outputs are truncated on purpose:
each stored value is shared by many possible inputs, so equal index values do not prove equal
plaintexts, and the search confirms candidates by decrypting them. Lengths and their maths are in
``docs/security.md`` ("Blind indexes").
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from uuid import UUID

_DERIVE_LABEL = b"permanence/blind-index/v1"
COMPOUND_SEPARATOR = "\x1f"  # unit separator: cannot occur in a normalised value
MIN_INPUT_BITS = 12  # below this a field is low-cardinality: never indexed alone


@dataclass(frozen=True)
class IndexSpec:
    """A named index: output length in bits and the estimated entropy of its input space."""

    name: str
    bits: int
    input_bits: float

    def __post_init__(self) -> None:
        if self.input_bits < MIN_INPUT_BITS:
            raise ValueError(f"index {self.name}: low-cardinality input, never indexed alone")
        # At least two possible inputs per output value on average (CipherSweet's safety bound).
        if not 8 <= self.bits <= self.input_bits - 1:
            raise ValueError(f"index {self.name}: {self.bits} bits outside [8, input_bits - 1]")

    @property
    def hex_width(self) -> int:
        return (self.bits + 3) // 4


# Estimated input spaces: ~1e9 French-plan phone numbers (≈30 bits); ~1.3e6 surnames (INSEE, ≈20
# bits); ~47,000 birth dates over 130 years (≈15.5 bits); surname × birth date ≈ 35 bits.
PHONE = IndexSpec("phone", bits=24, input_bits=30.0)
SURNAME = IndexSpec("surname", bits=16, input_bits=20.3)
BIRTH_DATE = IndexSpec("birth_date", bits=12, input_bits=15.5)
SURNAME_BIRTH_DATE = IndexSpec("surname_birth_date", bits=24, input_bits=35.8)
ALL_INDEXES = {spec.name: spec for spec in (PHONE, SURNAME, BIRTH_DATE, SURNAME_BIRTH_DATE)}


def derive_index_key(root: bytes, practice_id: UUID | str, name: str) -> bytes:
    """Per-practice, per-index key: HMAC-SHA256(root, label | practice | index name)."""
    info = _DERIVE_LABEL + b"|" + str(practice_id).lower().encode() + b"|" + name.encode()
    return hmac.new(root, info, hashlib.sha256).digest()


def truncate(mac: bytes, bits: int) -> str:
    """Keep the first ``bits`` bits of ``mac`` as a fixed-width lower-case hex string."""
    value = int.from_bytes(mac, "big") >> (len(mac) * 8 - bits)
    return format(value, f"0{(bits + 3) // 4}x")


def compute_index(
    root: bytes,
    practice_id: UUID | str,
    spec: IndexSpec,
    normalised: str,
    cache: dict[str, bytes] | None = None,
) -> str:
    """The stored index value of ``normalised`` (already normalised by app.crypto.normalise)."""
    if cache is not None and spec.name in cache:
        key = cache[spec.name]
    else:
        key = derive_index_key(root, practice_id, spec.name)
        if cache is not None:
            cache[spec.name] = key
    mac = hmac.new(key, normalised.encode("utf-8"), hashlib.sha256).digest()
    return truncate(mac, spec.bits)


def compound(*parts: str) -> str:
    """Canonical input of a compound index (e.g. folded surname + ISO birth date)."""
    return COMPOUND_SEPARATOR.join(parts)
