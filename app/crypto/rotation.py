"""Online key rotation: new data-key versions, batched resumable re-encryption, retirement,
and re-wrapping every stored key under a new master-key version.

Each batch runs in its own short transaction and records its cursor in ``key_rotation``; an
interrupted run resumes from the last committed batch. Rows are updated with compare-and-set on
their old ciphertexts, so a concurrent edit by the service is never overwritten.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Table, and_, select, update
from sqlmodel import Session, col

from app.core.clock import utcnow
from app.core.db import metadata
from app.crypto import service as keys
from app.crypto.errors import KeyConfigurationError
from app.crypto.fields import ENCRYPTED_FIELDS, RowCipher, Sealed
from app.crypto.keyring import new_wrapped_key, rewrap
from app.crypto.models import KeyRotation, PracticeKey

# Another process may use a cached keyring for this long; retiring earlier could strand its writes.
RETIRE_MIN_AGE = timedelta(seconds=2 * keys.CACHE_SECONDS)


@dataclass
class Progress:
    rows_examined: int = 0
    rows_reencrypted: int = 0
    finished: bool = False


def _data_keys(session: Session, practice_id: uuid.UUID) -> list[PracticeKey]:
    return sorted(
        (k for k in keys.stored_keys(session, practice_id) if k.purpose == "data"), key=lambda k: k.version
    )


def unfinished_job(session: Session, practice_id: uuid.UUID) -> KeyRotation | None:
    stmt = select(KeyRotation).where(
        col(KeyRotation.practice_id) == practice_id, col(KeyRotation.kind) == "data",
        col(KeyRotation.finished_at).is_(None),
    )  # fmt: skip
    return session.scalars(stmt).first()


def _new_job(session: Session, practice_id: uuid.UUID, version: int) -> KeyRotation:
    job = KeyRotation(practice_id=practice_id, kind="data", target_version=version,
                      table_name=sorted(ENCRYPTED_FIELDS)[0])  # fmt: skip
    session.add(job)
    session.commit()
    keys.clear_cache(practice_id)
    return job


def open_job(session: Session, practice_id: uuid.UUID) -> KeyRotation:
    """The unfinished rotation of this practice (resume), or a new one with a new data-key version."""
    job = unfinished_job(session, practice_id)
    if job is not None:
        return job
    keys.keyring_for(session, practice_id)  # make sure the practice has keys at all
    version = max(k.version for k in _data_keys(session, practice_id)) + 1
    provider = keys.get_provider()
    keys.store_wrapped(session, provider, new_wrapped_key(provider, practice_id, "data", version))
    return _new_job(session, practice_id, version)


def _table(name: str) -> Table | None:
    import app.registry  # noqa: F401 - every encrypted table must be known to the metadata

    # A registered table whose model is not imported has no migration either, hence no rows.
    return metadata.tables.get(name)


def _batch(session: Session, job: KeyRotation, table: Table, size: int) -> tuple[int, int]:
    """Re-encrypt one batch after the job's cursor; returns (rows examined, rows changed)."""
    assert job.practice_id is not None
    columns = ENCRYPTED_FIELDS[table.name]
    stmt = select(table.c.id, *(table.c[c] for c in columns)).where(table.c.practice_id == job.practice_id)
    if job.last_row_id is not None:
        stmt = stmt.where(table.c.id > job.last_row_id)
    rows = session.execute(stmt.order_by(table.c.id).limit(size)).all()
    ring = keys.keyring_for(session, job.practice_id, fresh=True)
    changed = 0
    for row in rows:
        cipher = RowCipher(ring, table.name, row.id)
        old: dict[str, Sealed] = {c: getattr(row, c) for c in columns if getattr(row, c) is not None}
        new = {c: cipher.reseal(c, v) for c, v in old.items()}
        new = {c: v for c, v in new.items() if v != old[c]}
        if not new:
            continue
        # Compare-and-set: if the service rewrote the row meanwhile, it already used the newest key.
        guard = and_(table.c.id == row.id, *(table.c[c] == old[c] for c in new))
        changed += session.execute(update(table).where(guard).values(**new)).rowcount or 0  # type: ignore[attr-defined]
    job.rows_done += len(rows)
    job.last_row_id = rows[-1].id if rows else job.last_row_id
    session.add(job)
    session.commit()
    session.expire_all()  # rows were rewritten below the ORM: drop any stale loaded copy
    return len(rows), changed


