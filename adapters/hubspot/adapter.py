"""The HubSpot adapter: contacts are leads; results go to contact properties and tasks.

Split by concern: settings and mapping in `hubspot_config`, the SDK bridge and error
translation in `hubspot_api`, object reads in `hubspot_objects`, activity sources in
`hubspot_activities`, `check` and `setup` in `hubspot_setup`.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

from adapters.hubspot.admin import check_hubspot, setup_hubspot
from adapters.hubspot.client import Clock, HubSpotCalls, HubSpotRequestError, Json, Sleep
from adapters.hubspot.mapping import HubSpotMapping, load_hubspot_mapping
from adapters.hubspot.read import ActivityReader
from adapters.hubspot.records import epoch_ms, score_input, task_input, to_lead
from adapters.hubspot.search import (
    BATCH_LIMIT,
    batch_read,
    chunks,
    failed_ids,
    search_all,
    search_filter,
)
from adapters.hubspot.settings import HubSpotSettings
from connector.errors import ConfigError, FatalCrmError
from connector.http import IDEMPOTENT_METHODS, CallMeter, RateLimiter, make_client
from connector.model import Activity, Lead
from connector.ports import (
    CheckItem,
    FollowUpTask,
    ProblemSink,
    RecordFailure,
    ScoreWrite,
    TaskOutcome,
)

__all__ = [
    "HubSpotAdapter",
    "HubSpotMapping",
    "HubSpotSettings",
    "build_hubspot_adapter",
    "check_hubspot",
    "load_hubspot_mapping",
    "setup_hubspot",
]

#: How long rows found by `changed_lead_ids` may stand in for a read of the same contacts.
#: A change in between is not lost: it is after the next run's cursor.
_CHANGED_ROWS_TTL = 300.0


class HubSpotAdapter:
    """Reads HubSpot contacts and their activities; writes results and follow-up tasks."""

    max_write_batch = BATCH_LIMIT
    #: One httpx client, thread-safe limiters and meter: reads may overlap, which lets the
    #: search endpoint's 5/s run alongside the app's other calls.
    concurrent_reads = True

    def __init__(
        self,
        *,
        settings: HubSpotSettings,
        mapping: HubSpotMapping,
        client: httpx.Client,
        on_problem: ProblemSink,
        timezone: tzinfo,
        sleep: Sleep = time.sleep,
        clock: Clock = time.monotonic,
        meter: CallMeter | None = None,
    ) -> None:
        if settings.access_token is None:
            raise ConfigError("LEADSCORE_HUBSPOT__ACCESS_TOKEN is not set (a private app token).")
        self.settings = settings
        self.mapping = mapping
        self.timezone = timezone
        self.calls = HubSpotCalls(
            client=client, base_url=settings.base_url,
            access_token=settings.access_token.get_secret_value(),
            search_rate_per_s=settings.search_rate_per_s,
            rate_limit_retries=settings.rate_limit_retries, sleep=sleep, clock=clock,
        )  # fmt: skip
        self.activities = ActivityReader(
            calls=self.calls, mapping=mapping, events_api=settings.events_api,
            on_problem=on_problem,
        )  # fmt: skip
        self._task_association: Json | None = None
        self._meter = meter
        self._client = client
        self._clock = clock
        self._changed_rows: dict[str, Json] = {}
        self._changed_at = 0.0

    @property
    def cursor_lag(self) -> timedelta:
        """The search index's lag behind writes: the next cursor starts this far back."""
        return timedelta(seconds=self.settings.search_lag_seconds)

    @property
    def api_calls(self) -> int:
        """HubSpot calls so far, retries included (the transport's meter when there is one)."""
        return self._meter.calls if self._meter is not None else self.calls.sent

    # --- reading --------------------------------------------------------------------------

    def read_leads(self, ids: Collection[str] | None = None) -> Iterator[Lead]:
        """Contacts as leads (all of them when `ids` is None), with their current results."""
        properties = self.mapping.contact_properties()
        if ids is None:
            rows: Iterable[Json] = search_all(self.calls, "contacts", [], properties)
        else:
            fresh = self._take_changed_rows(ids)
            missing = set(ids) - fresh.keys()
            rows = [*fresh.values(), *batch_read(self.calls, "contacts", missing, properties)]
        for row in rows:
            yield to_lead(row, self.mapping)

    def changed_lead_ids(self, since: datetime) -> set[str]:
        """Contacts modified at or after `since`, and contacts with activities since then.

        The search already returns the mapped properties: the `read_leads` that follows
        within a few minutes takes those rows instead of reading the contacts again.
        """
        modified = search_filter("lastmodifieddate", "GTE", epoch_ms(since))
        properties = self.mapping.contact_properties()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="hubspot") as pool:
            active = pool.submit(self.activities.active_lead_ids, since)
            rows = list(search_all(self.calls, "contacts", [modified], properties))
            self._changed_rows = {str(row["id"]): row for row in rows}
            self._changed_at = self._clock()
            return set(self._changed_rows) | active.result()

    def _take_changed_rows(self, ids: Collection[str]) -> dict[str, Json]:
        """Rows the last `changed_lead_ids` returned for these ids, if recent; used once."""
        rows, self._changed_rows = self._changed_rows, {}
        if self._clock() - self._changed_at > _CHANGED_ROWS_TTL:
            return {}
        return {record_id: rows[record_id] for record_id in ids if record_id in rows}

    def read_activities(
        self, lead_ids: Collection[str] | None, occurred_after: datetime
    ) -> Iterator[Activity]:
        """Activities from every source the mapping declares, after `occurred_after`."""
        return self.activities.read(lead_ids, occurred_after)

    # --- writing --------------------------------------------------------------------------

    def write_scores(self, writes: Sequence[ScoreWrite]) -> list[RecordFailure]:
        """Write results with batch update, 100 a call; failures are mapped back per contact."""
        failures: list[RecordFailure] = []
        for chunk in chunks(writes, BATCH_LIMIT):
            inputs = [score_input(write, self.mapping.results) for write in chunk]
            failures.extend(self._update(inputs))
        return failures

    def _update(self, inputs: list[Json]) -> list[RecordFailure]:
        """One batch update; a rejected batch is split to isolate the records at fault."""
        try:
            body = self.calls.sdk_read(self.calls.sdk.batch.update, "contacts", {"inputs": inputs})
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
        key_property = self.mapping.results.task_key
        found: dict[str, str] = {}
        for chunk in chunks(sorted(set(keys)), BATCH_LIMIT):
            wanted = [search_filter(key_property, "IN", chunk)]
            for row in search_all(self.calls, "tasks", wanted, [key_property]):
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
        results = self.mapping.results
        inputs = [task_input(task, results, self.timezone, association) for task in tasks]
        request = {"inputs": inputs}
        body = self.calls.sdk_call(self.calls.sdk.batch.create, "tasks", request)
        key_property = self.mapping.results.task_key
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
            body = self.calls.sdk_call(
                self.calls.sdk.association_labels.get_all, "tasks", "contacts"
            )
            self._task_association = _default_association(body)
        return self._task_association

    def check(self) -> list[CheckItem]:
        """Token scopes, the property group, result properties and mapped attributes."""
        return check_hubspot(self)

    def setup(self, *, dry_run: bool) -> list[CheckItem]:
        """Create the property group and the result properties."""
        return setup_hubspot(self, dry_run=dry_run)

    def close(self) -> None:
        """Close the HTTP client (nothing is buffered)."""
        self._client.close()


