"""triage sessions

Revision ID: triage_0001
Revises: foundation
Create Date: 2026-11-26 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "triage_0001"
down_revision: str | Sequence[str] | None = "foundation"
branch_labels: str | Sequence[str] | None = ("triage",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # context / answers / rule_path are pe1 ciphertexts (app.crypto.column.EncryptedText).
    op.create_table(
        "triage_session",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("practice_id", sa.Uuid(), nullable=False),
        sa.Column("protocol_id", sa.String(length=64), nullable=False),
        sa.Column("protocol_version", sa.Integer(), nullable=False),
        sa.Column("protocol_hash", sa.String(length=64), nullable=False),
        sa.Column("global_hash", sa.String(length=64), nullable=False),
        sa.Column("context", sa.Text(), nullable=True),
        sa.Column("answers", sa.Text(), nullable=True),
        sa.Column("rule_path", sa.Text(), nullable=True),
        sa.Column("level", sa.String(length=16), nullable=True),
        sa.Column("answer_count", sa.Integer(), nullable=False),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=False),
        sa.Column("call_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["practice_id"],
            ["practice.id"],
            name=op.f("fk_triage_session_practice_id_practice"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_triage_session")),
    )
    with op.batch_alter_table("triage_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_triage_session_practice_id"), ["practice_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_triage_session_call_id"), ["call_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("triage_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_triage_session_call_id"))
        batch_op.drop_index(batch_op.f("ix_triage_session_practice_id"))
    op.drop_table("triage_session")
