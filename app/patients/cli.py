"""CLI commands of encrypted records: `permanence rotate-keys` and `permanence purge-patients`."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

import typer
from sqlmodel import Session, select

RETENTION_ENV = "PERMANENCE_PATIENT_RETENTION_DAYS"


def rotate_keys(
    practice: Annotated[
        list[str] | None, typer.Option(help="practice id (repeat); default: every practice")
    ] = None,
    master: Annotated[
        bool, typer.Option(help="re-wrap every stored key under the newest master-key version")
    ] = False,
    add_master_version: Annotated[
        bool, typer.Option(help="append a new master-key version to PERMANENCE_MASTER_KEY_FILE, then re-wrap")
    ] = False,
    retire: Annotated[bool, typer.Option(help="retire data-key versions no row uses any more")] = False,
    batch_size: Annotated[int, typer.Option(min=1, max=10_000)] = 500,
    min_age_seconds: Annotated[int, typer.Option(help="--retire: minimum age of the newest version")] = 60,
) -> None:
    """Rotate keys online: new data-key version + batched, resumable re-encryption (or --master, --retire)."""
    from app.core.config import get_settings
    from app.core.db import get_engine
    from app.crypto import rotation
    from app.crypto import service as keys
    from app.crypto.errors import KeyConfigurationError
    from app.crypto.keys import add_master_key_version
    from app.practices.models import Practice

    try:
        with Session(get_engine(), expire_on_commit=False) as session:
            if add_master_version or master:
                if add_master_version:
                    key_file = get_settings().master_key_file
                    if key_file is None:
                        raise KeyConfigurationError("--add-master-version needs PERMANENCE_MASTER_KEY_FILE")
                    typer.echo(f"added master key version {add_master_key_version(key_file)} to {key_file}")
                    keys.get_provider.cache_clear()
                typer.echo(f"re-wrapped {rotation.rewrap_all(session, batch_size=batch_size)} stored keys")
                return
            ids = [uuid.UUID(p) for p in practice] if practice else list(session.scalars(select(Practice.id)))
            for practice_id in ids:
                if retire:
                    gone = rotation.retire(session, practice_id, min_age=timedelta(seconds=min_age_seconds))
                    typer.echo(f"practice {practice_id}: retired data key versions {gone or 'none'}")
                    continue
                job = rotation.open_job(session, practice_id)
                typer.echo(
                    f"practice {practice_id}: re-encrypting to data key version {job.target_version}"
                    f" (resuming after {job.rows_done} rows)"
                    if job.rows_done
                    else f"practice {practice_id}: re-encrypting to data key version {job.target_version}"
                )
                progress = rotation.run(session, job, batch_size=batch_size)
                typer.echo(f"practice {practice_id}: {progress.rows_reencrypted} rows re-encrypted, done")
    except KeyConfigurationError as exc:
        typer.echo(f"rotate-keys: {exc}", err=True)
        raise typer.Exit(1) from exc


def purge_patients(
    older_than_days: Annotated[
        int, typer.Option(envvar=RETENTION_ENV, min=30, help="erase records without activity for this long")
    ] = 1095,
    dry_run: Annotated[bool, typer.Option(help="count only")] = False,
) -> None:
    """Retention: erase patients with no activity for the configured period (fields and indexes)."""
    from sqlalchemy import func
    from sqlmodel import col

    from app.core.clock import utcnow
    from app.core.db import get_engine
    from app.patients import service
    from app.patients.models import Patient

    retention = timedelta(days=older_than_days)
    with Session(get_engine(), expire_on_commit=False) as session:
        if dry_run:
            stmt = select(func.count()).where(
                col(Patient.last_activity_at) < utcnow() - retention, col(Patient.erased_at).is_(None)
            )
            typer.echo(f"{session.scalar(stmt) or 0} patients would be erased")
            return
        total = 0
        while count := service.purge_inactive(session, retention):
            session.commit()
            total += count
    typer.echo(f"erased {total} patients inactive for more than {older_than_days} days")
