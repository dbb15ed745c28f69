"""Writing HubSpot: result properties by batch update, follow-up tasks by batch create."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import tzinfo

from adapters.hubspot.client import HubSpotCalls, HubSpotRequestError, Json
from adapters.hubspot.mapping import HubSpotMapping
from adapters.hubspot.records import score_input, task_input
from adapters.hubspot.search import BATCH_LIMIT, chunks, search_all, search_filter
from connector.errors import FatalCrmError
from connector.ports import FollowUpTask, RecordFailure, ScoreWrite, TaskOutcome


class HubSpotWriter:
    """Writes results onto contacts and creates tasks; per-record failures are mapped back."""

    def __init__(self, *, calls: HubSpotCalls, mapping: HubSpotMapping, timezone: tzinfo) -> None:
        self._calls = calls
        self._results = mapping.results
        self._timezone = timezone
        self._task_association: Json | None = None

    def write_scores(self, writes: Sequence[ScoreWrite]) -> list[RecordFailure]:
        """Write results with batch update, 100 a call; failures are mapped back per contact."""
        failures: list[RecordFailure] = []
        for chunk in chunks(writes, BATCH_LIMIT):
            failures.extend(self._update([score_input(write, self._results) for write in chunk]))
        return failures

    def _update(self, inputs: list[Json]) -> list[RecordFailure]:
        """One batch update; a rejected batch is split in halves to isolate the records at fault.

        HubSpot rejects a whole batch for one bad input, so halving finds the culprits in
        log2(100) rounds while the good records still get written.
        """
        try:
            body = self._calls.sdk_read(
                self._calls.sdk.batch.update, "contacts", {"inputs": inputs}
            )
        except HubSpotRequestError as error:
            if "PROPERTY_DOESNT_EXIST" in str(error.body):
                raise FatalCrmError(f"{error}. Run `leadscore setup` first.") from error
            if len(inputs) == 1:
                return [RecordFailure(str(inputs[0]["id"]), str(error))]
            half = len(inputs) // 2
            return self._update(inputs[:half]) + self._update(inputs[half:])
        return _missing(inputs, body)

    def find_tasks(self, keys: Collection[str]) -> dict[str, str]:
        """Tasks already created for these keys (searched on their `leadscore_task_key`).

        HubSpot's search index lags writes by seconds; a crash and a retry within that
        lag can still duplicate a task.
        """
        key_property = self._results.task_key
        found: dict[str, str] = {}
        for chunk in chunks(sorted(set(keys)), BATCH_LIMIT):
            wanted = [search_filter(key_property, "IN", chunk)]
            for row in search_all(self._calls, "tasks", wanted, [key_property]):
                found.setdefault(str(row["properties"][key_property]), str(row["id"]))
        return found

    def create_tasks(self, tasks: Sequence[FollowUpTask]) -> TaskOutcome:
        """Create follow-up tasks for the contacts' owners, associated to the contact."""
        created: dict[str, str] = {}
        failures: list[RecordFailure] = []
        for chunk in chunks(tasks, BATCH_LIMIT):
            outcome = self._create_chunk(chunk)
            created.update(outcome.created)
            failures.extend(outcome.failures)
        return TaskOutcome(created=created, failures=failures)

    def _create_chunk(self, tasks: list[FollowUpTask]) -> TaskOutcome:
        association = self._task_to_contact_type()
        inputs = [task_input(task, self._results, self._timezone, association) for task in tasks]
        body = self._calls.sdk_call(self._calls.sdk.batch.create, "tasks", {"inputs": inputs})
        key_property = self._results.task_key
        created = {
            str(row["properties"][key_property]): str(row["id"]) for row in body.get("results", [])
        }
        errors = failed_ids(body)
        failures = [
            RecordFailure(task.key, errors.get(task.key, "HubSpot did not create the task"))
            for task in tasks
            if task.key not in created
        ]
        return TaskOutcome(created=created, failures=failures)

    def _task_to_contact_type(self) -> Json:
        """The task-to-contact association type, looked up once (HubSpot-defined, unlabelled)."""
        if self._task_association is None:
            labels = self._calls.sdk.association_labels.get_all
            body = self._calls.sdk_call(labels, "tasks", "contacts")
            self._task_association = default_association(body)
        return self._task_association


def default_association(body: Json) -> Json:
    """The HubSpot-defined association type without a label, from a labels answer."""
    for label in body.get("results", []):
        if label.get("category") == "HUBSPOT_DEFINED" and not label.get("label"):
            return {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": label["typeId"]}
    raise FatalCrmError("HubSpot has no default task-to-contact association type.")


def failed_ids(body: Json) -> dict[str, str]:
    """Ids named in a batch answer's per-record errors, with their messages."""
    failures: dict[str, str] = {}
    for error in body.get("errors", []):
        message = str(error.get("message") or error.get("category") or "rejected")
        for values in (error.get("context") or {}).values():
            for value in values if isinstance(values, list) else [values]:
                failures[str(value)] = message
    return failures


def _missing(inputs: list[Json], body: Json) -> list[RecordFailure]:
    """Inputs a batch answer did not return, with the message of their error."""
    done = {str(row.get("id")) for row in body.get("results", [])}
    errors = failed_ids(body)
    return [
        RecordFailure(str(item["id"]), errors.get(str(item["id"]), "HubSpot did not update it"))
        for item in inputs
        if str(item["id"]) not in done
    ]
