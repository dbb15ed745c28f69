"""Prometheus counters of the receiver, in a registry of its own per app."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter


class Metrics:
    """Requests received and rejected (by reason), events stored and duplicates, by source."""

    def __init__(self) -> None:
        # One registry per app: several apps in one process (tests) never share counts.
        self.registry = CollectorRegistry()
        self.received = self._counter("received", "Webhook requests received", ["source"])
        self.rejected = self._counter(
            "rejected", "Webhook requests refused, nothing stored", ["source", "reason"]
        )
        self.stored = self._counter("events_stored", "Events newly queued", ["source"])
        self.duplicates = self._counter(
            "events_duplicate", "Events already queued (a replay or a retry)", ["source"]
        )

    def _counter(self, name: str, documentation: str, labels: list[str]) -> Counter:
        return Counter(f"leadscore_webhook_{name}", documentation, labels, registry=self.registry)
