"""Plain inputs and outputs of the availability engine (no database, no HTTP)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Literal
from uuid import UUID

from app.scheduling.timeline import Timeline

Disposition = Literal["emergency", "urgent", "soon", "routine", "self_care"]
DISPOSITIONS: tuple[Disposition, ...] = ("emergency", "urgent", "soon", "routine", "self_care")
PatientKind = Literal["new", "known", "any"]
PartOfDay = Literal["morning", "afternoon"]
NOON_MINUTE = 12 * 60  # a slot starting before local noon is a morning slot
SOON_WINDOW = timedelta(hours=72)


def minute_of(moment: time) -> int:
    return moment.hour * 60 + moment.minute


@dataclass(frozen=True, slots=True)
class OpeningRule:
    """Weekly opening in local wall time; weekday 0 is Monday; an end of time(0) means midnight."""

    weekday: int
    start: time
    end: time

    def minutes(self) -> tuple[int, int]:
        end = minute_of(self.end) or 1440
        return minute_of(self.start), end


@dataclass(frozen=True, slots=True)
class OpeningException:
    """A dated change: `closed` (whole day when no times) or a one-off `open`ing, in local wall time."""

    day: date
    kind: Literal["closed", "open"]
    start: time | None = None
    end: time | None = None

    def minutes(self) -> tuple[int, int]:
        if self.start is None or self.end is None:
            return 0, 1440
        return minute_of(self.start), minute_of(self.end) or 1440


@dataclass(frozen=True, slots=True)
class ReservedBlock:
    """Weekly time kept for some dispositions, released to everyone `release_before` its start."""

    weekday: int
    start: time
    end: time
    release_before: timedelta = timedelta(hours=2)

    def minutes(self) -> tuple[int, int]:
        return minute_of(self.start), minute_of(self.end) or 1440


@dataclass(frozen=True, slots=True)
class Occupation:
    """An appointment or a hold: its own buffers, its motif (for daily caps), its expiry (holds only)."""

    start: datetime
    end: datetime
    buffer_before: timedelta = timedelta(0)
    buffer_after: timedelta = timedelta(0)
    motif_id: UUID | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class PractitionerAgenda:
    """Everything known about one practitioner's time; `busy` is pre-sorted and merged (stored intervals)."""

    practitioner_id: UUID
    rules: Sequence[OpeningRule] = ()
    exceptions: Sequence[OpeningException] = ()
    reserved: Sequence[ReservedBlock] = ()
    busy: Timeline = field(default_factory=lambda: Timeline([], []))
    appointments: Sequence[Occupation] = ()
    holds: Sequence[Occupation] = ()


@dataclass(frozen=True, slots=True)
class MotifRules:
    """How a motif may be booked. Empty `practitioner_ids` means every practitioner of the practice."""

    motif_id: UUID
    duration: timedelta
    buffer_before: timedelta = timedelta(0)
    buffer_after: timedelta = timedelta(0)
    min_notice: timedelta = timedelta(0)
    horizon: timedelta = timedelta(days=60)
    daily_cap: int | None = None
    practitioner_ids: frozenset[UUID] = frozenset()
    reserved_dispositions: frozenset[str] = frozenset({"urgent"})
    patient_kind: PatientKind = "any"
    step: timedelta | None = None  # slot grid step; the duration when unset

    @property
    def grid_minutes(self) -> int:
        return max(1, int((self.step or self.duration).total_seconds() // 60))


@dataclass(frozen=True, slots=True)
class SlotRequest:
    """What the agent asks for; `now` is passed in so the computation stays pure."""

    now: datetime
    disposition: Disposition = "routine"
    window_start: datetime | None = None
    window_end: datetime | None = None
    practitioner_id: UUID | None = None
    part_of_day: PartOfDay | None = None
    weekdays: frozenset[int] | None = None
    patient_kind: PatientKind | None = None
    limit: int = 10


@dataclass(frozen=True, slots=True)
class Slot:
    """A bookable slot, in the practice's zone with its offset; `reserved` when it uses a reserved block."""

    start: datetime
    end: datetime
    practitioner_id: UUID
    reserved: bool = False


class AvailabilityError(Exception):
    """A request the engine refuses by rule (mapped to a problem response by the service)."""


class EmergencyNotBookable(AvailabilityError):
    """An emergency is never booked: the caller is told to call 15/112."""


class MotifNotOffered(AvailabilityError):
    """The motif is not offered by that practitioner, or not to that kind of patient."""
