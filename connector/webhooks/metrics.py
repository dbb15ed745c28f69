"""Prometheus metrics of `leadscore serve`: the receiver's counters, the queue, the worker.

Every metric lives in the app's registry (one per app: several apps in one process, as in the
tests, never share counts). Other parts of the process add theirs with `create_app(registry=...)`
or `extra_collectors=...`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from connector.errors import StateError
from connector.state import StateStore
from connector.worker import WorkerReport

#: Seconds of a worker's rescoring run: a few leads against a CRM take 0.1 s to a minute.
RUN_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)


@dataclass(frozen=True, slots=True)
class SourceCounts:
    """The per-request counters of one source."""

    received: Counter
    stored: Counter
    duplicates: Counter


class Metrics:
    """Requests received and rejected (by reason), events stored and duplicates, by source."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.received = self._counter("received", "Webhook requests received", ["source"])
        self.rejected = self._counter(
            "rejected", "Webhook requests refused, nothing stored", ["source", "reason"]
        )
        self.stored = self._counter("events_stored", "Events newly queued", ["source"])
        self.duplicates = self._counter(
            "events_duplicate", "Events already queued (a replay or a retry)", ["source"]
        )

    def of_source(self, source: str) -> SourceCounts:
        """One source's received, stored and duplicate counters, to keep and reuse."""
        return SourceCounts(
            self.received.labels(source),
            self.stored.labels(source),
            self.duplicates.labels(source),
        )

    def _counter(self, name: str, documentation: str, labels: list[str]) -> Counter:
        return Counter(f"leadscore_webhook_{name}", documentation, labels, registry=self.registry)


class QueueCollector(Collector):
    """Queue depth and the age of its oldest event, read from the store at every scrape.

    A store that does not answer is reported as `leadscore_state_store_up 0`, never as a
    failed scrape: the receiver's own counters stay visible while the store is down.
    """

    def __init__(self, store: StateStore, clock: Callable[[], datetime] | None = None) -> None:
        self.store = store
        self.clock = clock or (lambda: datetime.now(UTC))

    def collect(self) -> Iterator[Metric]:
        """The gauges, as of now."""
        up = GaugeMetricFamily("leadscore_state_store_up", "1 if the state store answered")
        try:
            depth, oldest = self.store.queue_depth(), self.store.oldest_queued_at()
        except StateError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield GaugeMetricFamily(
            "leadscore_queue_depth", "Leads waiting in the rescoring queue", value=depth
        )
        age = 0.0 if oldest is None else (self.clock() - _aware(oldest)).total_seconds()
        yield GaugeMetricFamily(
            "leadscore_queue_oldest_age_seconds",
            "Age of the oldest event still queued (0 when the queue is empty)",
            value=max(age, 0.0),
        )


def _aware(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; the store writes UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class WorkerMetrics:
    """The queue worker's rescoring runs: by outcome, leads, CRM calls, and how long they took."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.runs = Counter(
            "leadscore_worker_runs",
            "Worker rescoring runs, by outcome (ok, partial, failed)",
            ["outcome"],
            registry=registry,
        )
        self.rescored = Counter(
            "leadscore_worker_leads_rescored", "Leads rescored by the worker", registry=registry
        )
        self.failed = Counter(
            "leadscore_worker_leads_failed",
            "Leads whose rescoring failed (kept queued, retried later)",
            registry=registry,
        )
        self.forgotten = Counter(
            "leadscore_worker_leads_forgotten",
            "Deleted leads forgotten by the worker",
            registry=registry,
        )
        self.api_calls = Counter(
            "leadscore_worker_crm_api_calls", "CRM API calls made by the worker", registry=registry
        )
        self.duration = Histogram(
            "leadscore_worker_run_duration_seconds",
            "Duration of the worker's rescoring runs",
            buckets=RUN_BUCKETS,
            registry=registry,
        )

    def observe(self, report: WorkerReport) -> None:
        """Count one drained batch (its `Worker(on_batch=...)` callback)."""
        self.forgotten.inc(report.forgotten)
        if report.outcome is None:  # nothing to rescore in this batch: no run
            return
        self.runs.labels(report.outcome).inc()
        self.rescored.inc(report.rescored)
        self.failed.inc(len(report.failed))
        self.api_calls.inc(report.api_calls)
        self.duration.observe(report.seconds)
