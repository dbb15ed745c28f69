"""Bulk API 2.0 ingest for large score writes: one job per object, CSV up, failures back.

Salesforce advises Bulk API for more than 2,000 records: four or five calls a job instead
of one per 200 records. A job that ends `Failed` or `Aborted` may have written part of its
rows: those that failed (`failedResults/`) and those never processed (`unprocessedrecords/`)
are reported, so the next run retries exactly them.
"""

from __future__ import annotations

import csv
import io
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from adapters.salesforce.client import SalesforceConnection
from connector.errors import RetriableCrmError
from connector.ports import RecordFailure

_DONE = frozenset({"JobComplete", "Failed", "Aborted"})


class BulkWriter:
    """Updates records through Bulk API 2.0 ingest jobs and maps failures back per record."""

    def __init__(
        self,
        connection: SalesforceConnection,
        *,
        poll_seconds: float = 2.0,
        max_wait_seconds: float = 1800.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._connection = connection
        self._poll_seconds = poll_seconds
        self._max_polls = max(int(max_wait_seconds / max(poll_seconds, 1.0)), 1)
        self._sleep = sleep

    def update(self, records: Sequence[dict[str, Any]]) -> list[RecordFailure]:
        """Update `records` (Collections-shaped bodies), one job per sObject type."""
        by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for record in records:
            by_type[record["attributes"]["type"]].append(record)
        failures: list[RecordFailure] = []
        for sobject, rows in by_type.items():
            failures += self._job(sobject, rows)
        return failures

    def _job(self, sobject: str, rows: list[dict[str, Any]]) -> list[RecordFailure]:
        job = self._connection.rest(
            "jobs/ingest",
            method="POST",
            json={
                "object": sobject,
                "operation": "update",
                "contentType": "CSV",
                "lineEnding": "LF",
            },
        )
        job_path = f"jobs/ingest/{job['id']}"
        self._connection.raw(
            f"{job_path}/batches", method="PUT", body=to_csv(rows), content_type="text/csv"
        )
        self._connection.rest(job_path, method="PATCH", json={"state": "UploadComplete"})
        state = self._wait(job_path)
        if state["state"] == "JobComplete":
            # numberRecordsFailed = 0: nothing to fetch, one call saved per clean job.
            return self._failed(job_path) if state.get("numberRecordsFailed", 1) else []
        message = f"bulk job {state['state']}: {state.get('errorMessage') or 'no message'}"
        return [*self._failed(job_path), *self._unprocessed(job_path, message)]

    def _wait(self, job_path: str) -> dict[str, Any]:
        for _ in range(self._max_polls):
            state: dict[str, Any] = self._connection.rest(job_path)
            if state["state"] in _DONE:
                return state
            self._sleep(self._poll_seconds)
        raise RetriableCrmError(f"Salesforce bulk job {job_path} did not finish in time")

    def _failed(self, job_path: str) -> list[RecordFailure]:
        """Rows the job processed and the org refused (`sf__Error`)."""
        return [
            RecordFailure(row.get("Id") or row.get("sf__Id") or "?", row.get("sf__Error") or "")
            for row in self._csv(f"{job_path}/failedResults/")
        ]

    def _unprocessed(self, job_path: str, message: str) -> list[RecordFailure]:
        """Rows a failed or aborted job never reached (their uploaded columns)."""
        rows = self._csv(f"{job_path}/unprocessedrecords/")
        return [RecordFailure(row["Id"], message) for row in rows if row.get("Id")]

    def _csv(self, path: str) -> list[dict[str, str]]:
        answer = self._connection.raw(path)
        return list(csv.DictReader(io.StringIO(answer.content.decode("utf-8"))))


def _cell(value: Any) -> Any:
    # An empty cell leaves the field unchanged in Bulk API; #N/A is how a CSV sets it to null.
    return "#N/A" if value is None or value == "" else value


def to_csv(rows: Sequence[dict[str, Any]]) -> bytes:
    """Collections-shaped records as a Bulk API 2.0 CSV upload (header `Id,<fields>`)."""
    fields = [name for name in rows[0] if name not in ("attributes", "id")]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["Id", *fields])
    for row in rows:
        writer.writerow([row["id"], *(_cell(row.get(name)) for name in fields)])
    return out.getvalue().encode("utf-8")
