"""Creating a run's follow-up tasks exactly once, and what to do when the owner cannot take one.

A task is reserved in the state before the CRM call and looked up by its key afterwards, so a
crash anywhere never yields a second task. A task the CRM refuses because of its owner (an
inactive user, a queue) goes to `[follow_up] fallback_owner` once; if there is none, or the
fallback is refused too, the task is marked refused and not retried, and the lead's score is
written all the same: a sales manager would rather see the score than nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime

from connector.ports import Adapter, FollowUpTask, RecordFailure
from connector.state import StateStore
from connector.sync.report import RunReport

TASK = "task"


class TaskCreator:
    """Reserves, looks up and creates one run's tasks; tells which scores must wait."""

    def __init__(
        self,
        adapter: Adapter,
        store: StateStore,
        clock: Callable[[], datetime],
        fallback_owner: str | None,
    ) -> None:
        self.adapter = adapter
        self.store = store
        self.clock = clock
        self.fallback_owner = fallback_owner

    def create(self, tasks: Sequence[FollowUpTask], report: RunReport) -> set[str]:
        """Create the planned tasks exactly once; the lead ids whose score must wait a retry."""
        for task in tasks:
            # Reserved at the as-of instant: the cooldown is counted on the same clock as keys.
            self.store.reserve_task(task.key, task.lead_id, report.request.now)
        existing = self.adapter.find_tasks([task.key for task in tasks]) if tasks else {}
        for key, crm_id in existing.items():
            self.store.mark_task_created(key, crm_id, self.clock())
        report.tasks_existing = len(existing)
        pending = [task for task in tasks if task.key not in existing]
        held: set[str] = set()
        for start in range(0, len(pending), self.adapter.max_write_batch):
            held |= self._create_batch(
                pending[start : start + self.adapter.max_write_batch], report
            )
        return held

    def _create_batch(self, batch: Sequence[FollowUpTask], report: RunReport) -> set[str]:
        """One batch; tasks refused for their owner go once to the fallback owner."""
        failures = self._send(batch, report)
        refused_owner = {failure.record_id for failure in failures if failure.owner_refused}
        retry = [
            self._to_fallback(t) for t in batch if t.key in refused_owner and self._falls_back(t)
        ]
        if retry:
            retried = {task.key for task in retry}
            failures = [f for f in failures if f.record_id not in retried]
            failures += self._send(retry, report)
        return self._settle(failures, {task.key: task.lead_id for task in batch}, report)

    def _falls_back(self, task: FollowUpTask) -> bool:
        return self.fallback_owner is not None and task.owner != self.fallback_owner

    def _to_fallback(self, task: FollowUpTask) -> FollowUpTask:
        return replace(task, owner=self.fallback_owner)

    def _send(self, tasks: Sequence[FollowUpTask], report: RunReport) -> list[RecordFailure]:
        """Create `tasks` in the CRM, record those created; the failures."""
        outcome = self.adapter.create_tasks(tasks)
        for key, crm_id in outcome.created.items():
            self.store.mark_task_created(key, crm_id, self.clock())
        self.store.clear_failures(TASK, list(outcome.created))
        report.tasks_created += len(outcome.created)
        return list(outcome.failures)

    def _settle(
        self, failures: list[RecordFailure], lead_of: dict[str, str], report: RunReport
    ) -> set[str]:
        """Report every failure: owner refusals are final, the others wait with their score."""
        final = [f for f in failures if f.owner_refused and f.record_id in lead_of]
        for failure in final:
            self.store.mark_task_refused(failure.record_id)
        self.store.clear_failures(TASK, [failure.record_id for failure in final])
        waiting = [f for f in failures if f not in final]
        self.store.record_failures(TASK, {f.record_id: f.message for f in waiting}, self.clock())
        report.failures.extend([*(self._explained(f) for f in final), *waiting])
        return {lead_of.get(failure.record_id, failure.record_id) for failure in waiting}

    def _explained(self, failure: RecordFailure) -> RecordFailure:
        hint = (
            f"the fallback owner {self.fallback_owner} was refused too"
            if self.fallback_owner
            else "set [follow_up] fallback_owner to give such tasks to someone"
        )
        message = f"{failure.message}; the score was written, the task is not retried ({hint})"
        return replace(failure, message=message)
