"""/metrics scraped over HTTP from a running receiver: the queue, the worker, a store gone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from connector.state import StateStore
from connector.webhooks import create_app, store_ready, store_sink
from connector.webhooks.metrics import QueueCollector, WorkerMetrics
from connector.worker import Worker
from tests.connector.test_worker import PAST_DELAY, enqueue, make_high, synced
from tests.connector.webhooks.support import lead_body, serving, settings, signed_headers
from tests.fakes.memory import MemoryAdapter
from tests.sync_support import Clock
from tests.sync_support import settings as memory_settings


def scrape(http: httpx.Client) -> dict[str, float]:
    """Every sample of /metrics by name and labels, e.g. `leadscore_worker_runs_total{ok}`."""
    response = http.get("/metrics")
    assert response.status_code == 200
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            labels = ",".join(sample.labels[key] for key in sorted(sample.labels))
            samples[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
    return samples


def post_leads(http: httpx.Client, message_id: str, *lead_ids: str) -> None:
    body = lead_body(*lead_ids)
    headers = signed_headers(body, message_id=message_id)
    assert http.post("/webhooks/generic", content=body, headers=headers).status_code == 202


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
def http(
    tmp_path: Path, state_store: StateStore, registry: CollectorRegistry
) -> Iterator[tuple[httpx.Client, Clock]]:
    clock = Clock()
    app = create_app(
        settings(tmp_path), store_sink(state_store), store_ready(state_store), clock,
        registry=registry, extra_collectors=[QueueCollector(state_store, clock)],
    )  # fmt: skip
    with serving(app) as url, httpx.Client(base_url=url, timeout=10) as client:
        yield client, clock


def test_queue_depth_and_oldest_age_follow_the_store(
    http: tuple[httpx.Client, Clock], state_store: StateStore
) -> None:
    client, clock = http
    before = scrape(client)
    assert (before["leadscore_queue_depth"], before["leadscore_state_store_up"]) == (0, 1)
    assert before["leadscore_queue_oldest_age_seconds"] == 0

    post_leads(client, "m1", "L1", "L2")
    clock.advance(timedelta(seconds=90))
    post_leads(client, "m2", "L2", "L3")
    after = scrape(client)

    assert after["leadscore_queue_depth"] == 3
    assert after["leadscore_queue_oldest_age_seconds"] == 90
    assert after["leadscore_webhook_events_stored_total{generic}"] == 4


def test_worker_runs_leads_calls_and_durations_move(
    http: tuple[httpx.Client, Clock], state_store: StateStore, registry: CollectorRegistry
) -> None:
    client, _ = http
    crm, clock = synced(state_store)
    make_high(crm, ("L2", "L4"), clock)
    calls_before = len(crm.calls)
    post_leads(client, "m1", "L2", "L4")
    worker = Worker(
        memory_settings(), state_store, lambda: MemoryAdapter(crm), clock=clock,
        claimant="test", on_batch=WorkerMetrics(registry).observe,
    )  # fmt: skip
    assert scrape(client)["leadscore_worker_leads_rescored_total"] == 0

    clock.advance(PAST_DELAY)
    worker.drain_once(clock.now)
    after = scrape(client)

    assert after["leadscore_worker_runs_total{ok}"] == 1
    assert after["leadscore_worker_leads_rescored_total"] == 2
    assert after["leadscore_worker_crm_api_calls_total"] == len(crm.calls) - calls_before > 0
    assert after["leadscore_worker_run_duration_seconds_count"] == 1
    assert after["leadscore_queue_depth"] == 0


def test_a_failed_run_is_counted_as_failed(
    state_store: StateStore, registry: CollectorRegistry
) -> None:
    crm, clock = synced(state_store)
    make_high(crm, ("L2",), clock)
    crm.rejected.add("L2")
    enqueue(state_store, clock, "L2")
    clock.advance(PAST_DELAY)
    observed = WorkerMetrics(registry)
    worker = Worker(
        memory_settings(), state_store, lambda: MemoryAdapter(crm), clock=clock,
        claimant="test", on_batch=observed.observe,
    )  # fmt: skip
    worker.drain_once(clock.now)
    assert registry.get_sample_value("leadscore_worker_runs_total", {"outcome": "partial"}) == 1
    assert registry.get_sample_value("leadscore_worker_leads_failed_total") == 1


def test_a_store_gone_is_reported_and_metrics_still_answer(
    tmp_path: Path, sqlite_state_url: str
) -> None:
    store = StateStore.open(sqlite_state_url)
    app = create_app(
        settings(tmp_path), store_sink(store), store_ready(store),
        extra_collectors=[QueueCollector(store)],
    )  # fmt: skip
    with store, serving(app) as url, httpx.Client(base_url=url, timeout=10) as client:
        assert scrape(client)["leadscore_state_store_up"] == 1
        store.close()
        Path(sqlite_state_url.removeprefix("sqlite:///")).unlink()  # the tables are gone
        body = lead_body("L1")
        refused = client.post("/webhooks/generic", content=body, headers=signed_headers(body))
        down = scrape(client)

    assert refused.status_code == 503
    assert down["leadscore_state_store_up"] == 0
    assert "leadscore_queue_depth" not in down
    assert down["leadscore_webhook_rejected_total{store_unavailable,generic}"] == 1
