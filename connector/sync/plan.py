"""What a run writes: results that differ from the CRM, and tasks for leads entering a band."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from connector.config import FollowUpSettings
from connector.model import CurrentResult, Lead
from connector.ports import FollowUpTask, ScoreWrite
from connector.scoring import ScoreResult
from connector.state import TaskRecord, WrittenResult
from connector.sync.followup import build_task, task_key


@dataclass(frozen=True, slots=True)
class Scored:
    """A lead next to its new result."""

    lead: Lead
    result: ScoreResult


@dataclass(frozen=True, slots=True)
class Plan:
    """The writes and tasks of a run, and the results that need no write."""

    writes: list[Scored]
    tasks: list[FollowUpTask]
    unchanged: list[Scored]


def reasons_hash(reasons: str) -> str:
    """A short fingerprint of a reasons text, as the state store keeps it."""
    return hashlib.sha256(reasons.encode()).hexdigest()[:16]


def as_written(result: ScoreResult, at: datetime) -> WrittenResult:
    """The state row recording that `result` is what the CRM now shows."""
    return WrittenResult(
        lead_id=result.lead_id,
        score=result.total,
        priority=result.priority,
        reasons_hash=reasons_hash(result.reasons),
        ruleset_hash=result.ruleset_hash,
        next_change_at=result.next_change_at,
        written_at=at,
    )


def needs_write(item: Scored) -> bool:
    """True unless the destination already shows this result.

    The destination, not the state store, is the truth: a deleted scores.csv, a cleared CRM
    field or a new output folder shows nothing, so the result is written again.
    """
    current = item.lead.current
    return current is None or current.score is None or not _shows(current, item.result)


def _shows(current: CurrentResult, result: ScoreResult) -> bool:
    return (current.score, current.priority, current.reasons or "") == (
        result.total,
        result.priority,
        result.reasons,
    )


def band_before(item: Scored, written: WrittenResult | None) -> str | None:
    """The band the lead was in before this run: as last written, else as the CRM shows."""
    if written is not None:
        return written.priority
    current = item.lead.current
    return current.priority if current is not None else None


@dataclass(frozen=True, slots=True)
class TaskPolicy:
    """When a lead gets a follow-up task, and what it looks like."""

    settings: FollowUpSettings
    follow_up_bands: frozenset[str]
    zone: tzinfo

    def enters(self, item: Scored, before: str | None) -> bool:
        """True when the result is in a follow-up band and the band before was not."""
        return item.result.follow_up and before not in self.follow_up_bands

    def key_for(self, item: Scored, last: TaskRecord | None, now: datetime) -> str | None:
        """The key of the task for a lead entering its band, or None within the cooldown."""
        if last is not None and last.status == "reserved":
            return last.key  # a creation that never finished: retry it under the same key
        cooldown = timedelta(days=self.settings.cooldown_days)
        if last is not None and last.reserved_at > now - cooldown:
            return None
        return task_key(item.lead.id, now, self.zone)

    def task(self, item: Scored, key: str) -> FollowUpTask:
        """The task for `item` under `key`."""
        return build_task(
            item.lead,
            item.result,
            key=key,
            subject=self.settings.subject,
            priority=self.settings.priority,
            due_in_days=self.settings.due_in_days,
            zone=self.zone,
            fallback_owner=self.settings.fallback_owner,
        )


def plan_run(
    scored: Sequence[Scored],
    written: Mapping[str, WrittenResult],
    last_task: Callable[[str], TaskRecord | None],
    policy: TaskPolicy,
    now: datetime,
    rewrite: bool = False,
) -> Plan:
    """Diff every result against the destination; plan tasks for band entries.

    With `rewrite`, every result is written whatever the destination shows.
    """
    writes, tasks, unchanged = [], [], []
    for item in scored:
        row = written.get(item.lead.id)
        if rewrite or needs_write(item):
            writes.append(item)
        else:
            unchanged.append(item)
        if policy.enters(item, band_before(item, row)):
            key = policy.key_for(item, last_task(item.lead.id), now)
            if key is not None:
                tasks.append(policy.task(item, key))
    return Plan(writes, tasks, unchanged)


def score_write(result: ScoreResult) -> ScoreWrite:
    """The values the CRM's result fields receive for `result`."""
    return ScoreWrite(
        result.lead_id, result.total, result.priority, result.reasons, result.scored_at
    )
