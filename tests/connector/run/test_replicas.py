"""Two `leadscore run` processes on one PostgreSQL state: one sync at a time, one queue."""

from __future__ import annotations

from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connector.state import QueuedEvent, StateStore
from tests.connector.run.support import add_schedule, running, scale_example, until

pytestmark = pytest.mark.postgres


def test_two_replicas_share_the_schedule_and_the_queue(
    config: Path, postgresql_state_url: str
) -> None:
    add_schedule(config, '[schedule]\nevery = "10s"')
    leads = scale_example(config, 6)  # syncs that last: overlapping ones would show below
    env = {
        "LEADSCORE_STATE__URL": postgresql_state_url,
        "LEADSCORE_WEBHOOKS__BATCH_SIZE": "5",
        "LEADSCORE_WEBHOOKS__COALESCE_SECONDS": "0",
    }
    queued = [f"L{n:04d}-0" for n in range(1, 61)]
    with StateStore.open(postgresql_state_url) as store:
        events = [QueuedEvent("generic", f"m-{lead}", lead) for lead in queued]
        store.enqueue(events, datetime.now(UTC) - timedelta(minutes=1))
    with ExitStack() as stack:
        holder = stack.enter_context(StateStore.open(postgresql_state_url))
        # A sync under way elsewhere as both start: each replica's first tick must skip. Left
        # to the two replicas alone, a collision depends on how fast this machine syncs.
        with holder.run_lock():
            held = holder.start_run("incremental", datetime.now(UTC))
            replicas = [
                stack.enter_context(running(config, serve=False, env=env, name=f"replica-{n}"))
                for n in (1, 2)
            ]
            until(lambda: all(r.events("run skipped") for r in replicas), "both to skip", 60)
            done = {"status": "ok", "counts": {}, "api_calls": 0, "errors": 0}
            holder.finish_run(held, at=datetime.now(UTC), **done)  # type: ignore[arg-type]
        until(lambda: _depth(postgresql_state_url) == 0, "the queue to drain", 120)
        until(lambda: _finished(replicas) >= 3, "a few scheduled syncs", 120)
        assert all(replica.stop() == 0 for replica in replicas)
    skipped = [event for replica in replicas for event in replica.events("run skipped")]
    assert skipped, "a tick found a sync under way and was skipped"
    assert {event["level"] for event in skipped} == {"info"}
    # The queue is shared: every lead claimed once, by whichever replica got to it first (a
    # worker defers while another process holds the run lock, so one may take them all).
    claims = [e["claimed"] for replica in replicas for e in replica.events("worker batch")]
    assert sum(claims) == len(queued)
    with StateStore.open(postgresql_state_url) as store:
        runs = sorted(store.recent_runs(1000), key=lambda run: run.started_at)
    assert {run.status for run in runs} == {"ok"}
    for before, after in zip(runs, runs[1:], strict=False):  # one at a time, never overlapping
        assert before.finished_at is not None
        assert before.finished_at <= after.started_at, (before, after)
    first_sync = next(run for run in runs if run.id != held and "named" not in run.counts)
    assert (first_sync.mode, first_sync.counts["scored"]) == ("full", leads)


def _depth(url: str) -> int:
    with StateStore.open(url) as store:
        return store.queue_depth()


def _finished(replicas: list[object]) -> int:
    return sum(len(replica.events("run finished")) for replica in replicas)  # type: ignore[attr-defined]
