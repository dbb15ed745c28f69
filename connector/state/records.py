"""The rows the state store hands back: frozen records, every datetime timezone-aware UTC."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

#: reserved: intent recorded before the CRM call; created: the CRM has it; refused: the CRM
#: would not take it for its owner (nor the fallback owner), so it is not retried.
TaskStatus = Literal["reserved", "created", "refused"]

#: Run modes, as the CLI names them.
RUN_MODES = frozenset({"full", "incremental", "dry-run"})


def as_utc(value: datetime) -> datetime:
    """`value` in UTC; a naive datetime is a bug upstream, so it is refused."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value.isoformat()}: pass a timezone-aware datetime")
    return value.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class WrittenResult:
    """The result last written to the CRM for one lead."""

    lead_id: str
    score: int
    priority: str
    reasons_hash: str
    ruleset_hash: str
    next_change_at: datetime | None
    written_at: datetime

    def __post_init__(self) -> None:
        """Refuse naive datetimes here, where the caller's stack still shows the culprit."""
        as_utc(self.written_at)
        if self.next_change_at is not None:
            as_utc(self.next_change_at)


@dataclass(frozen=True, slots=True)
class TaskRecord:
    """A follow-up task: reserved before the CRM call, created once the CRM returned its id."""

    key: str
    lead_id: str
    status: TaskStatus
    crm_id: str | None
    reserved_at: datetime
    created_at: datetime | None


@dataclass(frozen=True, slots=True)
class FailureRecord:
    """A write the CRM refused, waiting to be retried on the next run."""

    kind: str
    record_id: str
    message: str
    attempts: int
    first_failed_at: datetime
    last_failed_at: datetime


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One sync run: when, how, and what it did."""

    id: int
    started_at: datetime
    finished_at: datetime | None
    mode: str
    status: str
    counts: Mapping[str, int] = field(default_factory=dict)
    api_calls: int = 0
    errors: int = 0
    as_of: datetime | None = None
    error: str | None = None


#: What the worker does with a queued lead: score it again, or drop what the state knows of
#: it (the lead was deleted in the CRM).
QueueAction = Literal["rescore", "forget"]


@dataclass(frozen=True, slots=True)
class QueuedEvent:
    """One accepted webhook event: which lead to rescore (or forget), and the sender's id."""

    source: str  # "generic" | "hubspot" | "salesforce"
    event_id: str  # the sender's own id (HubSpot eventId, Salesforce Notification Id, webhook-id)
    lead_id: str
    action: QueueAction = "rescore"


@dataclass(frozen=True, slots=True)
class QueuedLead:
    """A lead claimed from the rescoring queue: what to do, since when, and how often it failed."""

    lead_id: str
    action: QueueAction
    first_event_at: datetime
    attempts: int
