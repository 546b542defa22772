"""A practice's keys: versioned data keys and an independent blind-index key, stored wrapped.

Only ``WrappedKey`` records are persisted (by the service layer); ``open_keyring`` unwraps them
with the master key provider into a ``PracticeKeyring`` used for every encrypt, decrypt and
index computation of that practice. The index key is random and separate from the data keys,
so rotating data keys never changes an index value.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Literal
from uuid import UUID

from app.crypto.aead import KEY_BYTES, DataKey, FieldContext, decrypt_field, encrypt_field, key_version_of
from app.crypto.blind_index import IndexSpec, compute_index, derive_index_key
from app.crypto.errors import KeyConfigurationError, UnknownKeyVersion
from app.crypto.keys import KeyProvider

Purpose = Literal["data", "index"]


@dataclass(frozen=True)
class WrappedKey:
    """One stored key: what the database holds (never the clear key)."""

    practice_id: UUID
    purpose: Purpose
    version: int
    wrapped: str
    retired: bool = False


def wrap_context(practice_id: UUID, purpose: Purpose, version: int) -> bytes:
    return f"practice={practice_id}|purpose={purpose}|version={version}".encode()


def new_wrapped_key(provider: KeyProvider, practice_id: UUID, purpose: Purpose, version: int) -> WrappedKey:
    """Generate a random 256-bit key and return it wrapped under the newest master version."""
    material = os.urandom(KEY_BYTES)
    wrapped = provider.wrap(material, wrap_context(practice_id, purpose, version))
    return WrappedKey(practice_id, purpose, version, wrapped)


def new_practice_keys(provider: KeyProvider, practice_id: UUID) -> list[WrappedKey]:
    """The first data key and the index key of a new practice."""
    return [
        new_wrapped_key(provider, practice_id, "data", 1),
        new_wrapped_key(provider, practice_id, "index", 1),
    ]


def rewrap(provider: KeyProvider, record: WrappedKey) -> WrappedKey:
    """Same key, wrapped again under the newest master version (master-key rotation)."""
    context = wrap_context(record.practice_id, record.purpose, record.version)
    material = provider.unwrap(record.wrapped, context)
    return replace(record, wrapped=provider.wrap(material, context))


@dataclass
class PracticeKeyring:
    """Clear keys of one practice, in memory only; the one object services encrypt with."""

    practice_id: UUID
    data_keys: dict[int, DataKey]
    index_key: bytes = field(repr=False)
    _index_cache: dict[str, bytes] = field(default_factory=dict, repr=False)

    @property
    def current(self) -> DataKey:
        return self.data_keys[max(self.data_keys)]

    def context(self, table: str, column: str, row_id: UUID | str) -> FieldContext:
        return FieldContext(self.practice_id, table, column, row_id)

    def encrypt(self, plaintext: str, ctx: FieldContext) -> str:
        self._check_practice(ctx)
        return encrypt_field(plaintext, self.current, ctx)

    def decrypt(self, token: str, ctx: FieldContext) -> str:
        self._check_practice(ctx)
        version = key_version_of(token)
        key = self.data_keys.get(version)
        if key is None:
            raise UnknownKeyVersion(f"data key version {version} is not available (retired or unknown)")
        return decrypt_field(token, key, ctx)

    def is_current(self, token: str) -> bool:
        return key_version_of(token) == self.current.version

    def reencrypt(self, token: str, ctx: FieldContext) -> str:
        """Decrypt with whatever version sealed it, seal again with the newest one."""
        return self.encrypt(self.decrypt(token, ctx), ctx)

    def blind_index(self, spec: IndexSpec, normalised: str) -> str:
        return compute_index(self.index_key, self.practice_id, spec, normalised, self._index_cache)

    def keyed_digest(self, purpose: str, value: str) -> str:
        """Full-length HMAC-SHA256 under a key derived from the index key (e.g. idempotency keys)."""
        key = derive_index_key(self.index_key, self.practice_id, f"digest:{purpose}")
        return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()

    def _check_practice(self, ctx: FieldContext) -> None:
        if str(ctx.practice_id).lower() != str(self.practice_id).lower():
            raise KeyConfigurationError("field context belongs to another practice's keyring")


def open_keyring(provider: KeyProvider, practice_id: UUID, records: Iterable[WrappedKey]) -> PracticeKeyring:
    """Unwrap a practice's active keys; retired data keys are left out (they no longer decrypt)."""
    data: dict[int, DataKey] = {}
    index_key: bytes | None = None
    index_version = 0
    for record in records:
        if record.practice_id != practice_id or record.retired:
            continue
        material = provider.unwrap(record.wrapped, wrap_context(practice_id, record.purpose, record.version))
        if record.purpose == "data":
            data[record.version] = DataKey(record.version, material)
        elif record.version > index_version:
            index_key, index_version = material, record.version
    if not data or index_key is None:
        raise KeyConfigurationError("practice has no active data key or no index key")
    return PracticeKeyring(practice_id, data, index_key)
