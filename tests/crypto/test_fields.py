"""The registry of encrypted fields matches the schema, and only Sealed values cross the column type."""

from __future__ import annotations

import uuid

import pytest

import app.registry  # noqa: F401 - every table model
from app.core.db import metadata
from app.crypto.column import EncryptedText
from app.crypto.fields import ENCRYPTED_FIELDS, RowCipher, Sealed
from app.crypto.keyring import new_practice_keys, open_keyring
from app.crypto.keys import generate_master_key, parse_master_keys


def test_every_encrypted_column_is_registered_and_every_registered_field_exists() -> None:
    declared = {
        (table.name, column.name)
        for table in metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, EncryptedText)
    }
    registered = {(t, c) for t, cols in ENCRYPTED_FIELDS.items() for c in cols}
    assert declared == registered
    for table in ENCRYPTED_FIELDS:  # rotation walks these tables by id within a practice
        assert {"id", "practice_id"} <= set(metadata.tables[table].columns.keys())


def test_unregistered_columns_are_refused() -> None:
    with pytest.raises(LookupError):
        EncryptedText("patient", "favourite_colour")


def test_row_cipher_round_trip_and_guards() -> None:
    provider = parse_master_keys(generate_master_key(), source="t")
    practice = uuid.uuid4()
    ring = open_keyring(provider, practice, new_practice_keys(provider, practice))
    row = RowCipher(ring, "patient", uuid.uuid4())
    sealed = row.seal("notes", "rappeler avant 18 h")
    assert isinstance(sealed, Sealed) and "rappeler" not in repr(sealed)
    assert row.open("notes", sealed) == "rappeler avant 18 h"
    assert row.open_json("phones", row.seal_json("phones", ["+33612345678"])) == ["+33612345678"]
    assert row.seal("notes", None) is None and row.open("notes", None) is None
    with pytest.raises(LookupError):
        row.open("surname", sealed)  # a notes value read as a surname
    with pytest.raises(LookupError):
        row.seal("favourite_colour", "bleu")
