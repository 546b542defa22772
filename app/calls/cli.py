"""CLI of the calls domain: `permanence billing-export` (the month's billing CSV of one practice)."""

from __future__ import annotations

import uuid
from typing import Annotated

import typer
from sqlmodel import Session


def billing_export(
    practice_id: Annotated[str, typer.Argument(help="practice id")],
    month: Annotated[str, typer.Argument(help="YYYY-MM, in the practice's time zone")],
) -> None:
    """Print the month's billing CSV under the practice's pricing model (for the invoicing batch)."""
    from app.audit import service as audit
    from app.calls import reports
    from app.calls.escalation import SystemActor
    from app.core.db import get_engine
    from app.core.errors import DomainError
    from app.practices.models import Practice

    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            pid = uuid.UUID(practice_id)
        except ValueError:
            typer.echo("not a practice id", err=True)
            raise typer.Exit(2) from None
        practice = session.get(Practice, pid)
        if practice is None:
            typer.echo("practice not found", err=True)
            raise typer.Exit(1)
        try:
            invoice, text = reports.billing_csv(session, practice, month)
        except DomainError as exc:
            typer.echo(exc.detail, err=True)
            raise typer.Exit(1) from None
        audit.record(
            session,
            actor=SystemActor(),
            action="billing.export",
            practice_id=practice.id,
            resource_type="practice",
            resource_id=practice.id,
        )
        session.commit()
    typer.echo(text, nl=False)
    typer.echo(
        f"{invoice.billable_calls} billable calls, total {invoice.total_cents / 100:.2f} EUR", err=True
    )
