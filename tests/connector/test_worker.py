"""The queue worker rescoring webhook-named leads on the memory CRM, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Sequence
from datetime import timedelta

import pytest

from connector.ports import RecordFailure, ScoreWrite
from connector.state import QueuedEvent, StateStore
from connector.sync import Pipeline, RunRequest
from connector.webhooks.sinks import store_sink
from connector.worker import DEFAULT_LEASE, Worker, retry_delay
from tests.fakes.memory import Crash, MemoryAdapter, MemoryCrm
from tests.scoring_support import NOW
from tests.sync_support import (
    Clock,
    add_abc_download,
    add_evaluating_reader,
    run,
    seeded_crm,
    settings,
)

PAST_DELAY = timedelta(seconds=6)  # past the default 5 s coalescing delay


def synced(store: StateStore) -> tuple[MemoryCrm, Clock]:
    """The seeded CRM after a first full sync, and the clock a minute after it."""
    crm = seeded_crm()
    clock = Clock(NOW + timedelta(minutes=1))
    run(crm, store, NOW, clock)
    return crm, clock


def make_high(crm: MemoryCrm, lead_ids: tuple[str, ...], clock: Clock) -> None:
    """+100 for each lead (a 自動車 lead at 40 goes to 140, 高, with a task)."""
    for lead_id in lead_ids:
        add_evaluating_reader(crm, lead_id)
        add_abc_download(crm, lead_id, 9, clock.now)


def enqueue(store: StateStore, clock: Clock, *lead_ids: str) -> None:
    """One webhook delivery naming the leads, received now."""
    events = [QueuedEvent("generic", f"{lead_id}@{clock.now}", lead_id) for lead_id in lead_ids]
    store.enqueue(events, clock.now)


def worker(crm: MemoryCrm, store: StateStore, clock: Clock) -> Worker:
    """A worker on the memory CRM, a fresh adapter per batch."""
    return Worker(settings(), store, lambda: MemoryAdapter(crm), clock=clock, claimant="test")


def test_queued_leads_are_rescored_and_leave_the_queue(state_store: StateStore) -> None:
    crm, clock = synced(state_store)
    make_high(crm, ("L2", "L4"), clock)
    enqueue(state_store, clock, "L2", "L4")
    drain = worker(crm, state_store, clock)

    assert drain.drain_once(clock.now).claimed == 0  # still inside the coalescing delay
    clock.advance(PAST_DELAY)
    report = drain.drain_once(clock.now)

    assert (report.claimed, report.rescored, report.failed) == (2, 2, {})
    assert (crm.fields["L2"].score, crm.fields["L4"].score) == (140, 140)
    assert Counter(task.lead_id for task in crm.tasks.values())["L2"] == 1
    assert state_store.queue_depth() == 0
    assert state_store.recent_runs(1)[0].mode == "incremental"


def test_a_refused_write_stays_queued_and_backs_off(state_store: StateStore) -> None:
    crm, clock = synced(state_store)
    make_high(crm, ("L2",), clock)
    crm.rejected.add("L2")
    enqueue(state_store, clock, "L2")
    clock.advance(PAST_DELAY)
    drain = worker(crm, state_store, clock)

    first = drain.drain_once(clock.now)
    assert first.failed == {"L2": "FIELD_CUSTOM_VALIDATION_EXCEPTION"}
    assert state_store.queue_depth() == 1
    assert drain.drain_once(clock.now + retry_delay(1) - timedelta(seconds=1)).claimed == 0
    [lead] = state_store.claim_queued(
        1,
        ready_before=clock.now,
        claimant="peek",
        lease=timedelta(0),
        now=clock.now + retry_delay(1),
    )
    assert lead.attempts == 1

    crm.rejected.clear()
    clock.advance(retry_delay(1))
    assert drain.drain_once(clock.now).rescored == 1
    assert crm.fields["L2"].score == 140
    assert state_store.queue_depth() == 0


def test_a_crash_after_the_crm_write_converges_on_the_next_drain_without_a_duplicate_task(
    state_store: StateStore,
) -> None:
    crm, clock = synced(state_store)
    make_high(crm, ("L1", "L2", "L4", "L5"), clock)
    enqueue(state_store, clock, "L1", "L2", "L4", "L5")
    clock.advance(PAST_DELAY)
    drain = worker(crm, state_store, clock)
    crm.crash_after["write_scores"] = 1  # the first batch of three is written, then it dies

    with pytest.raises(Crash):
        drain.drain_once(clock.now)
    assert state_store.queue_depth() == 4
    crm.crash_after.clear()
    assert drain.drain_once(clock.now + timedelta(minutes=1)).claimed == 0  # lease still held
    clock.advance(DEFAULT_LEASE)
    report = drain.drain_once(clock.now)

    assert (report.claimed, report.rescored) == (4, 4)
    assert state_store.queue_depth() == 0
    assert not [key for key in crm.tasks if "#dup" in key]
    assert set(state_store.written(["L1", "L2", "L4", "L5"])) == {"L1", "L2", "L4", "L5"}
    assert {lead: crm.fields[lead].score for lead in ("L2", "L4")} == {"L2": 140, "L4": 140}


def test_a_forget_drops_what_the_state_knows_of_a_deleted_lead(state_store: StateStore) -> None:
    crm, clock = synced(state_store)
    crm.rejected.add("L3")
    make_high(crm, ("L3",), clock)
    run(crm, state_store, clock.now - timedelta(minutes=1) + timedelta(seconds=1), clock)
    assert "L3" in state_store.pending_failures("score")
    del crm.leads["L3"]
    state_store.enqueue([QueuedEvent("hubspot", "del-1", "L3", "forget")], clock.now)
    clock.advance(PAST_DELAY)

    report = worker(crm, state_store, clock).drain_once(clock.now)

    assert (report.forgotten, report.rescored) == (1, 0)
    assert "L3" not in state_store.written()
    assert "L3" not in state_store.pending_failures("score")
    assert state_store.queue_depth() == 0


def test_back_off_doubles_up_to_an_hour() -> None:
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert retry_delay(8) == retry_delay(50) == timedelta(hours=1)


def test_run_drains_until_stopped(state_store: StateStore) -> None:
    crm, clock = synced(state_store)
    make_high(crm, ("L2",), clock)
    enqueue(state_store, clock, "L2")
    clock.advance(PAST_DELAY)
    stop = threading.Event()
    loop = threading.Thread(target=worker(crm, state_store, clock).run, args=(stop, 0.01))

    loop.start()
    deadline = time.monotonic() + 30
    while state_store.queue_depth() and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    loop.join(timeout=30)

    assert not loop.is_alive()
    assert state_store.queue_depth() == 0
    assert crm.fields["L2"].score == 140


def test_a_stored_event_rings_the_idle_worker_which_does_not_wait_out_its_poll(
    state_store: StateStore,
) -> None:
    crm, clock = synced(state_store)
    make_high(crm, ("L2",), clock)
    drain = worker(crm, state_store, clock)
    sink = store_sink(state_store, on_stored=drain.doorbell.set)
    stop = threading.Event()
    loop = threading.Thread(target=drain.run, args=(stop, 600))  # a poll no test outlives
    loop.start()
    try:
        time.sleep(0.3)  # the worker has found the queue empty and waits
        sink([QueuedEvent("generic", "msg-1", "L2")], clock.now - PAST_DELAY)
        deadline = time.monotonic() + 30
        while crm.fields["L2"].score != 140 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert crm.fields["L2"].score == 140
    finally:
        stopped_at = time.monotonic()
        stop.set()
        loop.join(timeout=30)
    assert not loop.is_alive()
    assert time.monotonic() - stopped_at < 5  # an idle worker hears the stop, not the poll


def test_only_a_commit_that_stored_something_new_rings(state_store: StateStore) -> None:
    doorbell = threading.Event()
    sink = store_sink(state_store, on_stored=doorbell.set)
    sink([QueuedEvent("generic", "msg-1", "L2")], NOW)
    assert doorbell.is_set()
    doorbell.clear()
    sink([QueuedEvent("generic", "msg-1", "L2")], NOW)  # a replay: nothing new to claim
    assert not doorbell.is_set()


class RecordingAdapter(MemoryAdapter):
    """The memory adapter, noting who (the sync, the worker) wrote which leads' scores."""

    def __init__(self, crm: MemoryCrm, writes: list[tuple[str, str]], who: str) -> None:
        super().__init__(crm)
        self.writes, self.who = writes, who

    def write_scores(self, writes: Sequence[ScoreWrite]) -> list[RecordFailure]:
        """Record, then write."""
        self.writes.extend((self.who, write.lead_id) for write in writes)
        return super().write_scores(writes)


