"""The /metrics of `leadscore run`: the last sync from the state store, and this process's counts.

The last run is read from the store at each scrape, so every replica reports the same run,
whichever of them synced. The API allowance is what this process's last run saw.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from connector.errors import StateError
from connector.logs import redacted
from connector.run.stats import RunStats
from connector.state import RunRecord, StateStore

log = logging.getLogger("leadscore.run")

#: The run statuses, so that a dashboard sees each as 0 or 1.
STATUSES = ("ok", "partial", "failed")


class RunCollector(Collector):
    """A Prometheus collector over the store's last finished sync and a RunStats."""

    def __init__(self, store: StateStore, stats: RunStats) -> None:
        self.store = store
        self.stats = stats

    def collect(self) -> Iterator[Metric]:
        """The metric families, freshly read."""
        yield from self._last_run()
        yield from self._counts()

    def _last_run(self) -> Iterator[Metric]:
        try:
            run = self.store.latest_sync_run(finished=True)
        except StateError as error:
            log.warning("metrics: cannot read the last run: %s", redacted(str(error)))
            return
        if run is None or run.finished_at is None:
            return
        yield _gauge(
            "leadscore_last_run_finished_timestamp_seconds",
            "When the last scheduled or manual sync finished (Unix time)",
            run.finished_at.timestamp(),
        )
        yield _gauge(
            "leadscore_last_run_duration_seconds",
            "How long the last sync took",
            (run.finished_at - run.started_at).total_seconds(),
        )
        yield _gauge(
            "leadscore_last_run_leads_written",
            "Leads whose result the last sync wrote to the CRM",
            run.counts.get("written", 0),
        )
        yield _gauge(
            "leadscore_last_run_api_calls", "CRM API calls of the last sync", run.api_calls
        )
        yield _status(run)

    def _counts(self) -> Iterator[Metric]:
        runs, skips, budgets = self.stats.snapshot()
        counted = CounterMetricFamily(
            "leadscore_scheduled_runs",
            "Scheduled runs of this process, by trigger and status",
            labels=["trigger", "status"],
        )
        for (trigger, status), count in sorted(runs.items()):
            counted.add_metric([trigger, status], count)
        yield counted
        skipped = CounterMetricFamily(
            "leadscore_scheduled_runs_skipped",
            "Ticks left to another process that held the run lock",
            labels=["trigger"],
        )
        for trigger, count in sorted(skips.items()):
            skipped.add_metric([trigger], count)
        yield skipped
        remaining = GaugeMetricFamily(
            "leadscore_crm_api_remaining",
            "API calls the CRM says are left (where it says: Salesforce)",
            labels=["crm"],
        )
        limit = GaugeMetricFamily(
            "leadscore_crm_api_limit", "The CRM's API allowance (Salesforce: daily)", labels=["crm"]
        )
        for crm, budget in sorted(budgets.items()):
            remaining.add_metric([crm], budget.remaining)
            limit.add_metric([crm], budget.limit)
        yield remaining
        yield limit


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


def _status(run: RunRecord) -> GaugeMetricFamily:
    family = GaugeMetricFamily(
        "leadscore_last_run_status",
        "1 for the last sync's status (ok, partial: some records refused, failed)",
        labels=["status"],
    )
    for status in STATUSES:
        family.add_metric([status], 1.0 if run.status == status else 0.0)
    return family
