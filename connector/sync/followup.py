"""Follow-up tasks: who enters a follow-up band, and the task the owner gets for it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, tzinfo

from connector.model import Lead
from connector.ports import FollowUpTask
from connector.scoring import Band, ScoreResult


class _Blank(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return ""


def follow_up_labels(bands: list[Band]) -> frozenset[str]:
    """Labels of the bands that demand a follow-up."""
    return frozenset(band.label for band in bands if band.follow_up)


def task_key(lead_id: str, now: datetime, zone: tzinfo) -> str:
    """A deterministic key: one task per lead per local day, whatever reruns or crashes do."""
    return f"leadscore:{lead_id}:{now.astimezone(zone).date().isoformat()}"


def build_task(
    lead: Lead,
    result: ScoreResult,
    *,
    key: str,
    subject: str,
    priority: str,
    due_in_days: int,
    zone: tzinfo,
    fallback_owner: str | None = None,
) -> FollowUpTask:
    """The follow-up task for `lead`, assigned to its owner, explaining the score."""
    values: Mapping[str, object] = _Blank(
        lead.attributes, score=result.total, priority=result.priority, lead_id=lead.id
    )
    local_now = result.scored_at.astimezone(zone)
    return FollowUpTask(
        key=key,
        lead_id=lead.id,
        owner=lead.owner or fallback_owner,
        subject=subject.format_map(values),
        description=f"{result.total} ({result.priority}): {result.reasons}",
        due_date=(local_now + timedelta(days=due_in_days)).date(),
        priority=priority,
    )
