"""What this process's scheduled runs did: the `run finished` log fields and the /metrics counts."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Budget:
    """A CRM's API allowance as it last reported it (Salesforce: Sforce-Limit-Info)."""

    remaining: int
    limit: int


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """One scheduled run, as logged in its `run finished` event."""

    run_id: int | None
    trigger: str
    status: str
    mode: str | None
    started_at: datetime
    duration_seconds: float
    written: int
    failed: int
    api_calls: int
    budget: dict[str, Budget] = field(default_factory=dict)
    error: str | None = None

    def log_fields(self) -> dict[str, Any]:
        """The event's fields: run id, trigger, status, duration, leads written, and the rest."""
        fields: dict[str, Any] = {
            "run_id": self.run_id,
            "trigger": self.trigger,
            "status": self.status,
            "mode": self.mode,
            "duration_seconds": round(self.duration_seconds, 3),
            "leads_written": self.written,
            "leads_failed": self.failed,
            "api_calls": self.api_calls,
        }
        if self.budget:
            fields["api_remaining"] = {crm: b.remaining for crm, b in self.budget.items()}
        if self.error is not None:
            fields["error"] = self.error
        return fields


class RunStats:
    """Counts of this process's runs and skipped ticks, and the last API budget each CRM told."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.runs: Counter[tuple[str, str]] = Counter()
        self.skips: Counter[str] = Counter()
        self.budget: dict[str, Budget] = {}

    def record(self, outcome: RunOutcome) -> None:
        """Count a finished run, and keep the budget it saw."""
        with self._lock:
            self.runs[(outcome.trigger, outcome.status)] += 1
            self.budget.update(outcome.budget)

    def skipped(self, trigger: str) -> None:
        """Count a tick left to another process."""
        with self._lock:
            self.skips[trigger] += 1

    def snapshot(self) -> tuple[dict[tuple[str, str], int], dict[str, int], dict[str, Budget]]:
        """Copies of the run counts, the skip counts and the budgets, taken together."""
        with self._lock:
            return dict(self.runs), dict(self.skips), dict(self.budget)


def api_budget(crm: str, adapter: object | None) -> dict[str, Budget]:
    """The allowance the adapter last saw, where it tracks one (`budget.remaining`/`.total`).

    Salesforce does (the Sforce-Limit-Info header of every answer); the HubSpot and
    local-files adapters do not, so nothing is reported for them.
    """
    budget = getattr(adapter, "budget", None)
    remaining, total = getattr(budget, "remaining", None), getattr(budget, "total", None)
    if isinstance(remaining, int) and isinstance(total, int):
        return {crm: Budget(remaining, total)}
    return {}
