"""AEAD field encryption: round trip, binding to its place, tamper detection."""

import base64
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.crypto.aead import DataKey, FieldContext, decrypt_field, encrypt_field, key_version_of, parse_token
from app.crypto.errors import IntegrityError, MalformedCiphertext

KEY = DataKey(1, bytes(range(32)))
CTX = FieldContext(uuid.UUID(int=1), "patient", "surname", uuid.UUID(int=2))
names = st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=20)


@given(st.text())
def test_round_trip_any_text(text: str) -> None:
    token = encrypt_field(text, KEY, CTX)
    assert decrypt_field(token, KEY, CTX) == text


def test_ciphertext_is_text_with_version_prefix_and_random_nonce() -> None:
    first, second = encrypt_field("Dupont", KEY, CTX), encrypt_field("Dupont", KEY, CTX)
    assert first.startswith("pe1.k1.") and first.isascii()
    assert first != second  # a fresh nonce every time: equal values are not linkable
    assert "Dupont" not in first and "dupont" not in first.lower()
    assert key_version_of(first) == 1


@given(
    text=st.text(max_size=50),
    which=st.sampled_from(["practice_id", "table", "column", "row_id"]),
    other=names,
)
def test_any_change_of_associated_data_fails(text: str, which: str, other: str) -> None:
    token = encrypt_field(text, KEY, CTX)
    changed = FieldContext(**{**CTX.__dict__, which: other})
    if changed == CTX or str(getattr(changed, which)).lower() == str(getattr(CTX, which)).lower():
        return
    with pytest.raises(IntegrityError):
        decrypt_field(token, KEY, changed)


def test_value_copied_to_another_row_column_or_practice_fails() -> None:
    token = encrypt_field("06 12 34 56 78", KEY, CTX)
    for ctx in (
        FieldContext(CTX.practice_id, "patient", "surname", uuid.UUID(int=3)),
        FieldContext(CTX.practice_id, "patient", "given_names", CTX.row_id),
        FieldContext(uuid.UUID(int=9), "patient", "surname", CTX.row_id),
        FieldContext(CTX.practice_id, "triage_session", "surname", CTX.row_id),
    ):
        with pytest.raises(IntegrityError):
            decrypt_field(token, KEY, ctx)


@settings(max_examples=200)
@given(text=st.text(max_size=40), data=st.data())
def test_any_flipped_byte_fails(text: str, data: st.DataObject) -> None:
    token = encrypt_field(text, KEY, CTX)
    version, raw = parse_token(token)
    index = data.draw(st.integers(0, len(raw) - 1))
    bit = data.draw(st.integers(0, 7))
    flipped = bytearray(raw)
    flipped[index] ^= 1 << bit
    body = base64.urlsafe_b64encode(bytes(flipped)).rstrip(b"=").decode()
    with pytest.raises(IntegrityError):
        decrypt_field(f"pe1.k{version}.{body}", KEY, CTX)


@settings(max_examples=200)
@given(text=st.text(max_size=40), data=st.data())
def test_any_changed_character_of_the_text_form_fails(text: str, data: st.DataObject) -> None:
    token = encrypt_field(text, KEY, CTX)
    index = data.draw(st.integers(0, len(token) - 1))
    replacement = data.draw(st.characters(codec="ascii").filter(lambda c: c != token[index]))
    altered = token[:index] + replacement + token[index + 1 :]
    with pytest.raises(IntegrityError):  # MalformedCiphertext is an IntegrityError too
        decrypt_field(altered, KEY, CTX)


@pytest.mark.parametrize(
    "bad", ["", "Dupont", "pe1.k1.", "pe1.k1.!!!", "pe1.k0.AAAA", "pe2.k1.AAAA", "pe1.k1.AA"]
)
def test_malformed_tokens_are_integrity_errors(bad: str) -> None:
    with pytest.raises(MalformedCiphertext):
        decrypt_field(bad, KEY, CTX)


def test_truncated_and_extended_tokens_fail() -> None:
    token = encrypt_field("note", KEY, CTX)
    for altered in (token[:-4], token + "AAAA"):
        with pytest.raises(IntegrityError):
            decrypt_field(altered, KEY, CTX)


def test_relabelled_key_version_fails_even_with_the_same_key_material() -> None:
    token = encrypt_field("note", KEY, CTX)
    same_material_v2 = DataKey(2, KEY.material)
    with pytest.raises(IntegrityError):
        decrypt_field(token.replace("pe1.k1.", "pe1.k2.", 1), same_material_v2, CTX)


def test_wrong_key_fails() -> None:
    token = encrypt_field("note", KEY, CTX)
    with pytest.raises(IntegrityError):
        decrypt_field(token, DataKey(1, bytes(32)), CTX)


def test_data_key_repr_hides_material() -> None:
    assert "material" not in repr(KEY) and str(bytes(range(32))) not in repr(KEY)
