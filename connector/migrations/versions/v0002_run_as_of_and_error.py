"""Runs remember the --as-of instant they scored at and, when they failed, the error."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add runs.as_of and runs.error, both empty for the runs recorded so far."""
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("as_of", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("error", sa.Text, nullable=True))


def downgrade() -> None:
    """Drop the two columns."""
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("error")
        batch.drop_column("as_of")
