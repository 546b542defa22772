"""AEAD encryption of single fields, bound to their place by associated data.

Stored form (text, ASCII, safe in any column)::

    pe1.k<key version>.<base64url(nonce[12] || ciphertext || tag[16])>

``pe1`` is the format version (1 = AES-256-GCM-SIV, random 96-bit nonce). The header
(``pe1.k<version>``) and the place of the value — practice id, table, column and row id —
form the associated data: a ciphertext copied to another row, column, table or practice, or
relabelled with another key version, fails authentication instead of decrypting.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from dataclasses import dataclass, field
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCMSIV

from app.crypto.errors import IntegrityError, MalformedCiphertext

FORMAT_PREFIX = "pe1"
NONCE_BYTES = 12
TAG_BYTES = 16
KEY_BYTES = 32
_AD_LABEL = b"permanence/field/v1"
_TOKEN = re.compile(r"^pe1\.k([1-9][0-9]{0,8})\.([A-Za-z0-9_-]+)$")


@dataclass(frozen=True)
class FieldContext:
    """Where a value lives; the canonical bytes of this tuple are the associated data."""

    practice_id: UUID | str
    table: str
    column: str
    row_id: UUID | str

    def associated_data(self, header: bytes) -> bytes:
        parts = [header, *(str(p).lower().encode() for p in self._parts())]
        out = bytearray(_AD_LABEL)
        for part in parts:
            # Length-prefixed so that no two different tuples share an encoding.
            out += len(part).to_bytes(2, "big") + part
        return bytes(out)

    def _parts(self) -> tuple[str, str, str, str]:
        return (str(self.practice_id), self.table, self.column, str(self.row_id))


@dataclass(frozen=True)
class DataKey:
    """One version of a practice's 256-bit data key, ready to use."""

    version: int
    material: bytes = field(repr=False)
    _cipher: AESGCMSIV = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.material) != KEY_BYTES:
            raise ValueError("a data key is 32 bytes")
        if not 1 <= self.version < 10**9:
            raise ValueError("key versions start at 1")
        object.__setattr__(self, "_cipher", AESGCMSIV(self.material))

    @classmethod
    def generate(cls, version: int) -> DataKey:
        return cls(version, os.urandom(KEY_BYTES))


def _header(version: int) -> str:
    return f"{FORMAT_PREFIX}.k{version}"


def encrypt_field(plaintext: str, key: DataKey, ctx: FieldContext) -> str:
    """Seal ``plaintext`` for the place ``ctx`` with ``key``; a fresh random nonce every call."""
    header = _header(key.version)
    nonce = os.urandom(NONCE_BYTES)
    sealed = key._cipher.encrypt(nonce, plaintext.encode("utf-8"), ctx.associated_data(header.encode()))
    body = base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode("ascii")
    return f"{header}.{body}"


def parse_token(token: str) -> tuple[int, bytes]:
    """Return (key version, nonce+ciphertext+tag) or raise MalformedCiphertext."""
    match = _TOKEN.match(token) if isinstance(token, str) else None
    if match is None:
        raise MalformedCiphertext("not a pe1 ciphertext")
    body = match.group(2)
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError) as exc:
        raise MalformedCiphertext("ciphertext body is not base64url") from exc
    # Canonical encoding only: a token that decodes but re-encodes differently was altered.
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") != body:
        raise MalformedCiphertext("ciphertext body is not canonical base64url")
    if len(raw) < NONCE_BYTES + TAG_BYTES:
        raise MalformedCiphertext("ciphertext too short")
    return int(match.group(1)), raw


def key_version_of(token: str) -> int:
    """The key version a stored ciphertext names (no decryption)."""
    return parse_token(token)[0]


def decrypt_field(token: str, key: DataKey, ctx: FieldContext) -> str:
    """Open a ciphertext sealed by ``encrypt_field``; any alteration raises IntegrityError."""
    version, raw = parse_token(token)
    if version != key.version:
        raise IntegrityError("ciphertext names another key version")
    header = _header(version).encode()
    try:
        plain = key._cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], ctx.associated_data(header))
    except InvalidTag as exc:
        raise IntegrityError("ciphertext failed authentication") from exc
    try:
        return plain.decode("utf-8")
    except UnicodeDecodeError as exc:  # cannot happen for values we sealed; be strict anyway
        raise IntegrityError("decrypted value is not UTF-8") from exc
