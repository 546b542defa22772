"""Report figures from plain call facts (pure): counts, answer and handling times, by day and hour.

Definitions (docs/calls.md): received = calls that started ringing in the period; answered = with an
answer time; abandoned = ended without ever being answered; answer time = answered − ringing;
handling time = ended − answered; p90 = nearest-rank 90th percentile. Days and hours are the
practice's wall time.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class CallFact:
    ringing_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    outcome: str | None


@dataclass
class Bucket:
    received: int = 0
    answered: int = 0
    abandoned: int = 0


@dataclass
class Figures:
    received: int = 0
    answered: int = 0
    abandoned: int = 0
    answer_mean: float | None = None
    answer_p90: float | None = None
    handling_mean: float | None = None
    handling_p90: float | None = None
    handling_total: float = 0.0
    outcomes: dict[str, int] = field(default_factory=dict)
    by_day: dict[date, Bucket] = field(default_factory=dict)
    by_hour: dict[int, Bucket] = field(default_factory=dict)


def p90(values: list[float]) -> float | None:
    """Nearest rank: the smallest value with at least 90 % of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def answer_seconds(fact: CallFact) -> float | None:
    if fact.answered_at is None:
        return None
    return (fact.answered_at - fact.ringing_at).total_seconds()


def handling_seconds(fact: CallFact) -> float | None:
    if fact.answered_at is None or fact.ended_at is None:
        return None
    return (fact.ended_at - fact.answered_at).total_seconds()


def is_abandoned(fact: CallFact) -> bool:
    return fact.answered_at is None and fact.ended_at is not None


def compute(facts: list[CallFact], timezone: str) -> Figures:
    zone = ZoneInfo(timezone)
    out = Figures()
    answers: list[float] = []
    handlings: list[float] = []
    outcomes: Counter[str] = Counter()
    for fact in facts:
        local = fact.ringing_at.astimezone(zone)
        buckets = (
            out.by_day.setdefault(local.date(), Bucket()),
            out.by_hour.setdefault(local.hour, Bucket()),
        )
        answered, abandoned = fact.answered_at is not None, is_abandoned(fact)
        out.received += 1
        out.answered += answered
        out.abandoned += abandoned
        for bucket in buckets:
            bucket.received += 1
            bucket.answered += answered
            bucket.abandoned += abandoned
        if (a := answer_seconds(fact)) is not None:
            answers.append(a)
        if (h := handling_seconds(fact)) is not None:
            handlings.append(h)
        if fact.outcome:
            outcomes[fact.outcome] += 1
    out.answer_mean, out.answer_p90 = mean(answers), p90(answers)
    out.handling_mean, out.handling_p90 = mean(handlings), p90(handlings)
    out.handling_total = sum(handlings)
    out.outcomes = dict(sorted(outcomes.items()))
    out.by_day = dict(sorted(out.by_day.items()))
    out.by_hour = dict(sorted(out.by_hour.items()))
    return out
