"""calls

Revision ID: calls_0001
Revises: foundation
Create Date: 2026-11-26 04:54:53.066999
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "calls_0001"
down_revision: str | Sequence[str] | None = "foundation"
branch_labels: str | Sequence[str] | None = ("calls",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # caller_number, subject, body, caller_name, callback_number, preferred_time and secret hold pe1
    # ciphertexts (app.crypto.column.EncryptedText). Patients, triage sessions and appointments are
    # referenced by plain UUIDs (other branches); webhook_delivery.event_id has no FK on purpose.

    op.create_table(
        "billing_plan",
        sa.Column("practice_id", sa.Uuid(), nullable=False),
        sa.Column("model", sa.String(length=12), nullable=False),
        sa.Column("per_call_cents", sa.Integer(), nullable=False),
        sa.Column("monthly_fee_cents", sa.Integer(), nullable=False),
        sa.Column("included_calls", sa.Integer(), nullable=False),
        sa.Column("overage_cents", sa.Integer(), nullable=False),
        sa.Column("hourly_cents", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["practice_id"],
            ["practice.id"],
            name=op.f("fk_billing_plan_practice_id_practice"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("practice_id", name=op.f("pk_billing_plan")),
    )
    op.create_table(
        "call",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("practice_id", sa.Uuid(), nullable=False),
        sa.Column("called_number", sa.String(length=20), nullable=False),
        sa.Column("caller_number", sa.Text(), nullable=True),
        sa.Column("external_ref", sa.String(length=120), nullable=True),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("outcome", sa.String(length=24), nullable=True),
        sa.Column("ringing_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("agent_id", sa.Uuid(), nullable=True),
        sa.Column("sheet_version", sa.Integer(), nullable=True),
        sa.Column("opened_by_kind", sa.String(length=16), nullable=False),
        sa.Column("opened_by_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["practice_id"], ["practice.id"], name=op.f("fk_call_practice_id_practice"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call")),
        sa.UniqueConstraint("practice_id", "external_ref", name="uq_call_practice_external_ref"),
        sa.UniqueConstraint("practice_id", "idempotency_key", name="uq_call_practice_idempotency_key"),
    )
    with op.batch_alter_table("call", schema=None) as batch_op:
        batch_op.create_index("ix_call_practice_ringing", ["practice_id", "ringing_at"], unique=False)

    op.create_table(
        "webhook_event",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("practice_id", sa.Uuid(), nullable=False),
        sa.Column("event_type", sa.String(length=40), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["practice_id"],
            ["practice.id"],
            name=op.f("fk_webhook_event_practice_id_practice"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_event")),
    )
    with op.batch_alter_table("webhook_event", schema=None) as batch_op:
        batch_op.create_index(
            "ix_webhook_event_practice_created", ["practice_id", "created_at"], unique=False
        )

    op.create_table(
        "webhook_subscription",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("practice_id", sa.Uuid(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("event_types", sa.JSON(), nullable=False),
        sa.Column("detail", sa.String(length=8), nullable=False),
        sa.Column("secret", sa.Text(), nullable=True),
        sa.Column("secret_hint", sa.String(length=8), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["practice_id"],
            ["practice.id"],
            name=op.f("fk_webhook_subscription_practice_id_practice"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_subscription")),
    )
    with op.batch_alter_table("webhook_subscription", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_webhook_subscription_practice_id"), ["practice_id"], unique=False
        )

    op.create_table(
        "call_link",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("call_id", sa.Uuid(), nullable=False),
        sa.Column("practice_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"], ["call.id"], name=op.f("fk_call_link_call_id_call"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["practice_id"],
            ["practice.id"],
            name=op.f("fk_call_link_practice_id_practice"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_link")),
        sa.UniqueConstraint("call_id", "kind", "target_id", name="uq_call_link_target"),
    )
    with op.batch_alter_table("call_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_call_link_call_id"), ["call_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_call_link_practice_id"), ["practice_id"], unique=False)

    op.create_table(
        "practitioner_message",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("practice_id", sa.Uuid(), nullable=False),
        sa.Column("practitioner_id", sa.Uuid(), nullable=False),
        sa.Column("call_id", sa.Uuid(), nullable=True),
        sa.Column("triage_session_id", sa.Uuid(), nullable=True),
        sa.Column("priority", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("caller_name", sa.Text(), nullable=True),
        sa.Column("callback_number", sa.Text(), nullable=True),
        sa.Column("preferred_time", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("escalation_step", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("sheet_version", sa.Integer(), nullable=True),
        sa.Column("author_kind", sa.String(length=16), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_via", sa.String(length=12), nullable=True),
        sa.Column("acknowledged_by", sa.Uuid(), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["call_id"], ["call.id"], name=op.f("fk_practitioner_message_call_id_call"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["practice_id"],
            ["practice.id"],
            name=op.f("fk_practitioner_message_practice_id_practice"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["practitioner_id"],
            ["practitioner.id"],
            name=op.f("fk_practitioner_message_practitioner_id_practitioner"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practitioner_message")),
        sa.UniqueConstraint(
            "practice_id", "idempotency_key", name="uq_practitioner_message_practice_idempotency_key"
        ),
    )
    with op.batch_alter_table("practitioner_message", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_practitioner_message_call_id"), ["call_id"], unique=False)
        batch_op.create_index(
            "ix_practitioner_message_practice_created", ["practice_id", "created_at"], unique=False
        )

    op.create_table(
        "webhook_delivery",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("practice_id", sa.Uuid(), nullable=False),
        sa.Column("subscription_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["practice_id"],
            ["practice.id"],
            name=op.f("fk_webhook_delivery_practice_id_practice"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["webhook_subscription.id"],
            name=op.f("fk_webhook_delivery_subscription_id_webhook_subscription"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_delivery")),
        sa.UniqueConstraint("subscription_id", "event_id", name="uq_webhook_delivery_pair"),
    )
    with op.batch_alter_table("webhook_delivery", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_webhook_delivery_event_id"), ["event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_webhook_delivery_practice_id"), ["practice_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_webhook_delivery_subscription_id"), ["subscription_id"], unique=False
        )

    op.create_table(
        "message_delivery_attempt",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("message_id", sa.Uuid(), nullable=False),
        sa.Column("practice_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.String(length=12), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("recipient_label", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["practitioner_message.id"],
            name=op.f("fk_message_delivery_attempt_message_id_practitioner_message"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["practice_id"],
            ["practice.id"],
            name=op.f("fk_message_delivery_attempt_practice_id_practice"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_delivery_attempt")),
    )
    with op.batch_alter_table("message_delivery_attempt", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_message_delivery_attempt_message_id"), ["message_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_message_delivery_attempt_practice_id"), ["practice_id"], unique=False
        )

    op.create_table(
        "webhook_attempt",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("delivery_id", sa.Uuid(), nullable=False),
        sa.Column("practice_id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("manual", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["webhook_delivery.id"],
            name=op.f("fk_webhook_attempt_delivery_id_webhook_delivery"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["practice_id"],
            ["practice.id"],
            name=op.f("fk_webhook_attempt_practice_id_practice"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_attempt")),
    )
    with op.batch_alter_table("webhook_attempt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_webhook_attempt_delivery_id"), ["delivery_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_webhook_attempt_practice_id"), ["practice_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("webhook_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_attempt_practice_id"))
        batch_op.drop_index(batch_op.f("ix_webhook_attempt_delivery_id"))

    op.drop_table("webhook_attempt")
    with op.batch_alter_table("message_delivery_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_message_delivery_attempt_practice_id"))
        batch_op.drop_index(batch_op.f("ix_message_delivery_attempt_message_id"))

    op.drop_table("message_delivery_attempt")
    with op.batch_alter_table("webhook_delivery", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_delivery_subscription_id"))
        batch_op.drop_index(batch_op.f("ix_webhook_delivery_practice_id"))
        batch_op.drop_index(batch_op.f("ix_webhook_delivery_event_id"))

    op.drop_table("webhook_delivery")
    with op.batch_alter_table("practitioner_message", schema=None) as batch_op:
        batch_op.drop_index("ix_practitioner_message_practice_created")
        batch_op.drop_index(batch_op.f("ix_practitioner_message_call_id"))

    op.drop_table("practitioner_message")
    with op.batch_alter_table("call_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_link_practice_id"))
        batch_op.drop_index(batch_op.f("ix_call_link_call_id"))

    op.drop_table("call_link")
    with op.batch_alter_table("webhook_subscription", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_subscription_practice_id"))

    op.drop_table("webhook_subscription")
    with op.batch_alter_table("webhook_event", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_event_practice_created")

    op.drop_table("webhook_event")
    with op.batch_alter_table("call", schema=None) as batch_op:
        batch_op.drop_index("ix_call_practice_ringing")

    op.drop_table("call")
    op.drop_table("billing_plan")
