"""Between API shapes, normalised patient data, sealed columns and blind-index entries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from app.core.errors import Invalid
from app.crypto import blind_index as bi
from app.crypto.errors import NormalisationError
from app.crypto.fields import RowCipher
from app.crypto.keyring import PracticeKeyring
from app.crypto.normalise import fold_surname, normalise_birth_date, normalise_email, normalise_phone
from app.patients.models import Patient

SEALED_COLUMNS = ("surname", "birth_surname", "given_names", "birth_date", "sex", "phones", "email", "notes")


@dataclass(frozen=True)
class PatientData:
    """A patient's content in clear, already validated and normalised (phones in E.164)."""

    surname: str
    birth_surname: str | None = None
    given_names: str | None = None
    birth_date: date | None = None
    sex: str | None = None
    phones: tuple[str, ...] = field(default_factory=tuple)
    email: str | None = None
    notes: str | None = None


def _invalid(exc: NormalisationError, loc: str) -> Invalid:
    return Invalid(exc.message, errors=[{"loc": ["body", loc], "msg": exc.message, "type": "value_error"}])


def _clean(text: str | None) -> str | None:
    text = " ".join(text.split()) if text is not None else None
    return text or None


def normalise(values: dict[str, Any], region: str) -> PatientData:
    """Validate and normalise raw input fields; raises Invalid (422) naming the field, never the value."""
    surname = _clean(values.get("surname"))
    if surname is None:
        raise Invalid("Le nom est obligatoire.", errors=[{"loc": ["body", "surname"], "msg": "required"}])
    try:
        fold_surname(surname)
    except NormalisationError as exc:
        raise _invalid(exc, "surname") from exc
    birth_surname = _clean(values.get("birth_surname"))
    if birth_surname is not None:
        try:
            fold_surname(birth_surname)
        except NormalisationError as exc:
            raise _invalid(exc, "birth_surname") from exc
    birth_date = values.get("birth_date")
    if birth_date is not None:
        try:
            birth_date = normalise_birth_date(birth_date)
        except NormalisationError as exc:
            raise _invalid(exc, "birth_date") from exc
    phones: list[str] = []
    for i, raw in enumerate(values.get("phones") or []):
        try:
            e164 = normalise_phone(raw, region)
        except NormalisationError as exc:
            raise _invalid(exc, f"phones[{i}]") from exc
        if e164 not in phones:
            phones.append(e164)
    email = values.get("email")
    if email is not None and email.strip():
        try:
            email = normalise_email(email)
        except NormalisationError as exc:
            raise _invalid(exc, "email") from exc
    else:
        email = None
    return PatientData(
        surname,
        birth_surname,
        _clean(values.get("given_names")),
        birth_date,
        values.get("sex"),
        tuple(phones),
        email,
        values.get("notes") or None,
    )


def merge(current: PatientData, changes: dict[str, Any]) -> dict[str, Any]:
    """Raw field values after applying a partial update (fields present in ``changes`` win)."""
    merged: dict[str, Any] = {**current.__dict__, "phones": list(current.phones)}
    merged.update(changes)
    return merged


def index_entries(ring: PracticeKeyring, data: PatientData) -> set[tuple[str, str]]:
    """Every (index name, value) pair stored for this patient."""
    entries = {(bi.PHONE.name, ring.blind_index(bi.PHONE, phone)) for phone in data.phones}
    names = {fold_surname(n) for n in (data.surname, data.birth_surname) if n}
    for name in names:
        entries.add((bi.SURNAME.name, ring.blind_index(bi.SURNAME, name)))
        if data.birth_date is not None:
            value = bi.compound(name, data.birth_date.isoformat())
            entries.add((bi.SURNAME_BIRTH_DATE.name, ring.blind_index(bi.SURNAME_BIRTH_DATE, value)))
    if data.birth_date is not None:
        entries.add((bi.BIRTH_DATE.name, ring.blind_index(bi.BIRTH_DATE, data.birth_date.isoformat())))
    return entries


def seal_into(patient: Patient, cipher: RowCipher, data: PatientData) -> None:
    """Write every encrypted column of ``patient`` from ``data``."""
    patient.surname = cipher.seal("surname", data.surname)
    patient.birth_surname = cipher.seal("birth_surname", data.birth_surname)
    patient.given_names = cipher.seal("given_names", data.given_names)
    patient.birth_date = cipher.seal("birth_date", data.birth_date.isoformat() if data.birth_date else None)
    patient.sex = cipher.seal("sex", data.sex)
    patient.phones = cipher.seal_json("phones", list(data.phones))
    patient.email = cipher.seal("email", data.email)
    patient.notes = cipher.seal("notes", data.notes)


def open_from(patient: Patient, cipher: RowCipher) -> PatientData:
    """Decrypt every column; raises app.crypto.errors.IntegrityError/UnknownKeyVersion on any failure."""
    surname = cipher.open("surname", patient.surname)
    birth = cipher.open("birth_date", patient.birth_date)
    return PatientData(
        surname=surname or "",
        birth_surname=cipher.open("birth_surname", patient.birth_surname),
        given_names=cipher.open("given_names", patient.given_names),
        birth_date=date.fromisoformat(birth) if birth else None,
        sex=cipher.open("sex", patient.sex),
        phones=tuple(cipher.open_json("phones", patient.phones) or ()),
        email=cipher.open("email", patient.email),
        notes=cipher.open("notes", patient.notes),
    )


def erase(patient: Patient) -> None:
    for column in SEALED_COLUMNS:
        setattr(patient, column, None)


def matches(data: PatientData, phone: str | None, surname: str | None, birth_date: date | None) -> bool:
    """Exact confirmation of a blind-index candidate (the index is truncated: false positives exist)."""
    if phone is not None and phone not in data.phones:
        return False
    if surname is not None:
        names = {fold_surname(n) for n in (data.surname, data.birth_surname) if n}
        if surname not in names:
            return False
    return birth_date is None or data.birth_date == birth_date


__all__ = ["PatientData", "index_entries", "matches", "merge", "normalise", "open_from", "seal_into"]
