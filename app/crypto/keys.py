"""The master key and the small interface that lets a KMS or Vault Transit replace it.

A ``KeyProvider`` wraps and unwraps the per-practice keys (envelope encryption): only wrapped
keys are ever stored in the database. ``LocalMasterKeyProvider`` keeps one or more versions of a
256-bit master key read from a file or an environment variable, one ``<version>:<base64>`` per
line (a bare ``<base64>`` is version 1). New wraps use the highest version; older versions keep
unwrapping until their line is removed (``docs/security.md``, "Rotation").
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCMSIV

from app.crypto.errors import IntegrityError, KeyConfigurationError, MalformedCiphertext

DEVELOPMENT_MARKER = "# permanence development master key: never use in production"
_WRAP_LABEL = b"permanence/wrap/v1"
_CHECK_LABEL = b"permanence/master-key-check/v1"
_WRAPPED = re.compile(r"^pw1\.m([1-9][0-9]{0,8})\.([A-Za-z0-9_-]+)$")


class KeyProvider(Protocol):
    """What the keyring needs from a master key holder (local file today, a KMS tomorrow)."""

    @property
    def current_version(self) -> int: ...

    @property
    def is_development(self) -> bool: ...

    def wrap(self, key: bytes, context: bytes) -> str:
        """Wrap ``key`` with the newest master version; ``context`` is bound as associated data."""
        ...

    def unwrap(self, wrapped: str, context: bytes) -> bytes:
        """Unwrap; raise IntegrityError if altered or bound to another context."""
        ...

    def wrapped_version(self, wrapped: str) -> int: ...

    def check_value(self, version: int) -> str:
        """A non-secret fingerprint of one master version, stored to detect a wrong key at start."""
        ...


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class LocalMasterKeyProvider:
    """Master key versions held in process memory, read from configuration."""

    def __init__(self, keys: dict[int, bytes], *, development: bool = False) -> None:
        if not keys:
            raise KeyConfigurationError("no master key given")
        for version, key in keys.items():
            if len(key) != 32:
                raise KeyConfigurationError(f"master key version {version} is not 32 bytes")
        self._keys = {v: AESGCMSIV(k) for v, k in keys.items()}
        self._check = {v: hmac.new(k, _CHECK_LABEL, hashlib.sha256).hexdigest()[:16] for v, k in keys.items()}
        self._development = development

    def __repr__(self) -> str:  # never print key material
        return f"LocalMasterKeyProvider(versions={sorted(self._keys)}, development={self._development})"

    @property
    def current_version(self) -> int:
        return max(self._keys)

    @property
    def versions(self) -> list[int]:
        return sorted(self._keys)

    @property
    def is_development(self) -> bool:
        return self._development

    def check_value(self, version: int) -> str:
        if version not in self._check:
            raise KeyConfigurationError(f"master key version {version} is not configured")
        return self._check[version]

    def wrap(self, key: bytes, context: bytes) -> str:
        version = self.current_version
        header = f"pw1.m{version}"
        nonce = os.urandom(12)
        sealed = self._keys[version].encrypt(nonce, key, _WRAP_LABEL + header.encode() + b"\x00" + context)
        return f"{header}.{_b64(nonce + sealed)}"

    def wrapped_version(self, wrapped: str) -> int:
        match = _WRAPPED.match(wrapped)
        if match is None:
            raise MalformedCiphertext("not a pw1 wrapped key")
        return int(match.group(1))

    def unwrap(self, wrapped: str, context: bytes) -> bytes:
        version = self.wrapped_version(wrapped)
        if version not in self._keys:
            raise KeyConfigurationError(
                f"a stored key is wrapped with master key version {version}, which is not configured"
            )
        header = wrapped.rsplit(".", 1)[0]
        try:
            raw = _unb64(wrapped.rsplit(".", 1)[1])
            return self._keys[version].decrypt(
                raw[:12], raw[12:], _WRAP_LABEL + header.encode() + b"\x00" + context
            )
        except (InvalidTag, binascii.Error, ValueError) as exc:
            raise IntegrityError("wrapped key failed authentication (wrong master key?)") from exc


def generate_master_key() -> str:
    """A fresh 256-bit master key, standard base64 (what the key file or variable holds)."""
    return base64.b64encode(os.urandom(32)).decode("ascii")


def parse_master_keys(text: str, *, source: str) -> LocalMasterKeyProvider:
    """Parse ``[<version>:]<base64>`` entries separated by newlines or commas; '#' starts a comment."""
    development = DEVELOPMENT_MARKER in text
    keys: dict[int, bytes] = {}
    for raw_line in re.split(r"[\n,]", text):
        line = raw_line.split("#", 1)[0].strip()
        if not line:
            continue
        version_text, _, key_text = line.rpartition(":")
        try:
            version = int(version_text) if version_text else 1
            key = base64.b64decode(key_text.strip(), validate=True)
        except (ValueError, binascii.Error) as exc:
            raise KeyConfigurationError(f"{source}: an entry is not '<version>:<base64 key>'") from exc
        if version < 1 or version in keys:
            raise KeyConfigurationError(f"{source}: master key versions must be distinct and ≥ 1")
        if len(key) != 32:
            raise KeyConfigurationError(f"{source}: master key version {version} is not 32 bytes of base64")
        keys[version] = key
    if not keys:
        raise KeyConfigurationError(f"{source}: no master key found")
    return LocalMasterKeyProvider(keys, development=development)


def load_master_key_provider(
    value: str | None, file: Path | None, *, production: bool
) -> LocalMasterKeyProvider:
    """Build the provider from settings; refuse a missing key, or a development key in production."""
    if value:
        provider = parse_master_keys(value, source="PERMANENCE_MASTER_KEY")
    elif file is not None:
        if not file.is_file():
            raise KeyConfigurationError(f"master key file {file} does not exist")
        provider = parse_master_keys(file.read_text(encoding="utf-8"), source=str(file))
    else:
        raise KeyConfigurationError("no master key: set PERMANENCE_MASTER_KEY or PERMANENCE_MASTER_KEY_FILE")
    if production and provider.is_development:
        raise KeyConfigurationError("refusing a development master key in production mode")
    return provider


def ensure_development_key_file(path: Path) -> Path:
    """Create a development master key file (mode 0600) if none exists; used by ``make run``."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(f"{DEVELOPMENT_MARKER}\n1:{generate_master_key()}\n")
    return path


def add_master_key_version(path: Path) -> int:
    """Append a new master key version to a key file (rotation step 1); return its number."""
    text = path.read_text(encoding="utf-8")
    provider = parse_master_keys(text, source=str(path))
    version = provider.current_version + 1
    with path.open("a", encoding="utf-8") as handle:
        handle.write(("" if text.endswith("\n") else "\n") + f"{version}:{generate_master_key()}\n")
    return version