def run(
    session: Session,
    job: KeyRotation,
    *,
    batch_size: int = 500,
    max_batches: int | None = None,
    on_batch: Callable[[KeyRotation], None] | None = None,
) -> Progress:
    """Re-encrypt every registered table of the job's practice, batch by batch (resumable)."""
    progress = Progress()
    tables = sorted(ENCRYPTED_FIELDS)
    batches = 0
    for name in tables[tables.index(job.table_name) if job.table_name in tables else 0 :]:
        if job.table_name != name:
            job.table_name, job.last_row_id = name, None
        table = _table(name)
        while table is not None:
            if max_batches is not None and batches >= max_batches:
                return progress
            examined, changed = _batch(session, job, table, batch_size)
            batches += 1
            progress.rows_examined += examined
            progress.rows_reencrypted += changed
            if on_batch is not None:
                on_batch(job)
            if examined < batch_size:
                break
    job.finished_at = utcnow()
    session.add(job)
    session.commit()
    progress.finished = True
    return progress


def rows_on_old_versions(session: Session, practice_id: uuid.UUID) -> int:
    """Count rows of the practice holding a ciphertext of a data-key version older than the newest."""
    current = keys.keyring_for(session, practice_id, fresh=True).current.version
    total = 0
    for name, columns in ENCRYPTED_FIELDS.items():
        table = _table(name)
        if table is None:
            continue
        # Text prefixes name the key version (pe1.k<version>.), so no decryption is needed to count.
        raw = select(table.c.id, *(table.c[c] for c in columns)).where(table.c.practice_id == practice_id)
        for row in session.execute(raw):
            values = [getattr(row, c) for c in columns]
            if any(v is not None and not v.token.startswith(f"pe1.k{current}.") for v in values):
                total += 1
    return total


def retire(session: Session, practice_id: uuid.UUID, *, min_age: timedelta = RETIRE_MIN_AGE) -> list[int]:
    """Retire every data-key version older than the newest, once no row uses them; returns them."""
    data = _data_keys(session, practice_id)
    active = [k for k in data if k.retired_at is None]
    if not active:
        raise KeyConfigurationError("practice has no active data key")
    newest = active[-1]
    if utcnow() - newest.created_at < min_age:
        raise KeyConfigurationError(
            f"data key version {newest.version} is younger than {min_age}; other processes may still write "
            "with the previous version — retry later"
        )
    if rows_on_old_versions(session, practice_id):
        # Final sweep (no new version): rows written with the old key by processes that lagged behind.
        run(session, unfinished_job(session, practice_id) or _new_job(session, practice_id, newest.version))
    if rows_on_old_versions(session, practice_id):
        raise KeyConfigurationError("rows still use an old data key version; run rotate-keys again")
    retired = []
    for key in active[:-1]:
        key.retired_at = utcnow()
        session.add(key)
        retired.append(key.version)
    session.commit()
    keys.clear_cache(practice_id)
    return retired


def rewrap_all(session: Session, *, batch_size: int = 200) -> int:
    """Re-wrap every stored key under the newest master-key version (master-key rotation)."""
    provider = keys.get_provider()
    done = 0
    while True:
        stmt = (
            select(PracticeKey)
            .where(col(PracticeKey.master_version) < provider.current_version)
            .limit(batch_size)
        )
        rows = list(session.scalars(stmt))
        if not rows:
            break
        for row in rows:
            fresh = rewrap(provider, keys.as_wrapped(row))
            row.wrapped, row.master_version = fresh.wrapped, provider.current_version
            session.add(row)
        session.commit()
        done += len(rows)
    keys.check_master_key(session)  # records the check value of the new master version
    session.commit()
    keys.clear_cache()
    return done
