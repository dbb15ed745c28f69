"""The store's reads for `leadscore run`: the earliest next change, the latest sync run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from connector.state import StateStore, WrittenResult

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def _written(lead_id: str, next_change_at: datetime | None) -> WrittenResult:
    return WrittenResult(lead_id, 10, "低", "r", "h", next_change_at, T0)


def test_the_earliest_next_change_strictly_after_an_instant(state_store: StateStore) -> None:
    assert state_store.earliest_next_change(T0) is None
    state_store.record_written(
        [
            _written("past", T0 - timedelta(hours=1)),
            _written("now", T0),
            _written("soon", T0 + timedelta(minutes=12)),
            _written("later", T0 + timedelta(days=2)),
            _written("never", None),
        ]
    )
    assert state_store.earliest_next_change(T0) == T0 + timedelta(minutes=12)
    assert state_store.earliest_next_change(T0 - timedelta(days=1)) == T0 - timedelta(hours=1)
    assert state_store.earliest_next_change(T0 + timedelta(days=3)) is None


def _run(store: StateStore, at: datetime, status: str, counts: dict[str, int]) -> int:
    run_id = store.start_run("incremental", at)
    store.finish_run(run_id, at=at, status=status, counts=counts, api_calls=0, errors=0)
    return run_id


def test_the_latest_sync_run_passes_over_worker_batches(state_store: StateStore) -> None:
    assert state_store.latest_sync_run() is None
    synced = _run(state_store, T0, "ok", {"written": 3})
    _run(state_store, T0 + timedelta(minutes=1), "ok", {"written": 1, "named": 1})
    latest = state_store.latest_sync_run()
    assert latest is not None
    assert latest.id == synced


def test_finished_passes_over_a_run_still_running(state_store: StateStore) -> None:
    failed = _run(state_store, T0, "failed", {})
    running = state_store.start_run("full", T0 + timedelta(minutes=1))
    latest, finished = state_store.latest_sync_run(), state_store.latest_sync_run(finished=True)
    assert latest is not None
    assert finished is not None
    assert (latest.id, finished.id) == (running, failed)
