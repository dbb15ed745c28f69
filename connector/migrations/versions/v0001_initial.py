"""Initial state schema: written results, cursors, tasks, failures, runs, meta, lock holder."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

UTC_TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create every table of the first state schema."""
    op.create_table(
        "written_results",
        sa.Column("lead_id", sa.String(255), primary_key=True),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("priority", sa.String(64), nullable=False),
        sa.Column("reasons_hash", sa.String(128), nullable=False),
        sa.Column("ruleset_hash", sa.String(128), nullable=False),
        sa.Column("next_change_at", UTC_TIMESTAMP, nullable=True),
        sa.Column("written_at", UTC_TIMESTAMP, nullable=False),
    )
    op.create_index("ix_written_results_next_change_at", "written_results", ["next_change_at"])
    op.create_table(
        "cursors",
        sa.Column("name", sa.String(255), primary_key=True),
        sa.Column("value", UTC_TIMESTAMP, nullable=False),
    )
    op.create_table(
        "tasks",
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("lead_id", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("crm_id", sa.String(255), nullable=True),
        sa.Column("reserved_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("created_at", UTC_TIMESTAMP, nullable=True),
    )
    op.create_index("ix_tasks_lead_id_reserved_at", "tasks", ["lead_id", "reserved_at"])
    op.create_index("ix_tasks_status", "tasks", ["status"])
    op.create_table(
        "failures",
        sa.Column("kind", sa.String(32), primary_key=True),
        sa.Column("record_id", sa.String(255), primary_key=True),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("first_failed_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("last_failed_at", UTC_TIMESTAMP, nullable=False),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("started_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("finished_at", UTC_TIMESTAMP, nullable=True),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("counts", sa.JSON, nullable=False),
        sa.Column("api_calls", sa.Integer, nullable=False),
        sa.Column("errors", sa.Integer, nullable=False),
    )
    op.create_index("ix_runs_started_at", "runs", ["started_at"])
    op.create_table(
        "meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "lock_holder",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("since", UTC_TIMESTAMP, nullable=False),
    )


def downgrade() -> None:
    """Drop every table of the first state schema."""
    for table in ("lock_holder", "meta", "runs", "failures", "tasks", "cursors", "written_results"):
        op.drop_table(table)
