"""Finding patients without decrypting the practice: blind-index candidates, confirmed by decryption.

Index values are truncated (docs/security.md), so every candidate is decrypted and compared exactly;
a candidate that fails its integrity check is flagged in the results, never dropped silently.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlmodel import Session

from app.audit import service as audit
from app.auth.actor import Actor
from app.core.errors import Invalid
from app.crypto import blind_index as bi
from app.crypto import service as keys
from app.crypto.errors import NormalisationError
from app.crypto.normalise import fold_surname, normalise_birth_date, normalise_phone
from app.patients import records, repository
from app.patients.models import Patient
from app.patients.schemas import PatientSearch
from app.patients.service import Opened, audit_event, open_or_flag
from app.practices import service as practices

CANDIDATE_LIMIT = 500  # index hits examined per search (true matches + truncation false positives)


def duplicates_of(
    session: Session, actor: Actor | None, patient: Patient, data: records.PatientData
) -> dict[uuid.UUID, list[str]]:
    """Other live records sharing a phone or surname + birth date (confirmed by decryption)."""
    ring = keys.keyring_for(session, patient.practice_id)
    found: dict[uuid.UUID, list[str]] = {}
    probes: list[tuple[str, bi.IndexSpec, str, Any]] = [("phone", bi.PHONE, p, p) for p in data.phones]
    if data.birth_date is not None:
        for name in {fold_surname(n) for n in (data.surname, data.birth_surname) if n}:
            value = bi.compound(name, data.birth_date.isoformat())
            probes.append(("surname_birth_date", bi.SURNAME_BIRTH_DATE, value, (name, data.birth_date)))
    for reason, spec, value, exact in probes:
        for other in repository.by_index(
            session, patient.practice_id, spec.name, ring.blind_index(spec, value), CANDIDATE_LIMIT
        ):
            if other.id == patient.id:
                continue
            opened = open_or_flag(session, actor, other)
            if opened.data is None:
                continue
            hit = (
                records.matches(opened.data, exact, None, None)
                if reason == "phone"
                else records.matches(opened.data, None, exact[0], exact[1])
            )
            if hit and reason not in found.setdefault(other.id, []):
                found[other.id].append(reason)
    return found


def _search_terms(body: PatientSearch, region: str) -> tuple[str | None, str | None, date | None]:
    try:
        phone = normalise_phone(body.phone, region) if body.phone else None
        surname = fold_surname(body.surname) if body.surname else None
        born = normalise_birth_date(body.birth_date) if body.birth_date else None
    except NormalisationError as exc:
        raise Invalid(exc.message, errors=[{"loc": ["body", exc.field], "msg": exc.message}]) from exc
    if phone is None and surname is None and born is None:
        raise Invalid("Give a phone number, a surname or a birth date to search.")
    return phone, surname, born


def search(
    session: Session, actor: Actor, practice_id: uuid.UUID, body: PatientSearch
) -> tuple[list[Opened], bool]:
    """Exact search through the most selective blind index, candidates confirmed by decryption."""
    practice = practices.get_practice(session, actor, practice_id)
    phone, surname, born = _search_terms(body, practice.phone_region)
    ring = keys.keyring_for(session, practice.id)
    if phone is not None:
        spec, value = bi.PHONE, phone
    elif surname is not None and born is not None:
        spec, value = bi.SURNAME_BIRTH_DATE, bi.compound(surname, born.isoformat())
    elif surname is not None:
        spec, value = bi.SURNAME, surname
    else:
        assert born is not None
        spec, value = bi.BIRTH_DATE, born.isoformat()
    hits: list[Opened] = []
    for candidate in repository.by_index(
        session, practice.id, spec.name, ring.blind_index(spec, value), CANDIDATE_LIMIT
    ):
        opened = open_or_flag(session, actor, candidate)
        if opened.data is None or records.matches(opened.data, phone, surname, born):
            hits.append(opened)
    truncated = len(hits) > body.limit
    for opened in hits[: body.limit]:
        if opened.data is not None:
            audit_event(session, actor, "patient.search", opened.patient)
    if not hits:
        # Looking someone up is itself worth a trace, even when nobody matches (no terms recorded).
        audit.record(session, actor=actor, action="patient.search", practice_id=practice.id,
                     resource_type="patient", outcome="no_match")  # fmt: skip
    return hits[: body.limit], truncated
