"""The Salesforce adapter: the top of the package, composing reading, writing and admin.

Every call goes through one `SalesforceConnection` (simple-salesforce on the metered httpx
client), which guards the API budget and translates errors. `read.py` plans the SOQL reads,
`write.py` the saves, `admin.py` check and setup; this module only wires them to the port.
Nothing in the package imports this module but `__init__.py`, and only when building.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

from adapters.salesforce.admin import (
    Describer,
    breakdown_length,
    check_salesforce,
    setup_salesforce,
)
from adapters.salesforce.client import ApiBudget, SalesforceConnection
from adapters.salesforce.mapping import SalesforceMapping, load_salesforce_mapping
from adapters.salesforce.read import SalesforceReader
from adapters.salesforce.records import LeadObjects
from adapters.salesforce.settings import SalesforceSettings
from adapters.salesforce.write import SalesforceWriter
from connector.errors import ConfigError
from connector.http import IDEMPOTENT_METHODS, CallMeter, RateLimiter, make_client
from connector.model import Activity, Lead
from connector.ports import (
    CheckItem,
    FollowUpTask,
    ProblemSink,
    RecordFailure,
    ResultFields,
    ScoreWrite,
    TaskOutcome,
    Vocabulary,
)

__all__ = ["SalesforceAdapter", "build_salesforce_adapter"]


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
    ) -> None:
        missing = [name for name in settings.objects if name not in mapping.objects]
        if missing:
            raise ConfigError(
                f"salesforce.objects names {missing} but the mapping has no [objects.X]"
            )
        self.settings = settings
        self.mapping = mapping
        self.budget = ApiBudget(settings.budget_reserve)
        self.connection = SalesforceConnection.over(settings, client, self.budget)
        zone = ZoneInfo(timezone) if isinstance(timezone, str) else timezone
        objects = LeadObjects(settings.objects)  # reads learn each lead's object for writes
        self.reader = SalesforceReader(
            self.connection, settings, mapping, zone=zone, on_problem=on_problem, objects=objects
        )
        self.writer = SalesforceWriter(self.connection, settings, mapping, objects=objects)
        self.max_write_batch = self.writer.max_batch
        self._client = client
        self._meter = meter
        self._fields: ResultFields | None = None

    @property
    def api_calls(self) -> int:
        """Calls sent through the client's meter (retries included), else calls made here."""
        return self._meter.calls if self._meter is not None else self.connection.calls

    def read_leads(self, ids: Collection[str] | None = None) -> Iterator[Lead]:
        """Leads (and/or Contacts) with their current results; all of them when `ids` is None."""
        return self.reader.read_leads(ids)

    def changed_lead_ids(self, since: datetime) -> set[str]:
        """Leads modified at or after `since`, and leads whose activity records were."""
        return self.reader.changed_lead_ids(since)

    def read_activities(
        self,
        lead_ids: Collection[str] | None,
        occurred_after: datetime,
        *,
        occurred_before: datetime | None = None,
    ) -> Iterator[Activity]:
        """Activities of the given leads (all when None) from every mapped source, after it."""
        return self.reader.read_activities(lead_ids, occurred_after, occurred_before)

    def result_fields(self) -> ResultFields:
        """The optional fields the mapping names; the breakdown's length as the org has it.

        The length costs one describe per scored object, once per adapter (one run).
        """
        if self._fields is None:
            results = self.mapping.write_back
            length = None
            if results.breakdown:
                describer = Describer(self.connection)
                length = breakdown_length(describer, self.settings.objects, results.breakdown)
            self._fields = ResultFields(length, next_change_at=bool(results.next_change_at))
        return self._fields

    def write_scores(self, writes: Sequence[ScoreWrite]) -> list[RecordFailure]:
        """Write results: sObject Collections PATCH by 200, or Bulk API 2.0 past the threshold."""
        return self.writer.write_scores(writes)

    def find_tasks(self, keys: Collection[str]) -> dict[str, str]:
        """Ids of follow-up tasks already created, by the idempotency key stored on them."""
        return self.writer.find_tasks(keys)

    def create_tasks(self, tasks: Sequence[FollowUpTask]) -> TaskOutcome:
        """Create Tasks for the lead owners, 200 a call; an owner who cannot take one is said so."""
        return self.writer.create_tasks(tasks)

    def memory(self) -> None:
        """Nothing to carry from one run to the next."""
        return None

    def recall(self, memory: str) -> None:
        """Nothing was carried over."""

    def population(self) -> None:
        """Counting an org's leads costs a call; the shrink guard is for exports."""
        return None

    def vocabulary(self) -> Vocabulary:
        """What the mapping produces."""
        return self.mapping.vocabulary()

    def check(self) -> list[CheckItem]:
        """Login, API budget, mapped objects and fields, task creation."""
        return check_salesforce(self.connection, self.settings, self.mapping)

    def setup(self, *, dry_run: bool) -> list[CheckItem]:
        """Create the result fields, the permission set and its assignment."""
        return setup_salesforce(self.connection, self.settings, self.mapping, dry_run=dry_run)

    def close(self) -> None:
        """Close the HTTP client: it passed to the adapter with `client=` (nothing is buffered)."""
        self._client.close()


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
    )
