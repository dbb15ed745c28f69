"""One run: read leads and activities, score them, write what changed, create follow-up tasks."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from adapters.base import Adapter, FollowUpTask, InputProblem, RecordFailure, ScoreWrite
from connector.config import Settings
from connector.followup import build_task, enters_follow_up, follow_up_labels
from connector.model import Activity, Lead
from connector.scoring import Scorer, ScoreResult

Progress = Callable[[int], None]
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class RunRequest:
    """What the user asked for: score as of `now`, and whether to write anything."""

    now: datetime
    dry_run: bool = False
    full: bool = False


@dataclass(frozen=True, slots=True)
class Scored:
    """A lead next to its new result."""

    lead: Lead
    result: ScoreResult


@dataclass(slots=True)
class RunReport:
    """Everything a run did or, in a dry run, would do."""

    request: RunRequest
    ruleset_hash: str
    mode: str = "full"
    scored: list[Scored] = field(default_factory=list)
    writes: list[ScoreWrite] = field(default_factory=list)
    tasks: list[FollowUpTask] = field(default_factory=list)
    tasks_existing: int = 0
    tasks_created: int = 0
    written: int = 0
    activities_read: int = 0
    failures: list[RecordFailure] = field(default_factory=list)
    problems: list[InputProblem] = field(default_factory=list)
    api_calls: int = 0

    def by_priority(self) -> Counter[str]:
        """How many scored leads fall in each band."""
        return Counter(item.result.priority for item in self.scored)

    def priority_changes(self) -> list[tuple[Scored, str | None]]:
        """Leads whose band differs from what the CRM showed, with the band before."""
        changes = []
        for item in self.scored:
            before = item.lead.current.priority if item.lead.current else None
            if before != item.result.priority:
                changes.append((item, before))
        return changes

    def top(self, limit: int = 10) -> list[Scored]:
        """The highest-scoring leads: the call list."""
        return sorted(self.scored, key=lambda item: (-item.result.total, item.lead.id))[:limit]


class Pipeline:
    """Runs the read -> score -> diff -> write steps for one adapter under one config."""

    def __init__(self, settings: Settings, adapter: Adapter) -> None:
        self.settings = settings
        self.adapter = adapter
        self.scorer = Scorer(settings.scoring)
        self._follow_up = follow_up_labels(settings.scoring.bands)

    def run(self, request: RunRequest, progress: Progress | None = None) -> RunReport:
        """One sync run; per-record failures are in the report, never raised."""
        report = RunReport(request, self.scorer.ruleset_hash)
        leads = list(self.adapter.read_leads())
        activities = self._activities_by_lead(request.now, report)
        report.scored = self.score(leads, activities, request.now, progress)
        report.writes = [self._write(item) for item in report.scored if _changed(item)]
        report.tasks = [self._task(item) for item in report.scored if self._enters(item)]
        if not request.dry_run:
            self._execute(report)
        return report

    def score(
        self,
        leads: Iterable[Lead],
        activities: dict[str, list[Activity]],
        now: datetime,
        progress: Progress | None = None,
    ) -> list[Scored]:
        """Score every lead with its activities as of `now`."""
        scored = []
        for lead in leads:
            scored.append(Scored(lead, self.scorer.score(lead, activities.get(lead.id, ()), now)))
            if progress is not None:
                progress(1)
        return scored

    def window_start(self, now: datetime) -> datetime:
        """The earliest instant any rule's window reaches back to."""
        rules = self.settings.scoring
        days = max([rules.window_days, *(r.window_days or 0 for r in rules.engagement)])
        return now - timedelta(days=days)

    def _activities_by_lead(self, now: datetime, report: RunReport) -> dict[str, list[Activity]]:
        grouped: dict[str, list[Activity]] = defaultdict(list)
        for activity in self.adapter.read_activities(None, self.window_start(now)):
            grouped[activity.lead_id].append(activity)
            report.activities_read += 1
        return grouped

    def _enters(self, item: Scored) -> bool:
        return enters_follow_up(item.lead, item.result, self._follow_up)

    def _task(self, item: Scored) -> FollowUpTask:
        follow_up = self.settings.follow_up
        return build_task(
            item.lead,
            item.result,
            subject=follow_up.subject,
            priority=follow_up.priority,
            due_in_days=follow_up.due_in_days,
            zone=self.settings.zone,
        )

    @staticmethod
    def _write(item: Scored) -> ScoreWrite:
        result = item.result
        return ScoreWrite(
            item.lead.id, result.total, result.priority, result.reasons, result.scored_at
        )

    def _execute(self, report: RunReport) -> None:
        # Tasks before scores: if a run dies between the two, the next run still sees the lead
        # entering the band and retries the task (its key makes that safe).
        failed_tasks = self._create_tasks(report)
        writes = [write for write in report.writes if write.lead_id not in failed_tasks]
        for batch in _batches(writes, self.adapter.max_write_batch):
            failures = self.adapter.write_scores(batch)
            report.failures.extend(failures)
            report.written += len(batch) - len(failures)

    def _create_tasks(self, report: RunReport) -> set[str]:
        """Create the planned tasks not already in the CRM; return lead ids whose task failed."""
        existing = self.adapter.find_tasks([task.key for task in report.tasks])
        report.tasks_existing = len(existing)
        pending = [task for task in report.tasks if task.key not in existing]
        failed: set[str] = set()
        lead_of = {task.key: task.lead_id for task in pending}
        for batch in _batches(pending, self.adapter.max_write_batch):
            outcome = self.adapter.create_tasks(batch)
            report.tasks_created += len(outcome.created)
            report.failures.extend(outcome.failures)
            failed |= {lead_of.get(f.record_id, f.record_id) for f in outcome.failures}
        return failed


def _changed(item: Scored) -> bool:
    current, result = item.lead.current, item.result
    if current is None:
        return True
    return (current.score, current.priority, current.reasons) != (
        result.total,
        result.priority,
        result.reasons,
    )


def _batches(items: Sequence[_T], size: int) -> Iterable[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
