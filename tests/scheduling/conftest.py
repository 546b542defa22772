"""Fixtures of the scheduling API tests: a practice open every day, two practitioners, a motif, an agent."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from app.practices.models import Motif, Practice, Practitioner
from app.scheduling import hours
from app.scheduling.schemas import OpeningHoursIn, WeeklyHoursIn
from tests.factories import ADMIN, Factory


@dataclass
class Clinic:
    practice: Practice
    doctors: list[Practitioner]
    motif: Motif
    agent: dict[str, str]


def open_all_week(
    make: Factory, practitioner: Practitioner, start: str = "08:00", end: str = "20:00"
) -> None:
    body = OpeningHoursIn(rules=[WeeklyHoursIn(weekday=d, start=start, end=end) for d in range(7)])
    hours.replace(make.db, ADMIN, practitioner.id, body)


@pytest.fixture
def clinic(make: Factory) -> Clinic:
    practice = make.practice("Cabinet des Lilas")
    doctors = [make.practitioner(practice, "Dr Alpha"), make.practitioner(practice, "Dr Beta")]
    for doctor in doctors:
        open_all_week(make, doctor)
    motif = make.motif(practice, code="consultation", minutes=20)
    return Clinic(practice, doctors, motif, make.headers("agent", [practice]))
