"""The fake org's Bulk API 2.0 ingest: jobs take a CSV, run on close, report failed rows.

As documented: a job that ends `Failed` (a batch retried 20 times, a limit) or `Aborted`
(by a user) has processed some rows; `failedResults/` lists the processed rows that
failed, `unprocessedrecords/` the rows never processed (their original columns).
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from collections.abc import Callable
from typing import Any

import httpx

#: Applies one update (a Collections-shaped record) and returns its SaveResult.
Update = Callable[[dict[str, Any]], dict[str, Any]]


class FakeBulk:
    """Ingest jobs: create, upload the CSV, PATCH UploadComplete (runs it), poll, failures."""

    def __init__(self, update: Update) -> None:
        self._update = update
        self._jobs: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(1)
        self.polls_in_progress = 0  # polls answered InProgress before a job completes
        self.end_state = "JobComplete"  # or "Failed" / "Aborted" after `processed_before_end`
        self.processed_before_end = 0

    def handle(self, method: str, rest: str, request: httpx.Request) -> httpx.Response:
        """Serve `jobs/ingest[/<id>[/<part>]]`."""
        if method == "POST" and not rest:
            return self._create(json.loads(request.content))
        job_id, _, part = rest.partition("/")
        job = self._jobs[job_id]
        if method == "PUT" and part == "batches":
            job["csv"] = request.content.decode()
            return httpx.Response(201)
        if method == "PATCH":
            self._run(job)
            job["polls_left"], job["state"] = self.polls_in_progress, "UploadComplete"
        elif method == "GET" and not part and job.get("polls_left"):
            job["polls_left"], job["state"] = job["polls_left"] - 1, "InProgress"
        elif method == "GET" and not part:
            job["state"] = job["end_state"]
        if part.startswith("failedResults"):
            return httpx.Response(200, text=_failed_csv(job["failed"]))
        if part.startswith("unprocessedrecords"):
            return httpx.Response(200, text=_rows_csv(job["unprocessed"]))
        return httpx.Response(200, json=_info(job))

    def _create(self, spec: dict[str, Any]) -> httpx.Response:
        job_id = f"750{next(self._ids):015d}"
        self._jobs[job_id] = {
            **spec,
            "id": job_id,
            "state": "Open",
            "failed": [],
            "unprocessed": [],
            "end_state": self.end_state,
        }
        return httpx.Response(200, json=_info(self._jobs[job_id]))

    def _run(self, job: dict[str, Any]) -> None:
        rows = list(csv.DictReader(io.StringIO(job.get("csv", ""))))
        if job["end_state"] != "JobComplete":
            rows, job["unprocessed"] = (
                rows[: self.processed_before_end],
                rows[self.processed_before_end :],
            )
            job["errorMessage"] = f"{job['end_state']}: the job stopped before its end"
        for row in rows:
            # An empty cell leaves the field as it is; #N/A empties it.
            values = {k: _value(v) for k, v in row.items() if k != "Id" and v != ""}
            record = {"attributes": {"type": job["object"]}, "id": row["Id"], **values}
            result = self._update(record)
            if not result["success"]:
                job["failed"].append((row, result["errors"][0]["message"]))
        job["numberRecordsProcessed"], job["numberRecordsFailed"] = len(rows), len(job["failed"])


def _info(job: dict[str, Any]) -> dict[str, Any]:
    hidden = ("failed", "unprocessed", "csv", "polls_left", "end_state")
    return {k: v for k, v in job.items() if k not in hidden}


def _value(text: str) -> Any:
    if text == "#N/A":
        return None
    return float(text) if re.fullmatch(r"-?\d+(\.\d+)?", text) else text


def _failed_csv(failed: list[tuple[dict[str, str], str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["sf__Id", "sf__Error", "Id"])
    for row, message in failed:
        writer.writerow([row["Id"], message, row["Id"]])
    return out.getvalue()


def _rows_csv(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return out.getvalue()
