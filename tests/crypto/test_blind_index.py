"""Blind indexes: per practice and per index, truncated, equal for equal normalised input."""

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.crypto.blind_index import (
    ALL_INDEXES,
    BIRTH_DATE,
    PHONE,
    SURNAME,
    SURNAME_BIRTH_DATE,
    IndexSpec,
    compound,
    compute_index,
    truncate,
)

ROOT = bytes(32)
P1, P2 = uuid.UUID(int=1), uuid.UUID(int=2)


def test_lengths_are_fixed_and_documented() -> None:
    assert {s.name: s.bits for s in ALL_INDEXES.values()} == {
        "phone": 24, "surname": 16, "birth_date": 12, "surname_birth_date": 24,
    }  # fmt: skip
    for spec in ALL_INDEXES.values():
        value = compute_index(ROOT, P1, spec, "x")
        assert len(value) == spec.hex_width and int(value, 16) < 2**spec.bits


def test_index_values_differ_across_practices_and_indexes() -> None:
    assert compute_index(ROOT, P1, PHONE, "+33612345678") != compute_index(ROOT, P2, PHONE, "+33612345678")
    assert compute_index(ROOT, P1, PHONE, "+33612345678") != compute_index(
        ROOT, P1, SURNAME_BIRTH_DATE, "+33612345678"
    )
    assert compute_index(ROOT, P1, PHONE, "x") != compute_index(bytes([1]) * 32, P1, PHONE, "x")


def test_low_cardinality_and_overlong_indexes_are_refused() -> None:
    with pytest.raises(ValueError, match="low-cardinality"):
        IndexSpec("sex", bits=8, input_bits=1.6)
    with pytest.raises(ValueError):
        IndexSpec("birth_date_full", bits=16, input_bits=15.5)


def test_truncate_keeps_leading_bits() -> None:
    assert truncate(bytes([0xAB, 0xCD, 0xEF]), 12) == "abc"
    assert truncate(bytes([0xFF, 0xFF]), 9) == "1ff"


@given(st.text(max_size=30))
def test_deterministic(text: str) -> None:
    cache: dict[str, bytes] = {}
    assert compute_index(ROOT, P1, SURNAME, text, cache) == compute_index(ROOT, P1, SURNAME, text)


def test_compound_is_unambiguous() -> None:
    assert compound("de la", "1980-01-01") != compound("de", "la1980-01-01")
    assert compute_index(ROOT, P1, SURNAME_BIRTH_DATE, compound("martin", "1980-01-01")) != compute_index(
        ROOT, P1, SURNAME_BIRTH_DATE, compound("martin", "1980-01-02")
    )
    assert BIRTH_DATE.bits < SURNAME_BIRTH_DATE.bits
