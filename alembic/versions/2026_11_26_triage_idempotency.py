"""triage sessions: idempotent creation

Revision ID: triage_0002
Revises: triage_0001
Create Date: 2026-11-26 05:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "triage_0002"
down_revision: str | Sequence[str] | None = "triage_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("triage_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("create_key", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("create_fingerprint", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_triage_session_create_key"), ["create_key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("triage_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_triage_session_create_key"))
        batch_op.drop_column("create_fingerprint")
        batch_op.drop_column("create_key")
