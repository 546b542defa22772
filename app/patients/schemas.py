"""API shapes of patient records (table models never leave the service as JSON)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Sex = Literal["F", "M", "X"]


class PatientCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    surname: str = Field(min_length=1, max_length=100)
    birth_surname: str | None = Field(default=None, max_length=100)
    given_names: str | None = Field(default=None, max_length=200)
    birth_date: date | None = None
    sex: Sex | None = None
    phones: list[str] = Field(default_factory=list, max_length=5)
    email: str | None = Field(default=None, max_length=254)
    notes: str | None = Field(default=None, max_length=5000)


class PatientUpdate(BaseModel):
    """Only the fields present change; ``null`` clears an optional field."""

    model_config = ConfigDict(extra="forbid")

    surname: str | None = Field(default=None, min_length=1, max_length=100)
    birth_surname: str | None = Field(default=None, max_length=100)
    given_names: str | None = Field(default=None, max_length=200)
    birth_date: date | None = None
    sex: Sex | None = None
    phones: list[str] | None = Field(default=None, max_length=5)
    email: str | None = Field(default=None, max_length=254)
    notes: str | None = Field(default=None, max_length=5000)


class PatientOut(BaseModel):
    id: uuid.UUID
    practice_id: uuid.UUID
    surname: str
    birth_surname: str | None
    given_names: str | None
    birth_date: date | None
    sex: Sex | None
    phones: list[str]  # E.164
    email: str | None
    notes: str | None
    revision: int
    created_at: datetime
    updated_at: datetime


class DuplicateWarning(BaseModel):
    """Another record of the practice shares a phone or surname + birth date (ids only)."""

    patient_id: uuid.UUID
    matched_on: list[Literal["phone", "surname_birth_date"]]


class PatientCreated(BaseModel):
    patient: PatientOut
    duplicates: list[DuplicateWarning]


class PatientSearch(BaseModel):
    """Sent in a POST body, never a URL: search terms are health data."""

    model_config = ConfigDict(extra="forbid")

    phone: str | None = Field(default=None, max_length=32)
    surname: str | None = Field(default=None, max_length=100)
    birth_date: date | None = None
    limit: int = Field(default=20, ge=1, le=100)


class SearchHit(BaseModel):
    id: uuid.UUID
    status: Literal["ok", "integrity_error"]
    patient: PatientOut | None  # None when the stored record failed its integrity check


class SearchResult(BaseModel):
    items: list[SearchHit]
    truncated: bool


class PatientExport(BaseModel):
    """A data subject's record as JSON (right of access / portability)."""

    format: Literal["permanence.patient.v1"] = "permanence.patient.v1"
    exported_at: datetime
    patient: PatientOut
