"""The rescoring queue fed by webhooks, and the accepted event ids that deduplicate it."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

UTC_TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create rescore_queue and webhook_events, both empty."""
    op.create_table(
        "rescore_queue",
        sa.Column("lead_id", sa.String(255), primary_key=True),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("first_event_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("last_event_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("due_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("claimed_by", sa.String(255), nullable=True),
        sa.Column("claimed_until", UTC_TIMESTAMP, nullable=True),
        sa.Column("requeued", sa.Boolean, nullable=False),
    )
    op.create_index("ix_rescore_queue_due_at", "rescore_queue", ["due_at"])
    op.create_table(
        "webhook_events",
        sa.Column("source", sa.String(32), primary_key=True),
        sa.Column("event_id", sa.String(255), primary_key=True),
        sa.Column("lead_id", sa.String(255), nullable=False),
        sa.Column("received_at", UTC_TIMESTAMP, nullable=False),
    )
    op.create_index("ix_webhook_events_received_at", "webhook_events", ["received_at"])


def downgrade() -> None:
    """Drop both tables (queued leads are rescored by the next full sync anyway)."""
    op.drop_table("webhook_events")
    op.drop_table("rescore_queue")
