"""Fictitious demo patients (encrypted like any record), so the console can identify demo callers."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlmodel import Session

from app.auth.actor import Actor
from app.patients import service
from app.patients.schemas import PatientCreate

# Invented people; numbers in ranges that exist, chosen at random — none is a real patient.
DEMO_PATIENTS: list[list[dict[str, object]]] = [
    [  # Paris, general practice
        {"surname": "Lefèvre", "given_names": "Monique", "birth_date": date(1942, 3, 14), "sex": "F",
         "phones": ["06 71 23 45 18"], "notes": "Malentendante : parler lentement."},
        {"surname": "Benali", "given_names": "Yacine", "birth_date": date(2019, 9, 2), "sex": "M",
         "phones": ["07 68 12 90 33"], "notes": "Appels de la mère, Mme Benali."},
        {"surname": "Moreau", "birth_surname": "Caron", "given_names": "Sandrine",
         "birth_date": date(1987, 6, 30), "sex": "F", "phones": ["06 45 87 12 09", "01 42 93 17 56"]},
    ],
    [  # Lyon, dental practice
        {"surname": "Girardin", "given_names": "Thomas", "birth_date": date(1979, 11, 8), "sex": "M",
         "phones": ["06 33 21 47 85"]},
    ],
    [  # Saint-Denis de La Réunion, physiotherapy
        {"surname": "Payet", "given_names": "Jean-Claude", "birth_date": date(1961, 1, 21), "sex": "M",
         "phones": ["0692 45 12 78"], "notes": "Rééducation épaule droite après chirurgie."},
        {"surname": "Hoarau", "given_names": "Émilie", "birth_date": date(1995, 5, 17), "sex": "F",
         "phones": ["0693 21 54 87"]},
    ],
    [  # Psychologist
        {"surname": "Nguyen", "given_names": "Linh", "birth_date": date(2001, 12, 3), "sex": "F",
         "phones": ["06 12 98 45 63"]},
    ],
]  # fmt: skip


def seed(session: Session, actor: Actor, practice_ids: Sequence[uuid.UUID]) -> int:
    """Create the demo patients of each demo practice (in the order of app.demo.PRACTICES)."""
    count = 0
    for practice_id, people in zip(practice_ids, DEMO_PATIENTS, strict=False):
        for person in people:
            service.create(session, actor, practice_id, PatientCreate.model_validate(person))
            count += 1
    return count
