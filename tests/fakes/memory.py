"""An in-memory CRM behind the Adapter protocol, with faults on demand, for sync tests."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from connector.model import Activity, CurrentResult, Lead
from connector.ports import (
    CheckItem,
    FollowUpTask,
    RecordFailure,
    ResultFields,
    ScoreWrite,
    TaskOutcome,
    Vocabulary,
)


class Crash(Exception):
    """The process dies here (a fault injected by a test)."""


@dataclass
class MemoryCrm:
    """The CRM's records: leads, activities, the result fields, and tasks."""

    leads: dict[str, Lead] = field(default_factory=dict)
    activities: list[Activity] = field(default_factory=list)
    fields: dict[str, ScoreWrite] = field(default_factory=dict)
    tasks: dict[str, FollowUpTask] = field(default_factory=dict)
    modified: dict[str, datetime] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    #: call name -> how many calls of it succeed before the process "dies" (raises Crash).
    crash_after: dict[str, int] = field(default_factory=dict)
    #: lead ids whose writes the CRM rejects (a validation rule, a locked record).
    rejected: set[str] = field(default_factory=set)
    #: lead ids whose task creation the CRM rejects.
    rejected_tasks: set[str] = field(default_factory=set)
    #: users who can no longer own a task (deactivated, or a queue).
    inactive_owners: set[str] = field(default_factory=set)
    #: called with every step (a call, and "<call>:done" once a write went through).
    on_step: Callable[[str], None] | None = None

    def add_lead(self, lead: Lead, at: datetime) -> None:
        """Create or edit a lead, as a user in the CRM would."""
        self.leads[lead.id] = lead
        self.modified[lead.id] = at

    def add_activity(self, activity: Activity, at: datetime) -> None:
        """Record an activity of a lead."""
        self.activities.append(activity)
        self.modified[activity.lead_id] = max(at, self.modified.get(activity.lead_id, at))

    def done(self, name: str) -> None:
        """A write went through: the CRM holds it even if the caller dies right now."""
        if self.on_step is not None:
            self.on_step(f"{name}:done")

    def snapshot(self) -> tuple[dict[str, tuple[int, str, str]], list[tuple[str, str]]]:
        """What a sales rep sees: the result fields per lead, and the tasks (lead, key)."""
        fields = {k: (w.score, w.priority, w.reasons) for k, w in sorted(self.fields.items())}
        return fields, sorted((task.lead_id, task.key) for task in self.tasks.values())

    def call(self, name: str) -> None:
        """Count a call; die when the test said so."""
        if self.on_step is not None:
            self.on_step(name)
        self.calls.append(name)
        budget = self.crash_after.get(name)
        if budget is not None:
            if budget <= 0:
                raise Crash(name)
            self.crash_after[name] = budget - 1


#: The optional result fields the memory CRM has unless a test says otherwise.
BOTH_FIELDS = ResultFields(breakdown_length=65_536, next_change_at=True)


class MemoryAdapter:
    """The Adapter protocol over a MemoryCrm."""

    cursor_lag = timedelta(0)
    concurrent_reads = False

    def __init__(
        self,
        crm: MemoryCrm,
        max_write_batch: int = 3,
        fields: ResultFields = BOTH_FIELDS,
    ) -> None:
        self.crm = crm
        self.max_write_batch = max_write_batch
        self.fields = fields

    def result_fields(self) -> ResultFields:
        """The optional fields this CRM was given (both, unless the test says otherwise)."""
        return self.fields

    @property
    def api_calls(self) -> int:
        """Every call the CRM saw."""
        return len(self.crm.calls)

    def read_leads(self, ids: Collection[str] | None = None) -> Iterator[Lead]:
        """Leads with the result fields the CRM holds for them."""
        self.crm.call("read_leads")
        wanted = self.crm.leads if ids is None else [i for i in ids if i in self.crm.leads]
        for lead_id in list(wanted):
            written = self.crm.fields.get(lead_id)
            current = (
                CurrentResult.shown(
                    written.score,
                    written.priority,
                    written.reasons,
                    breakdown=written.breakdown if self.fields.breakdown_length else None,
                    next_change_at=written.next_change_at if self.fields.next_change_at else None,
                )
                if written is not None
                else None
            )
            yield replace(self.crm.leads[lead_id], current=current)

    def changed_lead_ids(self, since: datetime) -> set[str]:
        """Leads edited, or given an activity, at or after `since`."""
        self.crm.call("changed_lead_ids")
        return {lead_id for lead_id, at in self.crm.modified.items() if at >= since}

    def read_activities(
        self,
        lead_ids: Collection[str] | None,
        occurred_after: datetime,
        *,
        occurred_before: datetime | None = None,
    ) -> Iterator[Activity]:
        """Activities of the leads after `occurred_after`."""
        self.crm.call("read_activities")
        wanted = None if lead_ids is None else set(lead_ids)
        for activity in list(self.crm.activities):
            if activity.within(occurred_after, occurred_before) and (
                wanted is None or activity.lead_id in wanted
            ):
                yield activity

    def write_scores(self, writes: Sequence[ScoreWrite]) -> list[RecordFailure]:
        """Write one batch; rejected leads fail, the others go through."""
        assert len(writes) <= self.max_write_batch
        self.crm.call("write_scores")
        failures = []
        for write in writes:
            if write.lead_id in self.crm.rejected:
                failures.append(RecordFailure(write.lead_id, "FIELD_CUSTOM_VALIDATION_EXCEPTION"))
            else:
                self.crm.fields[write.lead_id] = write
        self.crm.done("write_scores")
        return failures

    def find_tasks(self, keys: Collection[str]) -> dict[str, str]:
        """Tasks already created, by key."""
        self.crm.call("find_tasks")
        return {key: f"task-{key}" for key in keys if key in self.crm.tasks}

    def create_tasks(self, tasks: Sequence[FollowUpTask]) -> TaskOutcome:
        """Create one batch of tasks; a CRM never deduplicates them by itself."""
        assert len(tasks) <= self.max_write_batch
        self.crm.call("create_tasks")
        created, failures = {}, []
        for task in tasks:
            if task.lead_id in self.crm.rejected_tasks:
                failures.append(RecordFailure(task.key, "INVALID_CROSS_REFERENCE_KEY: owner"))
                continue
            if task.owner in self.crm.inactive_owners:
                message = f"INACTIVE_OWNER_OR_USER: owner {task.owner} is inactive"
                failures.append(RecordFailure(task.key, message, owner_refused=True))
                continue
            duplicate_key = f"{task.key}#dup{len(self.crm.tasks)}"
            self.crm.tasks[task.key if task.key not in self.crm.tasks else duplicate_key] = task
            created[task.key] = f"task-{task.key}"
        self.crm.done("create_tasks")
        return TaskOutcome(created, failures)

    def memory(self) -> None:
        """Nothing to carry from one run to the next."""
        return None

    def recall(self, memory: str) -> None:
        """Nothing was carried over."""

    def population(self) -> int:
        """The leads the CRM holds."""
        return len(self.crm.leads)

    def vocabulary(self) -> Vocabulary:
        """Any attribute; the canonical kinds."""
        return Vocabulary(attributes=None)

    def check(self) -> list[CheckItem]:
        """An in-memory CRM is always ready."""
        return [CheckItem("memory CRM", True, f"{len(self.crm.leads)} lead(s)")]

    def setup(self, *, dry_run: bool) -> list[CheckItem]:
        """Nothing to create."""
        return self.check()

    def close(self) -> None:
        """Nothing to release."""
