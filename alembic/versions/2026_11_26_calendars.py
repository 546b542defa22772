"""calendars: agenda sources, remote objects and synchronised busy intervals

Revision ID: calendars_0001
Revises: foundation
Create Date: 2026-11-26 05:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "calendars_0001"
down_revision: str | Sequence[str] | None = "foundation"
branch_labels: str | Sequence[str] | None = ("calendars",)
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}", ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "agenda_source",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("practice_id", sa.Uuid(), nullable=False),
        sa.Column("practitioner_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        # Encrypted columns are plain text holding pe1 ciphertexts (app.crypto.column.EncryptedText).
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("url_hint", sa.String(length=200), nullable=False),
        sa.Column("username", sa.String(length=200), nullable=True),
        sa.Column("credential", sa.Text(), nullable=True),
        sa.Column("tentative_busy", sa.Boolean(), nullable=False),
        sa.Column("sync_interval_minutes", sa.Integer(), nullable=False),
        sa.Column("sync_token", sa.Text(), nullable=True),
        sa.Column("etag", sa.String(length=300), nullable=True),
        sa.Column("last_modified", sa.String(length=64), nullable=True),
        sa.Column("expanded_from", UTC, nullable=True),
        sa.Column("expanded_until", UTC, nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("last_synced_at", UTC, nullable=True),
        sa.Column("last_attempt_at", UTC, nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("error_count", sa.Integer(), nullable=False),
        sa.Column("next_sync_at", UTC, nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        _fk("agenda_source", "practice_id", "practice"),
        _fk("agenda_source", "practitioner_id", "practitioner"),
        sa.PrimaryKeyConstraint("id", name="pk_agenda_source"),
        sa.UniqueConstraint("practitioner_id", name="uq_agenda_source_practitioner_id"),
    )
    op.create_index("ix_agenda_source_practice_id", "agenda_source", ["practice_id"])
    op.create_index("ix_agenda_source_next_sync_at", "agenda_source", ["next_sync_at"])

    op.create_table(
        "agenda_object",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("practice_id", sa.Uuid(), nullable=False),
        sa.Column("source_id", sa.Uuid(), nullable=False),
        sa.Column("href", sa.String(length=1000), nullable=False),
        sa.Column("etag", sa.String(length=300), nullable=True),
        sa.Column("error", sa.String(length=300), nullable=True),
        _fk("agenda_object", "practice_id", "practice"),
        _fk("agenda_object", "source_id", "agenda_source"),
        sa.PrimaryKeyConstraint("id", name="pk_agenda_object"),
        sa.UniqueConstraint("source_id", "href", name="uq_agenda_object_source_href"),
    )
    op.create_index("ix_agenda_object_practice_id", "agenda_object", ["practice_id"])

    op.create_table(
        "busy_interval",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("practice_id", sa.Uuid(), nullable=False),
        sa.Column("practitioner_id", sa.Uuid(), nullable=False),
        sa.Column("source_id", sa.Uuid(), nullable=False),
        sa.Column("start_at", UTC, nullable=False),
        sa.Column("end_at", UTC, nullable=False),
        sa.Column("uid", sa.String(length=300), nullable=False),
        sa.Column("recurrence_id", sa.String(length=32), nullable=True),
        sa.Column("href", sa.String(length=1000), nullable=False),
        sa.Column("etag", sa.String(length=300), nullable=True),
        _fk("busy_interval", "practice_id", "practice"),
        _fk("busy_interval", "practitioner_id", "practitioner"),
        _fk("busy_interval", "source_id", "agenda_source"),
        sa.PrimaryKeyConstraint("id", name="pk_busy_interval"),
    )
    op.create_index("ix_busy_interval_practice_id", "busy_interval", ["practice_id"])
    op.create_index("ix_busy_interval_source_id", "busy_interval", ["source_id"])
    op.create_index("ix_busy_interval_practitioner_start", "busy_interval", ["practitioner_id", "start_at"])


def downgrade() -> None:
    op.drop_table("busy_interval")
    op.drop_table("agenda_object")
    op.drop_table("agenda_source")
