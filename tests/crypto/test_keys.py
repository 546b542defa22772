"""Master key provider, practice keyrings and rotation (no database)."""

import uuid
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.crypto.blind_index import PHONE
from app.crypto.errors import IntegrityError, KeyConfigurationError, UnknownKeyVersion
from app.crypto.keyring import (
    PracticeKeyring,
    WrappedKey,
    new_practice_keys,
    new_wrapped_key,
    open_keyring,
    rewrap,
)
from app.crypto.keys import (
    DEVELOPMENT_MARKER,
    add_master_key_version,
    ensure_development_key_file,
    generate_master_key,
    load_master_key_provider,
    parse_master_keys,
)

PRACTICE = uuid.UUID(int=7)


def provider(text: str | None = None):
    return parse_master_keys(text or f"1:{generate_master_key()}", source="test")


def test_master_key_parsing_and_errors(tmp_path: Path) -> None:
    key = generate_master_key()
    assert parse_master_keys(key, source="t").versions == [1]
    assert parse_master_keys(f"1:{key}\n3:{generate_master_key()}", source="t").current_version == 3
    assert parse_master_keys(f"1:{key},2:{generate_master_key()}", source="t").versions == [1, 2]
    for bad in ("", "# nothing", "1:notbase64!!", f"1:{key}\n1:{key}", "1:" + "QUJD", f"0:{key}"):
        with pytest.raises(KeyConfigurationError):
            parse_master_keys(bad, source="t")
    with pytest.raises(KeyConfigurationError, match="no master key"):
        load_master_key_provider(None, None, production=False)
    with pytest.raises(KeyConfigurationError, match="does not exist"):
        load_master_key_provider(None, tmp_path / "missing.key", production=False)


def test_development_key_is_refused_in_production(tmp_path: Path) -> None:
    path = ensure_development_key_file(tmp_path / "var" / "master.key")
    assert DEVELOPMENT_MARKER in path.read_text()
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_master_key_provider(None, path, production=False).is_development
    with pytest.raises(KeyConfigurationError, match="development"):
        load_master_key_provider(None, path, production=True)
    # Idempotent: the same key is kept across restarts.
    before = path.read_text()
    ensure_development_key_file(path)
    assert path.read_text() == before


def test_provider_repr_hides_keys() -> None:
    key = generate_master_key()
    assert key not in repr(parse_master_keys(key, source="t"))


def test_wrapped_keys_bind_their_context_and_detect_a_wrong_master_key() -> None:
    p = provider()
    records = new_practice_keys(p, PRACTICE)
    ring = open_keyring(p, PRACTICE, records)
    assert ring.current.version == 1
    # The same wrapped blob presented for another practice or purpose does not unwrap.
    other = uuid.UUID(int=8)
    with pytest.raises(IntegrityError):
        open_keyring(p, other, [WrappedKey(other, r.purpose, r.version, r.wrapped) for r in records])
    swapped = [
        WrappedKey(PRACTICE, "index", 1, records[0].wrapped),
        WrappedKey(PRACTICE, "data", 1, records[1].wrapped),
    ]
    with pytest.raises(IntegrityError):
        open_keyring(p, PRACTICE, swapped)
    with pytest.raises(IntegrityError, match="wrong master key"):
        open_keyring(provider(), PRACTICE, records)
    assert p.check_value(1) != provider().check_value(1)


def _ring_with(p, records) -> PracticeKeyring:
    return open_keyring(p, PRACTICE, records)


@settings(max_examples=25, deadline=None)
@given(values=st.lists(st.text(max_size=30), min_size=1, max_size=8), rotations=st.integers(1, 3))
def test_rotation_keeps_everything_readable(values: list[str], rotations: int) -> None:
    p = provider()
    records = new_practice_keys(p, PRACTICE)
    ring = _ring_with(p, records)
    rows = {uuid.uuid4(): v for v in values}
    stored = {rid: ring.encrypt(v, ring.context("patient", "notes", rid)) for rid, v in rows.items()}
    phone_index = ring.blind_index(PHONE, "+33612345678")
    for step in range(rotations):
        version = step + 2
        records.append(new_wrapped_key(p, PRACTICE, "data", version))
        ring = _ring_with(p, records)
        assert ring.current.version == version
        # Old versions still decrypt before re-encryption; new writes use the newest version.
        for rid, token in stored.items():
            assert ring.decrypt(token, ring.context("patient", "notes", rid)) == rows[rid]
        # Re-encrypt half, as an interrupted batch would, then the rest (resumable).
        items = list(stored.items())
        for rid, token in items[: len(items) // 2] + items[len(items) // 2 :]:
            stored[rid] = ring.reencrypt(token, ring.context("patient", "notes", rid))
            assert ring.is_current(stored[rid])
        # Retire every older version: everything is still readable.
        records = [
            WrappedKey(
                r.practice_id,
                r.purpose,
                r.version,
                r.wrapped,
                r.retired or (r.purpose == "data" and r.version < version),
            )
            for r in records
        ]
        ring = _ring_with(p, records)
        for rid, token in stored.items():
            assert ring.decrypt(token, ring.context("patient", "notes", rid)) == rows[rid]
        # Search keeps working: the index key is independent of data keys.
        assert ring.blind_index(PHONE, "+33612345678") == phone_index


def test_retired_version_no_longer_decrypts() -> None:
    p = provider()
    records = new_practice_keys(p, PRACTICE)
    ring = _ring_with(p, records)
    token = ring.encrypt("x", ring.context("patient", "notes", 1))
    records.append(new_wrapped_key(p, PRACTICE, "data", 2))
    records[0] = WrappedKey(PRACTICE, "data", 1, records[0].wrapped, retired=True)
    with pytest.raises(UnknownKeyVersion):
        _ring_with(p, records).decrypt(token, ring.context("patient", "notes", 1))


def test_master_key_rotation_rewraps_without_changing_keys(tmp_path: Path) -> None:
    path = tmp_path / "master.key"
    path.write_text(f"1:{generate_master_key()}\n")
    old = load_master_key_provider(None, path, production=True)
    records = new_practice_keys(old, PRACTICE)
    ring = _ring_with(old, records)
    token = ring.encrypt("note", ring.context("patient", "notes", 1))
    assert add_master_key_version(path) == 2
    both = load_master_key_provider(None, path, production=True)
    assert both.current_version == 2
    rewrapped = [rewrap(both, r) for r in records]
    assert all(both.wrapped_version(r.wrapped) == 2 for r in rewrapped)
    # Drop master version 1 from the file: the rewrapped keys still open, old wraps do not.
    path.write_text(path.read_text().split("\n", 1)[1])
    only_new = load_master_key_provider(None, path, production=True)
    assert only_new.versions == [2]
    ring2 = _ring_with(only_new, rewrapped)
    assert ring2.decrypt(token, ring2.context("patient", "notes", 1)) == "note"
    with pytest.raises(KeyConfigurationError, match="version 1"):
        _ring_with(only_new, records)


def test_keyring_refuses_a_context_of_another_practice() -> None:
    p = provider()
    ring = _ring_with(p, new_practice_keys(p, PRACTICE))
    with pytest.raises(KeyConfigurationError):
        ring.encrypt(
            "x", ring.context("patient", "notes", 1).__class__(uuid.UUID(int=99), "patient", "notes", 1)
        )
