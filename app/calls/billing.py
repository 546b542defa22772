"""Billing under the practice's pricing model (pure): lines and totals in euro cents, then CSV.

Billable calls are answered calls (an abandoned call costs the practice nothing). per_call: each
billable call at `per_call_cents`. package: `monthly_fee_cents` covers `included_calls`, each further
billable call at `overage_cents`. per_hour: the month's total handling time at `hourly_cents` per hour,
rounded once to the nearest cent (half up).
"""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from app.calls.stats import CallFact, handling_seconds

COLUMNS = (
    "kind",
    "reference",
    "local_time",
    "outcome",
    "quantity",
    "unit",
    "unit_price_cents",
    "amount_cents",
)


@dataclass(frozen=True)
class Plan:
    model: str
    per_call_cents: int = 0
    monthly_fee_cents: int = 0
    included_calls: int = 0
    overage_cents: int = 0
    hourly_cents: int = 0


@dataclass(frozen=True)
class BilledCall:
    call_id: uuid.UUID
    fact: CallFact


@dataclass(frozen=True)
class Invoice:
    billable_calls: int
    handling_seconds: int
    total_cents: int
    rows: list[tuple[str, ...]]


def _half_up(numerator: int, denominator: int) -> int:
    return (2 * numerator + denominator) // (2 * denominator)


def _local(at: datetime, zone: ZoneInfo) -> str:
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")


def invoice(calls: list[BilledCall], plan: Plan, timezone: str) -> Invoice:
    zone = ZoneInfo(timezone)
    rows: list[tuple[str, ...]] = []
    billable = 0
    seconds_total = 0
    for call in sorted(calls, key=lambda c: (c.fact.ringing_at, str(c.call_id))):
        seconds = int(handling_seconds(call.fact) or 0)
        is_billable = call.fact.answered_at is not None
        billable += is_billable
        seconds_total += seconds
        amount = plan.per_call_cents if plan.model == "per_call" and is_billable else 0
        rows.append(
            (
                "call",
                str(call.call_id),
                _local(call.fact.ringing_at, zone),
                call.fact.outcome or "",
                str(seconds) if plan.model == "per_hour" else str(int(is_billable)),
                "s" if plan.model == "per_hour" else "call",
                str(plan.per_call_cents) if plan.model == "per_call" else "",
                str(amount),
            )
        )
    total = 0
    if plan.model == "per_call":
        total = billable * plan.per_call_cents
        rows.append(
            ("total", "per_call", "", "", str(billable), "call", str(plan.per_call_cents), str(total))
        )
    elif plan.model == "package":
        overage = max(0, billable - plan.included_calls)
        fee, extra = plan.monthly_fee_cents, overage * plan.overage_cents
        rows.append(
            ("fee", "package", "", "", str(plan.included_calls), "included calls", str(fee), str(fee))
        )
        rows.append(("overage", "package", "", "", str(overage), "call", str(plan.overage_cents), str(extra)))
        total = fee + extra
        rows.append(("total", "package", "", "", str(billable), "call", "", str(total)))
    else:
        total = _half_up(seconds_total * plan.hourly_cents, 3600)
        rows.append(
            ("total", "per_hour", "", "", str(seconds_total), "s", str(plan.hourly_cents), str(total))
        )
    return Invoice(billable, seconds_total, total, rows)


def to_csv(inv: Invoice) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(inv.rows)
    return buffer.getvalue()
