"""Practice reports and billing exports: the queries around the pure cores (stats, billing)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from app.calls import billing, stats
from app.calls.models import BillingPlan, Call, CallLink, PractitionerMessage
from app.calls.report_schemas import BillingPlanIn, DayCounts, Durations, HourCounts, Report
from app.core.clock import utcnow
from app.core.errors import Invalid, NotFound
from app.practices.models import Practice

MAX_DAYS = 366


def window(practice: Practice, first: date, last: date) -> tuple[datetime, datetime]:
    """[first 00:00, last+1 00:00) in the practice's wall time, as UTC instants."""
    if last < first:
        raise Invalid("'to' is before 'from'.")
    if (last - first).days >= MAX_DAYS:
        raise Invalid(f"A report covers at most {MAX_DAYS} days.")
    zone = ZoneInfo(practice.timezone)
    start = datetime.combine(first, time(0), zone)
    end = datetime.combine(last + timedelta(days=1), time(0), zone)
    return start, end


def calls_between(
    session: Session, practice_id: uuid.UUID, start: datetime, end: datetime
) -> list[tuple[uuid.UUID, stats.CallFact]]:
    """(call id, timing facts) of the calls that rang in [start, end); columns only, no ORM objects."""
    stmt = (
        sa_select(
            col(Call.id), col(Call.ringing_at), col(Call.answered_at), col(Call.ended_at), col(Call.outcome)
        )
        .where(
            col(Call.practice_id) == practice_id, col(Call.ringing_at) >= start, col(Call.ringing_at) < end
        )
        .order_by(col(Call.ringing_at))
    )
    return [
        (cid, stats.CallFact(ring, ans, end_, out)) for cid, ring, ans, end_, out in session.execute(stmt)
    ]


def report(session: Session, practice: Practice, first: date, last: date) -> Report:
    start, end = window(practice, first, last)
    rows = calls_between(session, practice.id, start, end)
    figures = stats.compute([f for _, f in rows], practice.timezone)
    ids = [cid for cid, _ in rows]
    bookings = 0
    if ids:
        bookings = (
            session.scalar(
                select(func.count())
                .select_from(CallLink)
                .where(col(CallLink.call_id).in_(ids), CallLink.kind == "appointment")
            )
            or 0
        )
    by_priority = dict(
        session.exec(
            select(PractitionerMessage.priority, func.count())
            .where(
                PractitionerMessage.practice_id == practice.id,
                col(PractitionerMessage.created_at) >= start,
                col(PractitionerMessage.created_at) < end,
            )
            .group_by(col(PractitionerMessage.priority))
        ).all()
    )
    return Report(
        practice_id=practice.id,
        timezone=practice.timezone,
        from_date=first,
        to_date=last,
        received=figures.received,
        answered=figures.answered,
        abandoned=figures.abandoned,
        answer_time=Durations(mean=figures.answer_mean, p90=figures.answer_p90),
        handling_time=Durations(mean=figures.handling_mean, p90=figures.handling_p90),
        outcomes=figures.outcomes,
        bookings=bookings,
        messages=sum(by_priority.values()),
        messages_by_priority=dict(sorted(by_priority.items())),
        emergency_redirections=figures.outcomes.get("redirected_emergency", 0),
        by_day=[DayCounts(day=d, **vars(b)) for d, b in figures.by_day.items()],
        by_hour=[HourCounts(hour=h, **vars(b)) for h, b in figures.by_hour.items()],
    )


def get_plan(session: Session, practice_id: uuid.UUID) -> BillingPlan:
    plan = session.get(BillingPlan, practice_id)
    if plan is None:
        raise NotFound("This practice has no billing plan yet.")
    return plan


def set_plan(session: Session, practice_id: uuid.UUID, body: BillingPlanIn) -> BillingPlan:
    plan = session.get(BillingPlan, practice_id) or BillingPlan(practice_id=practice_id, model=body.model)
    for key, value in body.model_dump().items():
        setattr(plan, key, value)
    plan.updated_at = utcnow()
    session.add(plan)
    session.flush()
    return plan


def month_bounds(month: str) -> tuple[date, date]:
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError as exc:
        raise Invalid("month must look like 2026-11.") from exc
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, following - timedelta(days=1)


def billing_csv(session: Session, practice: Practice, month: str) -> tuple[billing.Invoice, str]:
    start, end = window(practice, *month_bounds(month))
    plan_row = get_plan(session, practice.id)
    rows = calls_between(session, practice.id, start, end)
    plan = billing.Plan(
        model=plan_row.model,
        per_call_cents=plan_row.per_call_cents,
        monthly_fee_cents=plan_row.monthly_fee_cents,
        included_calls=plan_row.included_calls,
        overage_cents=plan_row.overage_cents,
        hourly_cents=plan_row.hourly_cents,
    )
    inv = billing.invoice([billing.BilledCall(cid, f) for cid, f in rows], plan, practice.timezone)
    return inv, billing.to_csv(inv)