@pytest.mark.parametrize(
    ("full", "arrives_at", "writer"),
    [
        (True, "read_leads", "sync"),  # before the sync read L2: the sync writes it
        (False, "write_scores:done", "worker"),  # after: the worker rescores it
    ],
)
def test_a_webhook_during_a_scheduled_sync_waits_for_it_then_converges(
    state_store: StateStore, full: bool, arrives_at: str, writer: str
) -> None:
    crm, clock = synced(state_store)
    make_high(crm, ("L4",), clock)  # the sync has something of its own to write
    writes: list[tuple[str, str]] = []
    stop = threading.Event()
    drain = Worker(
        settings(), state_store, lambda: RecordingAdapter(crm, writes, "worker"), clock=clock,
        claimant="worker",
    )  # fmt: skip
    loop = threading.Thread(target=drain.run, args=(stop, 0.01), name="worker")
    unclaimed_during_sync: list[list[str]] = []

    def webhook_arrives(step: str) -> None:
        # Mid sync, the run lock held: L2 changes in the CRM and its webhook is queued.
        if step != arrives_at or unclaimed_during_sync:
            return
        make_high(crm, ("L2",), clock)
        enqueue(state_store, clock, "L2")
        clock.advance(PAST_DELAY)
        loop.start()
        time.sleep(0.5)  # many worker polls
        peek = state_store.claim_queued(
            1, ready_before=clock.now, claimant="peek", lease=timedelta(0), now=clock.now
        )
        unclaimed_during_sync.append([lead.lead_id for lead in peek])

    crm.on_step = webhook_arrives
    as_of = clock.now + timedelta(minutes=1)
    pipeline = Pipeline(settings(), RecordingAdapter(crm, writes, "sync"), state_store, clock)
    pipeline.run(RunRequest(as_of, full=full))
    crm.on_step = None
    try:
        deadline = time.monotonic() + 30
        while state_store.queue_depth() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        loop.join(timeout=30)

    # The worker neither wrote nor held the lead while the sync ran: no lease to run out.
    assert unclaimed_during_sync == [["L2"]]
    assert [who for who, lead in writes if lead == "L2"] == [writer]  # one score write
    assert crm.fields["L2"].score == 140
    assert Counter(task.lead_id for task in crm.tasks.values())["L2"] == 1
    assert not [key for key in crm.tasks if "#dup" in key]
    assert state_store.queue_depth() == 0
    assert state_store.recent_runs(1)[0].mode == "incremental"  # the worker ran after the sync
