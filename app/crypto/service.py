"""Loading keys: the master key from settings, practice keyrings from the database (cached).

``keyring_for(session, practice_id)`` is what domain services call before sealing or opening a
field. Keyrings are cached per process for ``CACHE_SECONDS``; a ciphertext naming a newer key
version than the cached keyring knows triggers one reload (see ``open_with_reload``).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from functools import lru_cache
from typing import TypeVar

from sqlalchemy.exc import IntegrityError as DBIntegrityError
from sqlmodel import Session, select

from app.core.clock import utcnow
from app.core.config import Settings, get_settings
from app.crypto.errors import IntegrityError, KeyConfigurationError, UnknownKeyVersion
from app.crypto.keyring import (
    PracticeKeyring,
    Purpose,
    WrappedKey,
    new_practice_keys,
    open_keyring,
    wrap_context,
)
from app.crypto.keys import (
    KeyProvider,
    LocalMasterKeyProvider,
    ensure_development_key_file,
    load_master_key_provider,
)
from app.crypto.models import MasterKeyCheck, PracticeKey

log = logging.getLogger("permanence.crypto")
CACHE_SECONDS = 30.0
DEV_KEY_FILE = "dev-master.key"
T = TypeVar("T")
_WRONG_KEY = "the configured master key version {version} is not the key this database was set up with"


def provider_from_settings(settings: Settings) -> LocalMasterKeyProvider:
    """The configured master key; outside production, a development key under var/ if none is set."""
    production = settings.env == "production"
    value = settings.master_key.get_secret_value() if settings.master_key else None
    key_file = settings.master_key_file
    if not value and key_file is None and not production:
        key_file = ensure_development_key_file(settings.var_dir / DEV_KEY_FILE)
    return load_master_key_provider(value, key_file, production=production)


@lru_cache
def get_provider() -> KeyProvider:
    return provider_from_settings(get_settings())


class _Cache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.rings: dict[uuid.UUID, tuple[float, PracticeKeyring]] = {}

    def get(self, practice_id: uuid.UUID) -> PracticeKeyring | None:
        entry = self.rings.get(practice_id)
        if entry is None or time.monotonic() - entry[0] > CACHE_SECONDS:
            return None
        return entry[1]

    def put(self, ring: PracticeKeyring) -> None:
        with self.lock:
            self.rings[ring.practice_id] = (time.monotonic(), ring)

    def drop(self, practice_id: uuid.UUID | None = None) -> None:
        with self.lock:
            if practice_id is None:
                self.rings.clear()
            else:
                self.rings.pop(practice_id, None)


_cache = _Cache()


def clear_cache(practice_id: uuid.UUID | None = None) -> None:
    _cache.drop(practice_id)


def stored_keys(session: Session, practice_id: uuid.UUID) -> list[PracticeKey]:
    stmt = select(PracticeKey).where(PracticeKey.practice_id == practice_id)
    return list(session.scalars(stmt))


def as_wrapped(row: PracticeKey) -> WrappedKey:
    purpose: Purpose = "index" if row.purpose == "index" else "data"
    return WrappedKey(row.practice_id, purpose, row.version, row.wrapped, row.retired_at is not None)


def store_wrapped(session: Session, provider: KeyProvider, record: WrappedKey) -> PracticeKey:
    row = PracticeKey(
        practice_id=record.practice_id,
        purpose=record.purpose,
        version=record.version,
        wrapped=record.wrapped,
        master_version=provider.wrapped_version(record.wrapped),
    )
    session.add(row)
    return row


def _create_practice_keys(session: Session, provider: KeyProvider, practice_id: uuid.UUID) -> None:
    # A savepoint: two requests creating the first keys of a practice at once must not fail the
    # request that loses the race; the loser reloads what the winner stored.
    try:
        with session.begin_nested():
            for record in new_practice_keys(provider, practice_id):
                store_wrapped(session, provider, record)
    except DBIntegrityError:
        log.info("practice keys created concurrently; reloading")


def keyring_for(session: Session, practice_id: uuid.UUID, *, fresh: bool = False) -> PracticeKeyring:
    """The practice's keyring, creating its keys on first use."""
    ring = None if fresh else _cache.get(practice_id)
    if ring is not None:
        return ring
    provider = get_provider()
    rows = stored_keys(session, practice_id)
    if not rows:
        _create_practice_keys(session, provider, practice_id)
        rows = stored_keys(session, practice_id)
    ring = open_keyring(provider, practice_id, [as_wrapped(r) for r in rows])
    _cache.put(ring)
    return ring


def open_with_reload(session: Session, practice_id: uuid.UUID, use: Callable[[PracticeKeyring], T]) -> T:
    """Run ``use(keyring)``; if a newer key version appeared meanwhile (rotation), reload once."""
    try:
        return use(keyring_for(session, practice_id))
    except UnknownKeyVersion:
        return use(keyring_for(session, practice_id, fresh=True))


def check_master_key(session: Session) -> None:
    """Refuse to start with a missing or wrong master key (called once at start-up).

    Each configured master version is compared with the check value stored when it was first used;
    every stored practice key must be wrapped by a configured version.
    """
    provider = get_provider()
    configured = {v: provider.check_value(v) for v in _versions(provider)}
    stored = {row.version: row.check_value for row in session.scalars(select(MasterKeyCheck))}
    for version, value in stored.items():
        if version in configured and configured[version] != value:
            raise KeyConfigurationError(_WRONG_KEY.format(version=version))
    used = set(session.scalars(select(PracticeKey.master_version).distinct()))
    missing = sorted(used - set(configured))
    if missing:
        raise KeyConfigurationError(
            f"stored keys are wrapped with master key version(s) {missing}, not configured"
        )
    row = session.scalars(select(PracticeKey).limit(1)).first()
    if row is not None:
        try:
            provider.unwrap(row.wrapped, wrap_context(row.practice_id, as_wrapped(row).purpose, row.version))
        except IntegrityError as exc:
            raise KeyConfigurationError("the configured master key does not open the stored keys") from exc
    for version, value in configured.items():
        if version in stored:
            continue
        try:  # several API workers start at once: the first one records the check value
            with session.begin_nested():
                session.add(MasterKeyCheck(version=version, check_value=value, created_at=utcnow()))
        except DBIntegrityError:
            recorded = session.get(MasterKeyCheck, version)
            if recorded is not None and recorded.check_value != value:
                raise KeyConfigurationError(_WRONG_KEY.format(version=version)) from None


def _versions(provider: KeyProvider) -> list[int]:
    versions = getattr(provider, "versions", None)
    return list(versions) if versions is not None else [provider.current_version]


def startup_check() -> None:
    """Run at service start: a missing, development-in-production or wrong master key stops it here."""
    from app.core.db import get_engine

    with Session(get_engine()) as session:
        check_master_key(session)
        session.commit()
