"""The state tables as SQLAlchemy Core metadata; the Alembic migrations create exactly these."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.types import TypeDecorator

from connector.state.records import as_utc

metadata = MetaData()


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """UTC in; SQLite keeps no offset, so it gets the naive UTC wall time."""
        if value is None:
            return None
        value = as_utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Timezone-aware UTC out, whatever the backend's session time zone."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


written_results = Table(
    "written_results",
    metadata,
    Column("lead_id", String(255), primary_key=True),
    Column("score", Integer, nullable=False),
    Column("priority", String(64), nullable=False),
    Column("reasons_hash", String(128), nullable=False),
    Column("ruleset_hash", String(128), nullable=False),
    Column("next_change_at", UtcDateTime, nullable=True),
    Column("written_at", UtcDateTime, nullable=False),
    Index("ix_written_results_next_change_at", "next_change_at"),
)

cursors = Table(
    "cursors",
    metadata,
    Column("name", String(255), primary_key=True),
    Column("value", UtcDateTime, nullable=False),
)

tasks = Table(
    "tasks",
    metadata,
    Column("key", String(255), primary_key=True),
    Column("lead_id", String(255), nullable=False),
    Column("status", String(16), nullable=False),
    Column("crm_id", String(255), nullable=True),
    Column("reserved_at", UtcDateTime, nullable=False),
    Column("created_at", UtcDateTime, nullable=True),
    Index("ix_tasks_lead_id_reserved_at", "lead_id", "reserved_at"),
    Index("ix_tasks_status", "status"),
)

failures = Table(
    "failures",
    metadata,
    Column("kind", String(32), primary_key=True),
    Column("record_id", String(255), primary_key=True),
    Column("message", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("first_failed_at", UtcDateTime, nullable=False),
    Column("last_failed_at", UtcDateTime, nullable=False),
)

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("started_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime, nullable=True),
    Column("mode", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("counts", JSON, nullable=False),
    Column("api_calls", Integer, nullable=False),
    Column("errors", Integer, nullable=False),
    # The --as-of instant a backtest scored at (empty for a run scored at its own time).
    Column("as_of", UtcDateTime, nullable=True),
    # What stopped a failed run, as the user saw it (secrets redacted).
    Column("error", Text, nullable=True),
    Index("ix_runs_started_at", "started_at"),
)

# Key/value settings of the store itself (the last rule-set hash); Alembic keeps the version.
meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

# Who holds the run lock, for the "another sync is running" message; the lock itself is a
# PostgreSQL advisory lock or an OS file lock, both released when the holder dies.
lock_holder = Table(
    "lock_holder",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("pid", Integer, nullable=False),
    Column("host", String(255), nullable=False),
    Column("since", UtcDateTime, nullable=False),
)

# The rescoring queue: one row per lead, however many webhook events named it (coalesced).
rescore_queue = Table(
    "rescore_queue",
    metadata,
    Column("lead_id", String(255), primary_key=True),
    Column("action", String(16), nullable=False),
    Column("first_event_at", UtcDateTime, nullable=False),
    Column("last_event_at", UtcDateTime, nullable=False),
    # Back-off: a lead whose write failed is not claimed again before this.
    Column("due_at", UtcDateTime, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text, nullable=True),
    Column("claimed_by", String(255), nullable=True),
    Column("claimed_until", UtcDateTime, nullable=True),
    # An event arrived while a worker held the claim: its rescore may have read the lead
    # before the change, so finishing it must keep the row queued rather than delete it.
    Column("requeued", Boolean, nullable=False),
    Index("ix_rescore_queue_due_at", "due_at"),
)

# The webhook events already accepted, by the sender's own id: a replayed delivery is a no-op.
webhook_events = Table(
    "webhook_events",
    metadata,
    Column("source", String(32), primary_key=True),
    Column("event_id", String(255), primary_key=True),
    Column("lead_id", String(255), nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Index("ix_webhook_events_received_at", "received_at"),
)
