"""scheduling: opening hours, reserved blocks, slot claims (exclusion constraint), holds, appointments, feeds

Revision ID: scheduling_0001
Revises: foundation
Create Date: 2026-11-26 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "scheduling_0001"
down_revision: str | Sequence[str] | None = "foundation"
branch_labels: str | Sequence[str] | None = ("scheduling",)
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)


def _owner_columns(nullable_practitioner: bool = False) -> list[sa.Column]:
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("practice_id", sa.Uuid(), nullable=False),
        sa.Column("practitioner_id", sa.Uuid(), nullable=nullable_practitioner),
    ]


def _fks(table: str) -> list[sa.ForeignKeyConstraint]:
    return [
        sa.ForeignKeyConstraint(
            ["practice_id"], ["practice.id"], name=f"fk_{table}_practice_id_practice", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["practitioner_id"],
            ["practitioner.id"],
            name=f"fk_{table}_practitioner_id_practitioner",
            ondelete="CASCADE",
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "opening_rule",
        *_owner_columns(),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("start_minute", sa.Integer(), nullable=False),
        sa.Column("end_minute", sa.Integer(), nullable=False),
        *_fks("opening_rule"),
        sa.PrimaryKeyConstraint("id", name="pk_opening_rule"),
    )
    op.create_index("ix_opening_rule_practice_id", "opening_rule", ["practice_id"])
    op.create_index("ix_opening_rule_practitioner_id", "opening_rule", ["practitioner_id"])

    op.create_table(
        "opening_exception",
        *_owner_columns(nullable_practitioner=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("start_minute", sa.Integer(), nullable=True),
        sa.Column("end_minute", sa.Integer(), nullable=True),
        sa.Column("label", sa.String(length=120), nullable=False),
        *_fks("opening_exception"),
        sa.PrimaryKeyConstraint("id", name="pk_opening_exception"),
    )
    op.create_index("ix_opening_exception_practice_id", "opening_exception", ["practice_id"])
    op.create_index("ix_opening_exception_practitioner_id", "opening_exception", ["practitioner_id"])
    op.create_index("ix_opening_exception_day", "opening_exception", ["day"])

    op.create_table(
        "reserved_block",
        *_owner_columns(),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("start_minute", sa.Integer(), nullable=False),
        sa.Column("end_minute", sa.Integer(), nullable=False),
        sa.Column("release_minutes", sa.Integer(), nullable=False),
        *_fks("reserved_block"),
        sa.PrimaryKeyConstraint("id", name="pk_reserved_block"),
    )
    op.create_index("ix_reserved_block_practice_id", "reserved_block", ["practice_id"])
    op.create_index("ix_reserved_block_practitioner_id", "reserved_block", ["practitioner_id"])

    op.create_table(
        "slot_claim",
        *_owner_columns(),
        sa.Column("motif_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("starts_at", UTC, nullable=False),
        sa.Column("ends_at", UTC, nullable=False),
        sa.Column("slot_start", UTC, nullable=False),
        sa.Column("slot_end", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=True),
        *_fks("slot_claim"),
        sa.CheckConstraint("ends_at > starts_at", name="ck_slot_claim_positive"),
        sa.PrimaryKeyConstraint("id", name="pk_slot_claim"),
    )
    op.create_index("ix_slot_claim_practice_id", "slot_claim", ["practice_id"])
    op.create_index("ix_slot_claim_practitioner_start", "slot_claim", ["practitioner_id", "starts_at"])
    if op.get_bind().dialect.name == "postgresql":
        # The booking invariant itself: no two claims of one practitioner overlap, whatever the process.
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            "ALTER TABLE slot_claim ADD CONSTRAINT ex_slot_claim_no_overlap EXCLUDE USING gist "
            "(practitioner_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)"
        )

    op.create_table(
        "slot_hold",
        *_owner_columns(),
        sa.Column("motif_id", sa.Uuid(), nullable=False),
        sa.Column("start_at", UTC, nullable=False),
        sa.Column("end_at", UTC, nullable=False),
        sa.Column("disposition", sa.String(length=12), nullable=False),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=False),
        sa.Column("expires_at", UTC, nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        *_fks("slot_hold"),
        sa.ForeignKeyConstraint(
            ["motif_id"], ["motif.id"], name="fk_slot_hold_motif_id_motif", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_slot_hold"),
    )
    op.create_index("ix_slot_hold_practice_id", "slot_hold", ["practice_id"])
    op.create_index("ix_slot_hold_expires_at", "slot_hold", ["expires_at"])

    op.create_table(
        "appointment",
        *_owner_columns(),
        sa.Column("motif_id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=True),
        sa.Column("triage_session_id", sa.Uuid(), nullable=True),
        sa.Column("call_id", sa.Uuid(), nullable=True),
        sa.Column("disposition", sa.String(length=12), nullable=False),
        sa.Column("reserved", sa.Boolean(), nullable=False),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=False),
        sa.Column("start_at", UTC, nullable=False),
        sa.Column("end_at", UTC, nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("uid", sa.String(length=120), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("request_hash", sa.String(length=64), nullable=True),
        sa.Column("writeback_state", sa.String(length=12), nullable=False),
        sa.Column("writeback_error", sa.String(length=300), nullable=True),
        sa.Column("remote_href", sa.String(length=500), nullable=True),
        sa.Column("remote_etag", sa.String(length=200), nullable=True),
        sa.Column("conflict", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.Column("cancelled_at", UTC, nullable=True),
        *_fks("appointment"),
        sa.ForeignKeyConstraint(
            ["motif_id"], ["motif.id"], name="fk_appointment_motif_id_motif", ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_appointment"),
        sa.UniqueConstraint("practice_id", "idempotency_key", name="uq_appointment_practice_idempotency_key"),
        sa.UniqueConstraint("uid", name="uq_appointment_uid"),
    )
    op.create_index("ix_appointment_practice_id", "appointment", ["practice_id"])
    op.create_index("ix_appointment_patient_id", "appointment", ["patient_id"])
    op.create_index("ix_appointment_practitioner_start", "appointment", ["practitioner_id", "start_at"])

    op.create_table(
        "feed_token",
        *_owner_columns(),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("hint", sa.String(length=8), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("revoked_at", UTC, nullable=True),
        sa.Column("last_used_at", UTC, nullable=True),
        *_fks("feed_token"),
        sa.PrimaryKeyConstraint("id", name="pk_feed_token"),
        sa.UniqueConstraint("token_hash", name="uq_feed_token_token_hash"),
    )
    op.create_index("ix_feed_token_practice_id", "feed_token", ["practice_id"])
    op.create_index("ix_feed_token_practitioner_id", "feed_token", ["practitioner_id"])


def downgrade() -> None:
    for table in (
        "feed_token",
        "appointment",
        "slot_hold",
        "slot_claim",
        "reserved_block",
        "opening_exception",
        "opening_rule",
    ):
        op.drop_table(table)
