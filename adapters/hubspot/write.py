"""Writing HubSpot: result properties by batch update, follow-up tasks by batch create."""

from __future__ import annotations

import itertools
from collections.abc import Collection, Sequence
from datetime import tzinfo
from typing import TypeVar

from adapters.hubspot.client import HubSpotCalls, HubSpotRequestError, Json
from adapters.hubspot.mapping import HubSpotMapping
from adapters.hubspot.records import (
    is_owner_refusal,
    score_input,
    task_input,
    validation_results,
)
from adapters.hubspot.search import (
    BATCH_LIMIT,
    OwnWrites,
    batch_read,
    chunks,
    search_all,
    search_filter,
)
from connector.errors import FatalCrmError
from connector.ports import FollowUpTask, RecordFailure, ScoreWrite, TaskOutcome

T = TypeVar("T")
Refusal = HubSpotRequestError
#: Isolation calls (splitting refused batches) one run may spend: HubSpot asks integrations
#: to keep errors under 5% of their requests; past this, refused batches are reported whole.
ISOLATION_CALLS_PER_RUN = 200


class HubSpotWriter:
    """Writes results onto contacts and creates tasks; per-record failures are mapped back."""

    def __init__(
        self, *, calls: HubSpotCalls, mapping: HubSpotMapping, timezone: tzinfo,
        own_writes: OwnWrites,
    ) -> None:  # fmt: skip
        self._calls = calls
        self._own_writes = own_writes
        self._results = mapping.results
        self._timezone = timezone
        self._task_association: Json | None = None
        # The adapter lives for one run (one CLI command), so this is a per-run budget.
        self._isolation_budget = ISOLATION_CALLS_PER_RUN
        self._search_task_keys = False

    def write_scores(self, writes: Sequence[ScoreWrite]) -> list[RecordFailure]:
        """Write results with batch update, 100 a call; failures are mapped back per contact."""
        failures: list[RecordFailure] = []
        for chunk in chunks(writes, BATCH_LIMIT):
            failures.extend(self._update([score_input(write, self._results) for write in chunk]))
        return failures

    def _update(self, inputs: list[Json]) -> list[RecordFailure]:
        """One batch update; a batch refused as a whole is searched for the records at fault."""
        failures, error = self._try_update(inputs)
        return failures if error is None else self._isolate(inputs, error, first=True)

    def _try_update(self, inputs: list[Json]) -> tuple[list[RecordFailure], Refusal | None]:
        """One batch update call: its per-record failures, or the refusal of the whole batch."""
        try:
            body = self._calls.sdk_read(
                self._calls.sdk.batch.update, "contacts", {"inputs": inputs}
            )
        except HubSpotRequestError as error:
            self._stop_if_about_a_property(error)
            return [], error
        self._own_writes.record(body)
        return _missing(inputs, body), None

    def _isolate(self, inputs: list[Json], error: Refusal, *, first: bool) -> list[RecordFailure]:
        """Split a refused batch to find the records at fault, so the good ones get written.

        HubSpot refuses a whole batch for one bad input. The first split is in quarters: when
        all four are refused alike, the refusal is about a property, not the records, and the
        run stops after 5 calls instead of ~2 per contact. Then halves, log2(100) rounds,
        within a per-run budget that keeps errors a small share of the calls.
        """
        if len(inputs) == 1:
            return [RecordFailure(str(inputs[0]["id"]), str(error))]
        parts = _split(inputs, 4 if first and len(inputs) >= 4 else 2)
        if self._isolation_budget < len(parts):
            reason = f"{error} (not isolated: too many refused batches in this run)"
            return [RecordFailure(str(item["id"]), reason) for item in inputs]
        self._isolation_budget -= len(parts)
        outcomes = [self._try_update(part) for part in parts]
        if len(parts) == 4 and all(_alike(refusal, error) for _, refusal in outcomes):
            raise FatalCrmError(_property_level(error))
        failures: list[RecordFailure] = []
        for part, (part_failures, refusal) in zip(parts, outcomes, strict=True):
            failures += (
                part_failures if refusal is None else self._isolate(part, refusal, first=False)
            )
        return failures

    def _stop_if_about_a_property(self, error: HubSpotRequestError) -> None:
        """Refusals no record can fix (a property missing or misdefined) stop the run."""
        if "PROPERTY_DOESNT_EXIST" in str(error.body):
            raise FatalCrmError(f"{error}. Run `leadscore setup` first.") from error
        names = self._results.written()
        for result in validation_results(str(error.body.get("message") or "")):
            if result.get("error") == "INVALID_OPTION" and result.get("name") in names:
                raise FatalCrmError(
                    f"HubSpot refuses the values leadscore writes to the contact property"
                    f" {result['name']}: {result.get('message')}. Its type is wrong for"
                    f" leadscore (a dropdown without the band labels): run `leadscore check`,"
                    f" then make {result['name']} single-line text or add the labels as options."
                ) from error

    def find_tasks(self, keys: Collection[str]) -> dict[str, str]:
        """Tasks already created for these keys, read back by their `leadscore_task_key`.

        `leadscore setup` makes the key a unique-value property, so tasks are batch read by
        it (`idProperty`), which does not wait for the search index: a task whose create
        answer was lost is found by a rerun a second later. A portal whose key property is
        not unique (set up by an older leadscore; `check` says so) is searched instead,
        whose index lags creation by seconds.
        """
        wanted = sorted(set(keys))
        if not self._search_task_keys:
            try:
                return self._read_tasks_by_key(wanted)
            except HubSpotRequestError as error:
                if error.status != 400:
                    raise
                self._search_task_keys = True
        return self._search_tasks_by_key(wanted)

    def _read_tasks_by_key(self, keys: list[str]) -> dict[str, str]:
        key_property = self._results.task_key
        rows = batch_read(self._calls, "tasks", keys, [key_property], id_property=key_property)
        return {str(row["properties"][key_property]): str(row["id"]) for row in rows}

    def _search_tasks_by_key(self, keys: list[str]) -> dict[str, str]:
        key_property = self._results.task_key
        found: dict[str, str] = {}
        for chunk in chunks(keys, BATCH_LIMIT):
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
        """One batch create; a batch refused as a whole (nothing was created) is halved."""
        association = self._task_to_contact_type()
        inputs = [task_input(task, self._results, self._timezone, association) for task in tasks]
        try:
            body = self._calls.sdk_call(self._calls.sdk.batch.create, "tasks", {"inputs": inputs})
        except HubSpotRequestError as error:
            if "PROPERTY_DOESNT_EXIST" in str(error.body):
                raise FatalCrmError(f"{error}. Run `leadscore setup` first.") from error
            if len(tasks) == 1:
                return TaskOutcome(failures=[_task_failure(tasks[0].key, str(error))])
            halves = [self._create_chunk(half) for half in _split(tasks, 2)]
            created = {key: crm_id for half in halves for key, crm_id in half.created.items()}
            return TaskOutcome(created, [failure for half in halves for failure in half.failures])
        key_property = self._results.task_key
        created = {
            str(row["properties"][key_property]): str(row["id"]) for row in body.get("results", [])
        }
        errors = failed_ids(body)
        failures = [
            _task_failure(task.key, errors.get(task.key, "HubSpot did not create the task"))
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


def _task_failure(key: str, message: str) -> RecordFailure:
    """A refused task, flagged when HubSpot refused its owner (a fallback owner may take it)."""
    return RecordFailure(key, message, owner_refused=is_owner_refusal(message))


def _split(items: list[T], parts: int) -> list[list[T]]:
    """`items` in `parts` consecutive, nearly equal, non-empty slices."""
    size, extra = divmod(len(items), parts)
    bounds = [index * size + min(index, extra) for index in range(parts + 1)]
    return [items[start:end] for start, end in itertools.pairwise(bounds) if end > start]


def _signature(error: Refusal) -> tuple[int, str]:
    """What a refusal says, without the record it was about."""
    return error.status, str(error.body.get("message") or "")


def _alike(refusal: Refusal | None, first: Refusal) -> bool:
    return refusal is not None and _signature(refusal) == _signature(first)


def _property_level(error: Refusal) -> str:
    """The message of a run stopped because every record of a batch was refused alike."""
    names = sorted({str(r.get("name")) for r in validation_results(_signature(error)[1])})
    subject = f"the contact property {', '.join(names)}" if names else "a result property"
    return (
        f"HubSpot refused every record of a batch alike ({error}): this is about {subject},"
        " not the records. Run `leadscore check`, fix the property in HubSpot, then rerun."
    )


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
