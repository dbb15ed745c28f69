"""PostgreSQL enqueues in one SQL statement, SQLite in Python: both must queue the same rows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from connector.state import QueuedEvent, StateStore
from connector.state.schema import rescore_queue, webhook_events

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)

events = st.builds(
    QueuedEvent,
    source=st.sampled_from(["generic", "hubspot"]),
    event_id=st.integers(0, 8).map(lambda number: f"evt-{number}"),  # few ids: many replays
    lead_id=st.sampled_from(["L1", "L2", "L3"]),
    action=st.sampled_from(["rescore", "forget"]),
)
# Few instants: deliveries of one instant (a tie) and out of order across commits.
deliveries = st.tuples(
    st.lists(events, min_size=1, max_size=4),
    st.integers(0, 3).map(lambda seconds: NOW + timedelta(seconds=seconds)),
)
commits = st.lists(st.lists(deliveries, min_size=1, max_size=4), min_size=1, max_size=4)

Deliveries = list[tuple[list[QueuedEvent], datetime]]


@pytest.fixture
def both_stores(sqlite_state_url: str, postgresql_state_url: str) -> Iterator[list[StateStore]]:
    """A SQLite and a PostgreSQL store, closed afterwards."""
    stores = [StateStore.open(sqlite_state_url), StateStore.open(postgresql_state_url)]
    yield stores
    for store in stores:
        store.close()


def queued_rows(store: StateStore) -> list[tuple[object, ...]]:
    """The whole queue, as a worker would find it."""
    with store._connect() as connection:
        return [tuple(row) for row in connection.execute(select(rescore_queue).order_by("lead_id"))]


def emptied(store: StateStore) -> StateStore:
    """The store with no event and no queued lead (hypothesis reuses it between examples)."""
    with store._begin() as connection:
        connection.execute(webhook_events.delete())
        connection.execute(rescore_queue.delete())
    return store


@pytest.mark.postgres
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(commits=commits)
def test_both_backends_count_and_fold_every_sequence_of_deliveries_alike(
    both_stores: list[StateStore], commits: list[Deliveries]
) -> None:
    sqlite, postgresql = (emptied(store) for store in both_stores)
    for deliveries in commits:
        assert sqlite.enqueue_many(deliveries) == postgresql.enqueue_many(deliveries)
    assert queued_rows(sqlite) == queued_rows(postgresql)
