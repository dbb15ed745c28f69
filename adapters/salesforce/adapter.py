"""The Salesforce adapter: leads and activities by SOQL, results and tasks by sObject Collections.

Every call goes through one `SalesforceConnection` (simple-salesforce on the metered httpx
client), which guards the API budget and translates errors; this module only plans calls.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from adapters.salesforce.admin import check_salesforce, setup_salesforce
from adapters.salesforce.bulk import BulkWriter
from adapters.salesforce.client import COLLECTION_LIMIT, ApiBudget, SalesforceConnection
from adapters.salesforce.mapping import ActivitySource, SalesforceMapping, load_salesforce_mapping
from adapters.salesforce.records import (
    activity_fields,
    activity_kind,
    lead_fields,
    occurred,
    save_error,
    score_body,
    task_body,
    to_activity,
    to_lead,
    value_at,
)
from adapters.salesforce.settings import SalesforceObject, SalesforceSettings
from adapters.salesforce.soql import (
    at_or_after,
    chunked_in,
    equals,
    is_in,
    matching,
    not_null,
    select,
)
from connector.errors import ConfigError
from connector.http import IDEMPOTENT_METHODS, CallMeter, RateLimiter, make_client
from connector.model import Activity, Lead
from connector.ports import (
    CheckItem,
    FollowUpTask,
    InputProblem,
    ProblemSink,
    RecordFailure,
    ScoreWrite,
    TaskOutcome,
)

__all__ = [
    "SalesforceAdapter",
    "SalesforceMapping",
    "SalesforceSettings",
    "build_salesforce_adapter",
    "load_salesforce_mapping",
]

#: A REST query page holds at most 2,000 records.
QUERY_PAGE = 2000
#: Writes handed over in one call when Bulk API 2.0 is on (one ingest job, ~3 MB of CSV).
BULK_BATCH = 10_000
#: Standard key prefixes, used only to type a write for a lead this run did not read.
_KEY_PREFIXES: Mapping[str, SalesforceObject] = {"00Q": "Lead", "003": "Contact"}


class SalesforceAdapter:
    """Reads Leads/Contacts and their activities from one org and writes results back."""

    #: SystemModstamp is stamped by the org's clock when a save starts, and the cursor comes
    #: from this machine's: the margin covers clock skew and saves committing late.
    cursor_lag = timedelta(minutes=5)
    #: simple-salesforce's session is not shown to be thread-safe: one call at a time.
    concurrent_reads = False

    def __init__(
        self,
        *,
        settings: SalesforceSettings,
        mapping: SalesforceMapping,
        client: httpx.Client,
        on_problem: ProblemSink,
        timezone: tzinfo | str,
        meter: CallMeter | None = None,
        owns_client: bool = False,
    ) -> None:
        missing = [name for name in settings.objects if name not in mapping.objects]
        if missing:
            raise ConfigError(
                f"salesforce.objects names {missing} but the mapping has no [objects.X]"
            )
        self.settings = settings
        self.mapping = mapping
        self.zone = ZoneInfo(timezone) if isinstance(timezone, str) else timezone
        self.budget = ApiBudget(settings.budget_reserve)
        self.connection = SalesforceConnection.over(settings, client, self.budget)
        self.max_write_batch = BULK_BATCH if settings.bulk_threshold else COLLECTION_LIMIT
        self._client = client
        self._owns_client = owns_client
        self._meter = meter
        self._on_problem = on_problem
        self._object_of: dict[str, SalesforceObject] = {}
        self._bulk = BulkWriter(self.connection, poll_seconds=settings.bulk_poll_seconds)

    @property
    def api_calls(self) -> int:
        """Calls sent through the client's meter (retries included), else calls made here."""
        return self._meter.calls if self._meter is not None else self.connection.calls

    # --- reading ---------------------------------------------------------------------------

    def read_leads(self, ids: Collection[str] | None = None) -> Iterator[Lead]:
        """Leads (and/or Contacts) with their current results; all of them when `ids` is None."""
        for sobject in self.settings.objects:
            objects = self.mapping.objects[sobject]
            fields, conditions = lead_fields(objects, self.mapping), matching(objects.match)
            for record in self._records(sobject, fields, conditions, "Id", ids):
                self._object_of[str(record["Id"])] = sobject
                yield to_lead(record, objects, self.mapping)

    def changed_lead_ids(self, since: datetime) -> set[str]:
        """Leads modified at or after `since`, and leads whose activity records were."""
        changed: set[str] = set()
        for sobject in self.settings.objects:
            objects = self.mapping.objects[sobject]
            query = select(sobject, ["Id"], [at_or_after(objects.modified, since)])
            changed.update(str(r["Id"]) for r in self.connection.query(query))
        for source in self.mapping.activities:
            fields = self._lead_fields_of(source)
            conditions = [at_or_after(source.modified, since), *self._scope(source)]
            for record in self.connection.query(select(source.object, fields, conditions)):
                changed.update(str(v) for f in fields if (v := value_at(record, f)))
        return changed

    def read_activities(
        self, lead_ids: Collection[str] | None, occurred_after: datetime
    ) -> Iterator[Activity]:
        """Activities of the given leads (all when None) from every mapped source, after it."""
        for source in self.mapping.activities:
            yield from self._source_activities(source, lead_ids, occurred_after)

    def _source_activities(
        self, source: ActivitySource, lead_ids: Collection[str] | None, after: datetime
    ) -> Iterator[Activity]:
        lead_fields_ = self._lead_fields_of(source)
        fields = activity_fields(source, lead_fields_)
        since = after.astimezone(self.zone).date() if source.occurred_on else after
        base = [
            *matching(source.match),
            at_or_after(source.time_field, since),
            *self._scope(source),
        ]
        for lead_field in lead_fields_:
            for record in self._records(source.object, fields, base, lead_field, lead_ids):
                activity = self._activity(record, source, lead_field, after)
                if activity is not None:
                    yield activity

    def _activity(
        self, record: Mapping[str, Any], source: ActivitySource, lead_field: str, after: datetime
    ) -> Activity | None:
        lead_id = value_at(record, lead_field)
        kind = activity_kind(record, source)
        at = occurred(record, source, self.zone)
        if at is None and lead_id and kind:
            self._problem(source, record, f"no usable {source.time_field}; activity skipped")
        if not lead_id or kind is None or at is None or at <= after:
            return None
        return to_activity(record, source, str(lead_id), kind, at)

    # --- writing ---------------------------------------------------------------------------

    def write_scores(self, writes: Sequence[ScoreWrite]) -> list[RecordFailure]:
        """Write results: sObject Collections PATCH by 200, or Bulk API 2.0 past the threshold."""
        if self.settings.bulk_threshold and len(writes) > self.settings.bulk_threshold:
            return self._bulk.update(self._score_bodies(writes))
        failures: list[RecordFailure] = []
        for start in range(0, len(writes), COLLECTION_LIMIT):
            batch = writes[start : start + COLLECTION_LIMIT]
            results = self.connection.collection("PATCH", self._score_bodies(batch))
            failures += [
                RecordFailure(write.lead_id, save_error(result))
                for write, result in zip(batch, results, strict=True)
                if not result.get("success")
            ]
        return failures

    def find_tasks(self, keys: Collection[str]) -> dict[str, str]:
        """Ids of follow-up tasks already created, by the idempotency key stored on them."""
        key_field = self.mapping.tasks.key_field
        found: dict[str, str] = {}
        for record in self._records("Task", ["Id", key_field], [], key_field, keys):
            found[str(record[key_field])] = str(record["Id"])
        return found

    def create_tasks(self, tasks: Sequence[FollowUpTask]) -> TaskOutcome:
        """Create Task records for the lead owners, 200 a call; failures name the task key."""
        created: dict[str, str] = {}
        failures: list[RecordFailure] = []
        for start in range(0, len(tasks), COLLECTION_LIMIT):
            batch = tasks[start : start + COLLECTION_LIMIT]
            results = self.connection.collection(
                "POST", [task_body(t, self.mapping) for t in batch]
            )
            for task, result in zip(batch, results, strict=True):
                if result.get("success"):
                    created[task.key] = str(result["id"])
                else:
                    failures.append(RecordFailure(task.key, save_error(result)))
        return TaskOutcome(created=created, failures=failures)

    def check(self) -> list[CheckItem]:
        """Login, API budget, mapped objects and fields, task creation."""
        return check_salesforce(self.connection, self.settings, self.mapping)

    def setup(self, *, dry_run: bool) -> list[CheckItem]:
        """Create the result fields, the permission set and its assignment."""
        return setup_salesforce(self.connection, self.settings, self.mapping, dry_run=dry_run)

    def close(self) -> None:
        """Release the HTTP client when this adapter built it."""
        if self._owns_client:
            self._client.close()

    # --- helpers ---------------------------------------------------------------------------

    def _records(
        self,
        sobject: str,
        fields: list[str],
        conditions: list[str],
        id_field: str,
        ids: Collection[str] | None,
    ) -> Iterator[dict[str, Any]]:
        """Records whose `id_field` is among `ids` (all when None), in the fewest calls."""
        wanted = None if ids is None else set(ids)
        for query in self._plan(sobject, fields, conditions, id_field, wanted):
            for record in self.connection.query(query):
                if wanted is None or str(value_at(record, id_field)) in wanted:
                    yield record

    def _plan(
        self,
        sobject: str,
        fields: list[str],
        conditions: list[str],
        id_field: str,
        ids: set[str] | None,
    ) -> list[str]:
        """`IN (...)` chunks, or one query for everything when that takes fewer pages."""
        present = [*conditions, *([] if id_field == "Id" else [not_null(id_field)])]
        everything = select(sobject, fields, present)
        if ids is None:
            return [everything]
        limit = self.settings.max_query_url_bytes
        chunks = list(chunked_in(sobject, fields, conditions, id_field, ids, max_url_bytes=limit))
        # Many chunks (an incremental run touching most leads): one COUNT() call tells
        # whether reading everything and filtering here costs fewer pages.
        if len(chunks) > 2 and self._pages(select(sobject, ["COUNT()"], present)) < len(chunks):
            return [everything]
        return chunks

    def _pages(self, count_query: str) -> int:
        total = int(
            self.connection.call(lambda: self.connection.sf.query(count_query))["totalSize"]
        )
        return math.ceil(total / QUERY_PAGE)

    def _lead_fields_of(self, source: ActivitySource) -> list[str]:
        fields = [source.lead_field[o] for o in self.settings.objects if o in source.lead_field]
        return list(dict.fromkeys(fields))

    def _scope(self, source: ActivitySource) -> list[str]:
        """Conditions on every query of a source: only scored objects, none of our own tasks."""
        scope = []
        if "WhoId" in source.lead_field.values():  # polymorphic: Lead or Contact
            scope.append(is_in("Who.Type", self.settings.objects))
        if source.object == "Task":  # our follow-ups are Tasks on the lead, not its activity
            scope.append(equals(self.mapping.tasks.key_field, None))
        return scope

    def _score_bodies(self, writes: Sequence[ScoreWrite]) -> list[dict[str, Any]]:
        return [score_body(w, self._object_for(w.lead_id), self.mapping) for w in writes]

    def _object_for(self, lead_id: str) -> SalesforceObject:
        known = self._object_of.get(lead_id) or _KEY_PREFIXES.get(lead_id[:3])
        return known if known in self.settings.objects else self.settings.objects[0]

    def _problem(self, source: ActivitySource, record: Mapping[str, Any], message: str) -> None:
        self._on_problem(
            InputProblem(f"salesforce {source.object}", str(record.get("Id")), message)
        )


def build_salesforce_adapter(
    settings: SalesforceSettings,
    mapping_path: Path,
    *,
    on_problem: ProblemSink,
    timezone: tzinfo | str,
    meter: CallMeter | None = None,
) -> SalesforceAdapter:
    """A Salesforce adapter on its own metered, rate-limited client."""
    meter = meter or CallMeter()
    client = make_client(
        base_url=settings.instance_url or f"https://{settings.domain}.salesforce.com",
        limiter=RateLimiter(settings.rate_limit, 1.0),
        meter=meter,
        # A create (Task, bulk job) answered by a 5xx may have happened: the run stops and the
        # next one finds the task by its key instead of creating a duplicate now.
        retry_methods=IDEMPOTENT_METHODS,
        timeout=settings.timeout_seconds,
    )
    return SalesforceAdapter(
        settings=settings,
        mapping=load_salesforce_mapping(mapping_path),
        client=client,
        on_problem=on_problem,
        timezone=timezone,
        meter=meter,
        owns_client=True,
    )
