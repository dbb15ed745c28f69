"""Writing to Salesforce: results by sObject Collections (or Bulk API 2.0), follow-up Tasks.

Every save answers per record (`allOrNone` off), so one rejected record becomes a
`RecordFailure` and the others go through.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from adapters.salesforce.bulk import BulkWriter
from adapters.salesforce.client import COLLECTION_LIMIT, SalesforceConnection
from adapters.salesforce.mapping import SalesforceMapping
from adapters.salesforce.read import RecordFinder
from adapters.salesforce.records import (
    LeadObjects,
    owner_refused,
    save_error,
    score_body,
    task_body,
)
from adapters.salesforce.settings import SalesforceSettings
from connector.ports import FollowUpTask, RecordFailure, ScoreWrite, TaskOutcome

#: Writes handed over in one call when Bulk API 2.0 is on (one ingest job, ~3 MB of CSV).
BULK_BATCH = 10_000


class SalesforceWriter:
    """Writes results onto the scored records and creates follow-up Tasks, idempotently."""

    def __init__(
        self,
        connection: SalesforceConnection,
        settings: SalesforceSettings,
        mapping: SalesforceMapping,
        *,
        objects: LeadObjects,
    ) -> None:
        self._connection = connection
        self._finder = RecordFinder(connection, max_url_bytes=settings.max_query_url_bytes)
        self._bulk = BulkWriter(connection, poll_seconds=settings.bulk_poll_seconds)
        self._bulk_threshold = settings.bulk_threshold
        self._mapping = mapping
        self._objects = objects

    @property
    def max_batch(self) -> int:
        """The most writes one call may carry: a bulk job's worth when Bulk API is on."""
        return BULK_BATCH if self._bulk_threshold else COLLECTION_LIMIT

    def write_scores(self, writes: Sequence[ScoreWrite]) -> list[RecordFailure]:
        """Write results: sObject Collections PATCH by 200, or Bulk API 2.0 past the threshold."""
        if self._bulk_threshold and len(writes) > self._bulk_threshold:
            return self._bulk.update(self._score_bodies(writes))
        failures: list[RecordFailure] = []
        for start in range(0, len(writes), COLLECTION_LIMIT):
            batch = writes[start : start + COLLECTION_LIMIT]
            results = self._connection.collection("PATCH", self._score_bodies(batch))
            failures += [
                RecordFailure(write.lead_id, save_error(result))
                for write, result in zip(batch, results, strict=True)
                if not result.get("success")
            ]
        return failures

    def find_tasks(self, keys: Collection[str]) -> dict[str, str]:
        """Ids of follow-up tasks already created, by the idempotency key stored on them."""
        key_field = self._mapping.tasks.key_field
        found: dict[str, str] = {}
        for record in self._finder.records("Task", ["Id", key_field], [], key_field, keys):
            found[str(record[key_field])] = str(record["Id"])
        return found

    def create_tasks(self, tasks: Sequence[FollowUpTask]) -> TaskOutcome:
        """Create Task records for the lead owners, 200 a call; failures name the task key."""
        created: dict[str, str] = {}
        failures: list[RecordFailure] = []
        for start in range(0, len(tasks), COLLECTION_LIMIT):
            batch = tasks[start : start + COLLECTION_LIMIT]
            results = self._connection.collection(
                "POST", [task_body(t, self._mapping) for t in batch]
            )
            for task, result in zip(batch, results, strict=True):
                if result.get("success"):
                    created[task.key] = str(result["id"])
                else:
                    refused = owner_refused(result)
                    failures.append(RecordFailure(task.key, save_error(result), refused))
        return TaskOutcome(created=created, failures=failures)

    def _score_bodies(self, writes: Sequence[ScoreWrite]) -> list[dict[str, Any]]:
        return [score_body(w, self._objects.of(w.lead_id), self._mapping) for w in writes]
