"""Encrypted fields: the one list of them, and the only way to write or read one.

A table column holding health or identity data stores a ``Sealed`` value (a ciphertext, never a
``str``); the column type (``app.crypto.column.EncryptedText``) refuses anything else, so a plain
string cannot be written by accident, and reading gives back a ``Sealed`` that must be opened
explicitly with the practice's keyring through ``RowCipher``. To add an encrypted field: add it to
``ENCRYPTED_FIELDS`` below, declare the column with ``encrypted_column(table, column)``, seal on
write and open on read with a ``RowCipher`` (``docs/security.md``, "How to add an encrypted field").
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

from app.crypto.aead import FieldContext
from app.crypto.keyring import PracticeKeyring

# table name -> encrypted columns. Every column built with encrypted_column() must be listed here.
ENCRYPTED_FIELDS: dict[str, tuple[str, ...]] = {
    "patient": (
        "surname",
        "birth_surname",
        "given_names",
        "birth_date",
        "sex",
        "phones",
        "email",
        "notes",
    ),
    "agenda_source": ("url", "credential"),  # private iCal link and CalDAV password (app/calendars)
    "triage_session": ("context", "answers", "rule_path"),  # app/triage: patient context and answers
    "call": ("caller_number",),  # app/calls: who called
    "practitioner_message": ("subject", "body", "caller_name", "callback_number", "preferred_time"),
    "webhook_subscription": ("secret",),  # app/calls: HMAC key shown once, kept for signing
}


def is_registered(table: str, column: str) -> bool:
    return column in ENCRYPTED_FIELDS.get(table, ())


def require_registered(table: str, column: str) -> None:
    if not is_registered(table, column):
        raise LookupError(f"{table}.{column} is not declared in app.crypto.fields.ENCRYPTED_FIELDS")


class Sealed:
    """A stored ciphertext; deliberately not a str, and it never prints a plaintext."""

    __slots__ = ("column", "table", "token")

    def __init__(self, token: str, table: str, column: str) -> None:
        self.token = token
        self.table = table
        self.column = column

    def __repr__(self) -> str:
        return f"Sealed({self.table}.{self.column}, {self.token[:8]}…)"

    __str__ = __repr__

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        # Lets SQLModel table models annotate columns as ``Sealed | None``.
        return core_schema.is_instance_schema(cls)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sealed) and other.token == self.token

    def __hash__(self) -> int:
        return hash(self.token)


class RowCipher:
    """Seals and opens the registered encrypted columns of one row of one table."""

    def __init__(self, keyring: PracticeKeyring, table: str, row_id: UUID) -> None:
        if table not in ENCRYPTED_FIELDS:
            raise LookupError(f"table {table} has no encrypted fields registered")
        self.keyring = keyring
        self.table = table
        self.row_id = row_id

    def _ctx(self, column: str) -> FieldContext:
        require_registered(self.table, column)
        return self.keyring.context(self.table, column, self.row_id)

    def seal(self, column: str, value: str | None) -> Sealed | None:
        if value is None:
            return None
        return Sealed(self.keyring.encrypt(value, self._ctx(column)), self.table, column)

    def open(self, column: str, sealed: Sealed | None) -> str | None:
        """Decrypt; raises app.crypto.errors.IntegrityError / UnknownKeyVersion on failure."""
        if sealed is None:
            return None
        if sealed.table != self.table or sealed.column != column:
            raise LookupError(f"a {sealed.table}.{sealed.column} value opened as {self.table}.{column}")
        return self.keyring.decrypt(sealed.token, self._ctx(column))

    def seal_json(self, column: str, value: Any) -> Sealed | None:
        return None if value is None else self.seal(column, json.dumps(value, ensure_ascii=False))

    def open_json(self, column: str, sealed: Sealed | None) -> Any:
        text = self.open(column, sealed)
        return None if text is None else json.loads(text)

    def reseal(self, column: str, sealed: Sealed | None) -> Sealed | None:
        """Re-encrypt under the newest data key version (rotation); None stays None."""
        if sealed is None or self.keyring.is_current(sealed.token):
            return sealed
        return Sealed(self.keyring.reencrypt(sealed.token, self._ctx(column)), self.table, column)
