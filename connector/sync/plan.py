"""What a run writes: results that differ from the CRM, and tasks for leads entering a band."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from connector.config import FollowUpSettings
from connector.model import CurrentResult, Lead, breakdown_digest
from connector.ports import BASIC_RESULT_FIELDS, FollowUpTask, ResultFields, ScoreWrite
from connector.scoring import ScoreResult
from connector.state import TaskRecord, WrittenResult
from connector.sync.followup import build_task, task_key


@dataclass(frozen=True, slots=True)
class Scored:
    """A lead next to its new result (and its breakdown text, when the destination has one)."""

    lead: Lead
    result: ScoreResult
    breakdown: str | None = None


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


def needs_write(item: Scored, fields: ResultFields = BASIC_RESULT_FIELDS) -> bool:
    """True unless the destination already shows this result.

    The destination, not the state store, is the truth: a deleted scores.csv, a cleared CRM
    field or a new output folder shows nothing, so the result is written again. The optional
    fields count only where the destination has them; a breakdown that changed alone (new
    evidence, the same score) is written, since the card shows the evidence.
    """
    current = item.lead.current
    if current is None or current.score is None or not _shows(current, item.result):
        return True
    return not _shows_extras(current, item, fields)


def _shows(current: CurrentResult, result: ScoreResult) -> bool:
    return (current.score, current.priority, current.reasons or "") == (
        result.total,
        result.priority,
        result.reasons,
    )


def _shows_extras(current: CurrentResult, item: Scored, fields: ResultFields) -> bool:
    # The digest ignores the breakdown's scored_at, or every run would rewrite every lead.
    if fields.breakdown_length is not None and current.breakdown != breakdown_digest(
        item.breakdown or ""
    ):
        return False
    return not fields.next_change_at or _to_second(current.next_change_at) == _to_second(
        item.result.next_change_at
    )


def _to_second(moment: datetime | None) -> datetime | None:
    """To whole seconds: what every destination keeps of an instant (Salesforce drops ms)."""
    return None if moment is None else moment.astimezone(UTC).replace(microsecond=0)


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
    fields: ResultFields = BASIC_RESULT_FIELDS,
) -> Plan:
    """Diff every result against the destination's `fields`; plan tasks for band entries.

    With `rewrite`, every result is written whatever the destination shows.
    """
    writes, tasks, unchanged = [], [], []
    for item in scored:
        row = written.get(item.lead.id)
        if rewrite or needs_write(item, fields):
            writes.append(item)
        else:
            unchanged.append(item)
        if policy.enters(item, band_before(item, row)):
            key = policy.key_for(item, last_task(item.lead.id), now)
            if key is not None:
                tasks.append(policy.task(item, key))
    return Plan(writes, tasks, unchanged)


def score_write(item: Scored) -> ScoreWrite:
    """The values the CRM's result fields receive for a scored lead."""
    result = item.result
    return ScoreWrite(
        result.lead_id,
        result.total,
        result.priority,
        result.reasons,
        result.scored_at,
        breakdown=item.breakdown,
        next_change_at=result.next_change_at,
    )
