"""The state store: what leadscore wrote to the CRM, cursors, tasks, failures and runs.

SQLite by default (`default_state_url`), PostgreSQL past one machine; the schema is created
and migrated by Alembic the first time `StateStore.open` sees a database.
"""

from __future__ import annotations

from connector.state.database import default_state_url
from connector.state.lock import RunLockHeld
from connector.state.records import (
    FailureRecord,
    QueuedEvent,
    QueuedLead,
    RunRecord,
    TaskRecord,
    WrittenResult,
)
from connector.state.store import StateStore

__all__ = [
    "FailureRecord",
    "QueuedEvent",
    "QueuedLead",
    "RunLockHeld",
    "RunRecord",
    "StateStore",
    "TaskRecord",
    "WrittenResult",
    "default_state_url",
]
