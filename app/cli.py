"""The `permanence` command: serve, migrate, seed the demo, manage accounts and keys, run the worker."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated

import typer
from alembic.config import Config
from sqlmodel import Session

from app.calendars import cli as calendars_cli
from app.calls import cli as calls_cli
from app.patients import cli as patients_cli
from app.triage import cli as triage_cli

app = typer.Typer(
    help="Permanence — medical telesecretariat platform.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

ROOT = Path(__file__).resolve().parents[1]


def alembic_config(url: str | None = None) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "alembic"))
    if url:
        cfg.attributes["url"] = url
    return cfg


def migrate_database(url: str | None = None) -> None:
    """Bring the schema to the newest revision of every branch — the only way the schema is created."""
    from alembic import command

    command.upgrade(alembic_config(url), "heads")


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema (alembic upgrade heads)."""
    migrate_database()
    typer.echo("database migrated")


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1, reload: bool = False) -> None:
    """Serve the API (and the console) with uvicorn."""
    import uvicorn

    uvicorn.run("app.main:app", host=host, port=port, workers=workers, reload=reload, proxy_headers=True)


@app.command()
def worker(interval: float = 1.0) -> None:
    """Process outbox jobs (write-back, webhooks, e-mail, calendar sync) until stopped."""
    from app.worker import run_forever

    run_forever(interval)


@app.command()
def demo() -> None:
    """Seed the demo telesecretariat (idempotent: does nothing if it is already there)."""
    from app.core.db import get_engine
    from app.demo import seed

    with Session(get_engine(), expire_on_commit=False) as session:
        report = seed(session)
        session.commit()
    typer.echo(report)


@app.command("create-user")
def create_user(
    email: str,
    role: str,
    display_name: Annotated[str, typer.Option()] = "",
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)] = "",
    practice: Annotated[list[str] | None, typer.Option(help="practice id (repeat)")] = None,
) -> None:
    """Create a user account (admin, supervisor, agent or practitioner)."""
    from app.auth import service
    from app.auth.models import ROLES
    from app.core.db import get_engine

    if role not in ROLES:
        raise typer.BadParameter(f"role must be one of {', '.join(ROLES)}")
    if len(password) < 12:
        raise typer.BadParameter("password must have at least 12 characters")
    with Session(get_engine(), expire_on_commit=False) as session:
        user = service.create_user(
            session,
            email=email,
            display_name=display_name or email,
            role=role,
            password=password,
            practice_ids=[uuid.UUID(p) for p in practice or []],
        )
        session.commit()
    typer.echo(f"created {user.role} {user.email} ({user.id})")


@app.command("create-api-key")
def create_api_key(
    client: str,
    scope: Annotated[list[str], typer.Option(help="area:verb (repeat)")],
    practice: Annotated[list[str], typer.Option(help="practice id (repeat)")],
) -> None:
    """Create an integrator API key; the key is printed once and stored only as a hash."""
    from app.auth import service
    from app.core.db import get_engine

    with Session(get_engine(), expire_on_commit=False) as session:
        key, presented = service.create_api_key(
            session, client=client, scopes=scope, practice_ids=[uuid.UUID(p) for p in practice]
        )
        session.commit()
    typer.echo(f"API key for {key.client} (shown once): {presented}")


@app.command("audit-verify")
def audit_verify() -> None:
    """Verify every audit hash chain; exit 1 if an event was modified, deleted or reordered."""
    from app.audit.service import verify_all
    from app.core.db import get_engine

    with Session(get_engine()) as session:
        problems = verify_all(session)
    for p in problems:
        typer.echo(f"chain {p.chain} event {p.seq}: {p.problem}", err=True)
    if problems:
        raise typer.Exit(1)
    typer.echo("audit chains verified: intact")


app.command("rotate-keys")(patients_cli.rotate_keys)
app.command("sync-agendas")(calendars_cli.sync_agendas)
app.command("purge-patients")(patients_cli.purge_patients)
app.command("lint-protocols")(triage_cli.lint_protocols)
app.command("billing-export")(calls_cli.billing_export)

if __name__ == "__main__":
    app()
