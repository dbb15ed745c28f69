"""The Adapter protocol every CRM adapter implements, and the records that cross it."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol

from connector.model import Activity, Lead


@dataclass(frozen=True, slots=True)
class ScoreWrite:
    """The values to write onto one lead's result fields."""

    lead_id: str
    score: int
    priority: str
    reasons: str
    scored_at: datetime


@dataclass(frozen=True, slots=True)
class FollowUpTask:
    """A follow-up task for a lead's owner; `key` makes creating it idempotent."""

    key: str
    lead_id: str
    owner: str | None
    subject: str
    description: str
    due_date: date
    priority: str


@dataclass(frozen=True, slots=True)
class RecordFailure:
    """One record the CRM would not take; the others went through."""

    record_id: str
    message: str


@dataclass(frozen=True, slots=True)
class TaskOutcome:
    """What a batch of task creations did: CRM ids of the created tasks, and failures."""

    created: Mapping[str, str] = field(default_factory=dict)
    failures: Sequence[RecordFailure] = ()


@dataclass(frozen=True, slots=True)
class InputProblem:
    """An input record that was skipped, and where it came from (file and line, or record id)."""

    source: str
    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}, {self.location}: {self.message}"


ProblemSink = Callable[[InputProblem], None]


class Adapter(Protocol):
    """Reads leads and activities from a CRM and writes results back; knows nothing of rules."""

    #: The largest number of records one write call may carry.
    max_write_batch: int

    #: Whether `read_leads` and `read_activities` may run at the same time (in two threads).
    concurrent_reads: bool

    @property
    def cursor_lag(self) -> timedelta:
        """How far behind the clock the next run's cursor starts (CRM search/index lag)."""
        ...

    @property
    def api_calls(self) -> int:
        """CRM API calls made so far through this adapter."""
        ...

    def read_leads(self, ids: Collection[str] | None = None) -> Iterator[Lead]:
        """Leads with the given ids (all leads when None), with their current result values."""
        ...

    def changed_lead_ids(self, since: datetime) -> set[str]:
        """Ids of leads whose record or activities changed at or after `since`."""
        ...

    def read_activities(
        self, lead_ids: Collection[str] | None, occurred_after: datetime
    ) -> Iterator[Activity]:
        """Activities of the given leads (all when None) that occurred after `occurred_after`."""
        ...

    def write_scores(self, writes: Sequence[ScoreWrite]) -> list[RecordFailure]:
        """Write one batch (at most `max_write_batch`) of results; return per-record failures."""
        ...

    def find_tasks(self, keys: Collection[str]) -> dict[str, str]:
        """The CRM ids of already-created tasks among `keys`, by key."""
        ...

    def create_tasks(self, tasks: Sequence[FollowUpTask]) -> TaskOutcome:
        """Create one batch (at most `max_write_batch`) of follow-up tasks."""
        ...

    def close(self) -> None:
        """Flush and release whatever the adapter holds (files, connections)."""
        ...


@dataclass(frozen=True, slots=True)
class CheckItem:
    """One line of `leadscore check` / `setup`: what was checked, whether it is fine, the fix."""

    subject: str
    ok: bool
    detail: str