def build_hubspot_adapter(
    settings: HubSpotSettings,
    mapping_path: Path,
    *,
    on_problem: ProblemSink,
    timezone: tzinfo | str,
    client: httpx.Client | None = None,
    meter: CallMeter | None = None,
) -> HubSpotAdapter:
    """The adapter for `[crm] adapter = "hubspot"`, with its mapping file loaded.

    Without a `client`, it gets its own on the shared transport: the app's 10-second budget,
    metered, with 5xx retried only for idempotent methods (the adapter retries its
    read-only POSTs itself) and 429s left to the adapter, which tells DAILY from the rest.
    """
    mapping = load_hubspot_mapping(mapping_path)
    meter = meter or CallMeter()
    if client is None:
        client = make_client(
            base_url=settings.base_url, limiter=RateLimiter(settings.rate_limit_per_10s, 10.0),
            meter=meter, timeout=settings.timeout_seconds, retry_statuses=(500, 502, 503, 504),
            retry_methods=IDEMPOTENT_METHODS,
        )  # fmt: skip
    zone = ZoneInfo(timezone) if isinstance(timezone, str) else timezone
    return HubSpotAdapter(
        settings=settings, mapping=mapping, client=client, on_problem=on_problem,
        timezone=zone, meter=meter,
    )  # fmt: skip


def _default_association(body: Json) -> Json:
    """The HubSpot-defined association type without a label, from a labels answer."""
    for label in body.get("results", []):
        if label.get("category") == "HUBSPOT_DEFINED" and not label.get("label"):
            return {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": label["typeId"]}
    raise FatalCrmError("HubSpot has no default task-to-contact association type.")


def _missing(inputs: list[Json], body: Json) -> list[RecordFailure]:
    """Inputs a batch answer did not return, with the message of their error."""
    done = {str(row.get("id")) for row in body.get("results", [])}
    errors = failed_ids(body)
    return [
        RecordFailure(str(item["id"]), errors.get(str(item["id"]), "HubSpot did not update it"))
        for item in inputs
        if str(item["id"]) not in done
    ]
