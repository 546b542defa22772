"""Demo opening hours: believable weekly hours per specialty, with urgent blocks kept for GPs."""

from __future__ import annotations

import uuid

from sqlmodel import Session

from app.auth.actor import Actor
from app.practices import service as practices
from app.scheduling import hours
from app.scheduling.schemas import OpeningHoursIn, ReservedBlockIn, WeeklyHoursIn

WEEKDAYS = range(5)
# (morning, afternoon) per specialty; GPs also open Saturday morning.
HOURS = {
    "generaliste": (("08:30", "12:30"), ("14:00", "19:00")),
    "dentiste": (("09:00", "12:30"), ("14:00", "18:30")),
    "kine": (("07:30", "12:00"), ("13:30", "19:30")),
    "psychologue": (("09:00", "13:00"), ("14:00", "20:00")),
}


def week_for(specialty: str) -> OpeningHoursIn:
    (m_start, m_end), (a_start, a_end) = HOURS.get(specialty, HOURS["generaliste"])
    rules = [WeeklyHoursIn(weekday=d, start=m_start, end=m_end) for d in WEEKDAYS]
    rules += [WeeklyHoursIn(weekday=d, start=a_start, end=a_end) for d in WEEKDAYS]
    blocks: list[ReservedBlockIn] = []
    if specialty in ("generaliste", "dentiste"):
        rules.append(WeeklyHoursIn(weekday=5, start="09:00", end="12:00"))
        # An urgent slot kept free at the end of each half-day, released to everyone 2 h before.
        for d in WEEKDAYS:
            blocks.append(ReservedBlockIn(weekday=d, start="11:30", end="12:00", release_minutes=120))
            blocks.append(ReservedBlockIn(weekday=d, start="17:30", end="18:00", release_minutes=120))
    return OpeningHoursIn(rules=rules, reserved_blocks=blocks)


def seed(session: Session, actor: Actor, practice_ids: list[uuid.UUID]) -> None:
    """Give every demo practitioner weekly opening hours (called by `permanence demo`)."""
    for practice_id in practice_ids:
        for practitioner in practices.list_practitioners(session, practice_id):
            hours.replace(session, actor, practitioner.id, week_for(practitioner.specialty))
