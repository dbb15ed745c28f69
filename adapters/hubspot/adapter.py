"""The HubSpot adapter: contacts are leads; results go to contact properties and tasks.

A thin composition of the role modules: `client` (the SDK bridge and error translation),
`read` (contacts and activity sources), `write` (results and tasks) and `admin` (`check`
and `setup`). Only this module and what it imports load hubspot-api-client.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Iterator, Sequence
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

from adapters.hubspot.admin import check_hubspot, setup_hubspot
from adapters.hubspot.client import Clock, HubSpotCalls, Sleep
from adapters.hubspot.mapping import TEXT_PROPERTY_LIMIT, HubSpotMapping, load_hubspot_mapping
from adapters.hubspot.read import ActivityReader, LeadReader
from adapters.hubspot.search import BATCH_LIMIT, OwnWrites
from adapters.hubspot.settings import HubSpotSettings
from adapters.hubspot.write import HubSpotWriter
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

__all__ = ["HubSpotAdapter", "build_hubspot_adapter"]


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
        self.calls = HubSpotCalls(
            client=client, base_url=settings.base_url,
            access_token=settings.access_token.get_secret_value(),
            search_rate_per_s=settings.search_rate_per_s,
            rate_limit_retries=settings.rate_limit_retries, sleep=sleep, clock=clock,
        )  # fmt: skip
        # What this adapter wrote, so that our own writes are not taken for changes next run.
        own_writes = self._own_writes = OwnWrites()
        self.activities = ActivityReader(
            calls=self.calls, mapping=mapping, events_api=settings.events_api,
            on_problem=on_problem, own_writes=own_writes,
        )  # fmt: skip
        self.leads = LeadReader(
            calls=self.calls, mapping=mapping, activities=self.activities, clock=clock,
            own_writes=own_writes,
        )  # fmt: skip
        self.writer = HubSpotWriter(
            calls=self.calls, mapping=mapping, timezone=timezone, own_writes=own_writes
        )
        self._meter = meter
        # Closed in `close()`, whether built here or handed in: the adapter owns its client.
        self._client = client

    @property
    def cursor_lag(self) -> timedelta:
        """The search index's lag behind writes: the next cursor starts this far back."""
        return timedelta(seconds=self.settings.search_lag_seconds)

    @property
    def api_calls(self) -> int:
        """HubSpot calls so far, retries included (the transport's meter when there is one)."""
        return self._meter.calls if self._meter is not None else self.calls.sent

    def read_leads(self, ids: Collection[str] | None = None) -> Iterator[Lead]:
        """Contacts as leads (all of them when `ids` is None), with their current results."""
        return self.leads.read(ids)

    def changed_lead_ids(self, since: datetime) -> set[str]:
        """Contacts modified at or after `since`, and contacts with activities since then."""
        return self.leads.changed_ids(since)

    def read_activities(
        self,
        lead_ids: Collection[str] | None,
        occurred_after: datetime,
        *,
        occurred_before: datetime | None = None,
    ) -> Iterator[Activity]:
        """Activities from every source the mapping declares, in `(after, before]`.

        `occurred_before` (a backtest's `--as-of`) bounds the events and engagement reads in
        the API itself; forms, which have no time filter, and contact properties are
        filtered after reading.
        """
        return self.activities.read(lead_ids, occurred_after, occurred_before)

    def result_fields(self) -> ResultFields:
        """The optional properties the mapping names; a text property holds 65,536 characters."""
        results = self.mapping.results
        length = TEXT_PROPERTY_LIMIT if results.breakdown else None
        return ResultFields(breakdown_length=length, next_change_at=bool(results.next_change_at))

    def write_scores(self, writes: Sequence[ScoreWrite]) -> list[RecordFailure]:
        """Write results with batch update, 100 a call; failures are mapped back per contact."""
        return self.writer.write_scores(writes)

    def find_tasks(self, keys: Collection[str]) -> dict[str, str]:
        """Tasks already created for these keys (searched on their task-key property)."""
        return self.writer.find_tasks(keys)

    def create_tasks(self, tasks: Sequence[FollowUpTask]) -> TaskOutcome:
        """Create follow-up tasks for the contacts' owners, associated to the contact."""
        return self.writer.create_tasks(tasks)

    def memory(self) -> str:
        """Our own recent write stamps, so a fresh process does not take them for changes."""
        return self._own_writes.dump()

    def recall(self, memory: str) -> None:
        """The write stamps the last run left."""
        self._own_writes.load(memory)

    def population(self) -> None:
        """Counting a portal's contacts costs a call; the shrink guard is for exports."""
        return None

    def vocabulary(self) -> Vocabulary:
        """What the mapping produces."""
        return self.mapping.vocabulary()

    def check(self) -> list[CheckItem]:
        """Token scopes, the property group, result properties and mapped attributes."""
        return check_hubspot(self.calls, self.mapping)

    def setup(self, *, dry_run: bool) -> list[CheckItem]:
        """Create the property group and the result properties."""
        return setup_hubspot(self.calls, self.mapping, dry_run=dry_run)

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
