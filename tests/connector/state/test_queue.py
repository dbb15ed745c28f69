"""The rescoring queue: replayed events are dropped, a lead's events coalesce, claims lease."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, create_engine, text

from connector.state import QueuedEvent, QueuedLead, StateStore

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=5)
SECOND = timedelta(seconds=1)


def event(number: int, lead_id: str = "L1", action: str = "rescore") -> QueuedEvent:
    """A HubSpot event with a readable id."""
    return QueuedEvent("hubspot", f"evt-{number}", lead_id, action)  # type: ignore[arg-type]


def claim(
    store: StateStore,
    now: datetime = NOW,
    limit: int = 100,
    ready_before: datetime | None = None,
    claimant: str = "worker-1",
) -> list[QueuedLead]:
    """Claim what is ready at `now`, with no coalescing delay unless `ready_before` says so."""
    ready_before = now if ready_before is None else ready_before
    return store.claim_queued(
        limit, ready_before=ready_before, claimant=claimant, lease=LEASE, now=now
    )


def test_a_replayed_event_id_is_stored_once(state_store: StateStore) -> None:
    assert state_store.enqueue([event(1), event(2, "L2")], NOW) == 2
    assert state_store.enqueue([event(1), event(3, "L3")], NOW + SECOND) == 1
    assert state_store.enqueue([event(4, "L4"), event(4, "L4")], NOW + SECOND) == 1

    assert sorted(lead.lead_id for lead in claim(state_store, NOW + SECOND)) == [
        "L1",
        "L2",
        "L3",
        "L4",
    ]


def test_the_same_event_id_from_another_source_is_another_event(state_store: StateStore) -> None:
    state_store.enqueue([event(1)], NOW)

    assert state_store.enqueue([QueuedEvent("salesforce", "evt-1", "L1")], NOW) == 1


def test_event_ids_are_forgotten_after_a_week(state_store: StateStore) -> None:
    state_store.enqueue([event(1)], NOW)
    state_store.finish_queued([lead.lead_id for lead in claim(state_store)])

    assert state_store.enqueue([event(1)], NOW + timedelta(days=6)) == 0
    assert state_store.enqueue([event(1)], NOW + timedelta(days=7, seconds=1)) == 1


def test_expired_event_ids_are_forgotten_within_a_minute_not_on_every_commit(
    state_store: StateStore,
) -> None:
    state_store.enqueue([event(1)], NOW)
    week = NOW + timedelta(days=7)
    state_store.enqueue([event(2)], week)  # prunes: nothing is over a week old yet

    assert state_store.enqueue([event(1)], week + SECOND) == 0  # pruned a second ago: kept
    assert state_store.enqueue([event(1)], week + 61 * SECOND) == 1


def test_ten_events_of_one_lead_coalesce_into_one_row(state_store: StateStore) -> None:
    for number in range(10):
        state_store.enqueue([event(number)], NOW + number * SECOND)

    assert state_store.queue_depth() == 1
    assert state_store.oldest_queued_at() == NOW
    [lead] = claim(state_store, NOW + 10 * SECOND)
    assert (lead.lead_id, lead.action, lead.first_event_at, lead.attempts) == (
        "L1",
        "rescore",
        NOW,
        0,
    )


def test_a_lead_waits_out_the_coalescing_delay_after_its_last_event(
    state_store: StateStore,
) -> None:
    delay = timedelta(seconds=5)
    state_store.enqueue([event(1)], NOW)
    state_store.enqueue([event(2)], NOW + 3 * SECOND)

    assert claim(state_store, NOW + 7 * SECOND, ready_before=NOW + 2 * SECOND) == []
    assert [
        lead.lead_id
        for lead in claim(state_store, NOW + 8 * SECOND, ready_before=NOW + 8 * SECOND - delay)
    ] == ["L1"]


def test_forget_wins_in_one_delivery_and_a_later_rescore_brings_the_lead_back(
    state_store: StateStore,
) -> None:
    state_store.enqueue([event(1, "L1"), event(2, "L1", "forget"), event(3, "L1")], NOW)
    assert [lead.action for lead in claim(state_store, NOW, claimant="peek")] == ["forget"]

    state_store.enqueue([event(4, "L1")], NOW + SECOND)
    state_store.finish_queued(["L1"])  # the forget was done, the rescore still waits
    assert [lead.action for lead in claim(state_store, NOW + SECOND)] == ["rescore"]


def test_a_failed_lead_backs_off_and_counts_its_attempts(state_store: StateStore) -> None:
    state_store.enqueue([event(1)], NOW)
    claim(state_store)
    retry_at = NOW + timedelta(minutes=2)

    state_store.fail_queued({"L1": "FIELD_CUSTOM_VALIDATION_EXCEPTION"}, now=NOW, retry_at=retry_at)

    assert claim(state_store, retry_at - SECOND) == []
    [lead] = claim(state_store, retry_at)
    assert lead.attempts == 1
    assert state_store.queue_depth() == 1


def test_a_claim_is_exclusive_until_its_lease_expires(state_store: StateStore) -> None:
    state_store.enqueue([event(1), event(2, "L2")], NOW)

    first = claim(state_store, limit=1)
    second = claim(state_store, NOW + LEASE - SECOND, claimant="worker-2")
    after_lease = claim(state_store, NOW + LEASE, claimant="worker-2")

    assert [lead.lead_id for lead in first] == ["L1"]
    assert [lead.lead_id for lead in second] == ["L2"]
    assert [lead.lead_id for lead in after_lease] == ["L1"]


def test_finished_leads_leave_the_queue(state_store: StateStore) -> None:
    state_store.enqueue([event(1), event(2, "L2")], NOW)
    claim(state_store)

    state_store.finish_queued(["L1", "L2"])

    assert state_store.queue_depth() == 0
    assert state_store.oldest_queued_at() is None


def test_an_event_during_the_claim_keeps_the_lead_queued(state_store: StateStore) -> None:
    state_store.enqueue([event(1)], NOW)
    claim(state_store)
    state_store.enqueue([event(2)], NOW + SECOND)

    state_store.finish_queued(["L1"])

    [lead] = claim(state_store, NOW + SECOND)
    assert (lead.first_event_at, lead.attempts) == (NOW + SECOND, 0)


@pytest.mark.postgres
@pytest.mark.parametrize("state_url", ["postgresql"], indirect=True)
def test_two_concurrent_claimers_never_take_the_same_lead(
    open_state_store: Callable[[], StateStore],
) -> None:
    leads = 300
    open_state_store().enqueue([event(n, f"L{n}") for n in range(leads)], NOW)
    stores = [open_state_store(), open_state_store()]
    taken: list[list[str]] = [[], []]
    start = threading.Barrier(2)

    def drain(worker: int) -> None:
        start.wait()
        while batch := claim(stores[worker], limit=7, claimant=f"worker-{worker}"):
            taken[worker].extend(lead.lead_id for lead in batch)

    threads = [threading.Thread(target=drain, args=(worker,)) for worker in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not set(taken[0]) & set(taken[1])
    assert len(taken[0]) + len(taken[1]) == leads
    assert taken[0]
    assert taken[1]  # both really ran side by side


def test_deliveries_stored_together_are_counted_and_folded_each(state_store: StateStore) -> None:
    state_store.enqueue([event(1, "L1")], NOW)
    counts = state_store.enqueue_many(
        [
            ([event(1, "L1"), event(2, "L2")], NOW + SECOND),  # evt-1: a replay
            ([event(2, "L2"), event(3, "L2", "forget")], NOW + 2 * SECOND),  # evt-2: a retry
            ([event(4, "L2")], NOW + 3 * SECOND),  # later than the forget: L2 is back
        ]
    )
    assert counts == [1, 1, 1]
    # L2's last event is the one at +3 s; L1's replay at +1 s did not count as an event.
    early = claim(state_store, NOW + 5 * SECOND, ready_before=NOW + 2 * SECOND)
    assert [lead.lead_id for lead in early] == ["L1"]
    [l2] = claim(state_store, NOW + 5 * SECOND)
    assert (l2.lead_id, l2.action, l2.first_event_at) == ("L2", "rescore", NOW + SECOND)


def _waiting_on_a_lock(engine: Engine) -> bool:
    """Whether some other session of this database waits for a row lock."""
    query = text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE wait_event_type = 'Lock' AND query ILIKE '%rescore_queue%'"
    )
    with engine.connect() as connection:
        return bool(connection.execute(query).scalar_one())


@pytest.mark.postgres
def test_two_receivers_queueing_the_same_leads_wait_for_each_other_never_deadlock(
    postgresql_state_url: str,
) -> None:
    store = StateStore.open(postgresql_state_url)
    engine = create_engine(postgresql_state_url)
    try:
        store.enqueue_many([([event(1, "L1"), event(2, "L2")], NOW)])
        stored: list[list[int]] = []
        errors: list[Exception] = []

        def receive() -> None:  # L2's event first: the rows' own order would lock L2, then L1
            try:
                deliveries = [([event(3, "L2")], NOW), ([event(4, "L1")], NOW + SECOND)]
                stored.append(store.enqueue_many(deliveries))
            except Exception as error:  # a deadlock: PostgreSQL aborts one side
                errors.append(error)

        with engine.connect() as other:  # another receiver's transaction: L1, then L2
            other.execute(text("UPDATE rescore_queue SET requeued = true WHERE lead_id = 'L1'"))
            receiving = threading.Thread(target=receive)
            receiving.start()
            deadline = time.monotonic() + 10
            while not _waiting_on_a_lock(engine) and time.monotonic() < deadline:
                time.sleep(0.02)
            assert _waiting_on_a_lock(engine), "the receiver never reached the held lead"
            other.execute(text("UPDATE rescore_queue SET requeued = true WHERE lead_id = 'L2'"))
            other.commit()
        receiving.join(timeout=10)
        assert not receiving.is_alive()
        assert errors == []
        assert stored == [[1, 1]]  # both events accepted, once the other receiver committed
    finally:
        engine.dispose()
        store.close()
