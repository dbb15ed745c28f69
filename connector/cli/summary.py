"""Run reports as JSON-ready dicts: the `--json` output of sync and explain."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from connector.ports import FollowUpTask
from connector.scoring import ScoreResult
from connector.sync import RunReport

Json = dict[str, Any]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def run_summary(report: RunReport) -> Json:
    """One JSON object summarising a sync run (counts, api_calls, errors, problems)."""
    request = report.request
    summary: Json = {
        "command": "sync",
        "as_of": _iso(request.now),
        "dry_run": request.dry_run,
        "mode": report.mode,
        "ruleset_hash": report.ruleset_hash,
        "counts": report.counts(),
        "by_priority": report.by_priority(),
        "api_calls": report.api_calls,
        "errors": [{"record_id": f.record_id, "message": f.message} for f in report.failures],
        "problems": [vars_of(problem) for problem in report.problems],
        "warnings": report.warnings,
        "top": [_lead_line(item.result) for item in report.top()],
    }
    if request.dry_run:
        summary["planned"] = {
            "writes": [_write(item.result) for item in report.writes],
            "tasks": [_task(task) for task in report.tasks],
        }
    return summary


def vars_of(problem: object) -> dict[str, str]:
    """A slotted dataclass as a dict of its text fields."""
    names = getattr(problem, "__slots__", ())
    return {name: str(getattr(problem, name)) for name in names}


def _lead_line(result: ScoreResult) -> Json:
    return {
        "lead_id": result.lead_id,
        "score": result.total,
        "priority": result.priority,
        "reasons": result.reasons,
    }


def _write(result: ScoreResult) -> Json:
    return {
        "lead_id": result.lead_id,
        "score": result.total,
        "priority": result.priority,
        "reasons": result.reasons,
        "scored_at": _iso(result.scored_at),
    }


def _task(task: FollowUpTask) -> Json:
    return {
        "key": task.key,
        "lead_id": task.lead_id,
        "owner": task.owner,
        "subject": task.subject,
        "due_date": task.due_date.isoformat(),
        "priority": task.priority,
    }


def explanation(result: ScoreResult) -> Json:
    """Every rule that gave the lead points, with the total, band and next change."""
    return {
        "command": "explain",
        "lead_id": result.lead_id,
        "as_of": _iso(result.scored_at),
        "total": result.total,
        "fit": result.fit,
        "engagement": result.engagement,
        "priority": result.priority,
        "follow_up": result.follow_up,
        "reasons": result.reasons,
        "next_change_at": _iso(result.next_change_at),
        "ruleset_hash": result.ruleset_hash,
        "contributions": [
            {
                "rule_id": c.rule_id,
                "label": c.label,
                "points": c.points,
                "dimension": c.dimension,
                "measure": c.measure,
                "until": _iso(c.until),
                "evidence": list(c.evidence),
            }
            for c in result.contributions
        ],
    }
