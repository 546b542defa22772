"""The SQLAlchemy column type of encrypted fields (the storage adapter of app.crypto.fields).

``EncryptedText`` accepts only a ``Sealed`` value sealed for its own table and column; a plain
``str`` raises ``TypeError`` before anything reaches the database. Reading returns ``Sealed``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field

from app.crypto.fields import Sealed, require_registered


class EncryptedText(TypeDecorator[Sealed]):
    """Text column holding a ``pe1`` ciphertext of one registered encrypted field."""

    impl = Text
    cache_ok = True

    def __init__(self, table: str, column: str) -> None:
        require_registered(table, column)
        super().__init__()
        self.table = table
        self.column = column

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if not isinstance(value, Sealed):
            # Never echo the value: it is probably the clear health datum we refuse to store.
            raise TypeError(
                f"{self.table}.{self.column} is encrypted: assign a Sealed value, not {type(value).__name__}"
            )
        if (value.table, value.column) != (self.table, self.column):
            raise TypeError(
                f"a {value.table}.{value.column} ciphertext assigned to {self.table}.{self.column}"
            )
        return value.token

    def process_result_value(self, value: Any, dialect: Dialect) -> Sealed | None:
        return None if value is None else Sealed(value, self.table, self.column)


def encrypted_column(table: str, column: str, *, nullable: bool = True) -> Any:
    """A SQLModel field for a registered encrypted column (annotate it ``Sealed | None``)."""
    return Field(default=None, sa_column=Column(column, EncryptedText(table, column), nullable=nullable))
