"""Group commit: concurrent deliveries share a transaction; each returns after its own commit."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime

from connector.errors import StateError
from connector.state import QueuedEvent
from connector.webhooks.sinks import GroupCommit, LoopGroupCommit

AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
#: Seconds an event-loop test may take: a waiter left hanging fails it, never blocks the run.
TIMEOUT = 10
Batch = Sequence[tuple[Sequence[QueuedEvent], datetime]]


class SlowStore:
    """A write that takes a while, remembering what each call committed."""

    def __init__(self, fail: bool = False) -> None:
        self.committed: list[list[str]] = []
        self.fail = fail

    def write(self, batch: Batch) -> list[int]:
        time.sleep(0.05)
        if self.fail:
            raise StateError("the state database failed")
        self.committed.append([events[0].event_id for events, _ in batch])
        return [len(events) for events, _ in batch]


def deliver(sink: GroupCommit, count: int) -> dict[str, object]:
    """`count` concurrent deliveries; what each returned (or raised), by event id."""
    results: dict[str, object] = {}
    start = threading.Barrier(count)

    def one(number: int) -> None:
        events = [QueuedEvent("generic", f"e{number}", f"L{number}")] * (number % 3 + 1)
        start.wait()
        try:
            results[f"e{number}"] = sink(events, AT)
        except StateError as error:
            results[f"e{number}"] = error

    threads = [threading.Thread(target=one, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_concurrent_deliveries_share_commits_and_each_gets_its_own_count() -> None:
    store = SlowStore()
    results = deliver(GroupCommit(store.write), 20)

    assert results == {f"e{n}": n % 3 + 1 for n in range(20)}
    assert len(store.committed) < 20  # shared transactions
    assert sorted(e for batch in store.committed for e in batch) == sorted(results)


def test_a_failed_commit_fails_every_delivery_in_it_and_the_next_one_writes() -> None:
    store = SlowStore(fail=True)
    sink = GroupCommit(store.write)
    results = deliver(sink, 8)
    assert all(isinstance(result, StateError) for result in results.values())

    store.fail = False
    assert sink([QueuedEvent("generic", "later", "L1")], AT) == 1


def test_a_delivery_returns_only_once_its_own_commit_is_done() -> None:
    store = SlowStore()
    sink = GroupCommit(store.write)
    seen_at_return: dict[str, bool] = {}

    def one(number: int) -> None:
        sink([QueuedEvent("generic", f"e{number}", "L1")], AT)
        seen_at_return[f"e{number}"] = any(f"e{number}" in b for b in store.committed)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert seen_at_return == dict.fromkeys((f"e{n}" for n in range(10)), True)


def deliver_on_loop(sink: LoopGroupCommit, count: int) -> dict[str, object]:
    """`count` concurrent deliveries on one event loop; what each returned (or raised)."""

    async def one(number: int) -> object:
        events = [QueuedEvent("generic", f"e{number}", f"L{number}")] * (number % 3 + 1)
        try:
            return await sink(events, AT)
        except StateError as error:
            return error

    async def all_of_them() -> list[object]:
        return await asyncio.gather(*(one(n) for n in range(count)))

    results = asyncio.run(asyncio.wait_for(all_of_them(), TIMEOUT))
    return {f"e{n}": result for n, result in enumerate(results)}


def test_on_the_event_loop_deliveries_share_commits_and_each_gets_its_own_count() -> None:
    store = SlowStore()
    results = deliver_on_loop(LoopGroupCommit(store.write), 20)

    assert results == {f"e{n}": n % 3 + 1 for n in range(20)}
    assert len(store.committed) < 20
    assert sorted(e for batch in store.committed for e in batch) == sorted(results)


def test_on_the_event_loop_a_failed_commit_fails_its_deliveries_and_the_next_one_writes() -> None:
    store = SlowStore(fail=True)
    sink = LoopGroupCommit(store.write)
    assert all(isinstance(r, StateError) for r in deliver_on_loop(sink, 8).values())

    store.fail = False
    assert deliver_on_loop(sink, 1) == {"e0": 1}


def test_on_the_event_loop_a_delivery_returns_only_once_its_own_commit_is_done() -> None:
    store = SlowStore()
    sink = LoopGroupCommit(store.write)

    async def one(number: int) -> bool:
        await asyncio.sleep(number * 0.02)  # arrivals spread over several commits
        await sink([QueuedEvent("generic", f"e{number}", "L1")], AT)
        return any(f"e{number}" in batch for batch in store.committed)

    async def all_of_them() -> list[bool]:
        return await asyncio.gather(*(one(n) for n in range(10)))

    assert asyncio.run(asyncio.wait_for(all_of_them(), TIMEOUT)) == [True] * 10
    assert len(store.committed) > 1


def test_on_the_event_loop_a_request_that_gave_up_does_not_stop_the_others() -> None:
    store = SlowStore()
    sink = LoopGroupCommit(store.write)

    async def scenario() -> int:
        left = asyncio.create_task(sink([QueuedEvent("generic", "left", "L1")], AT))
        await asyncio.sleep(0)  # queued, its commit under way
        left.cancel()
        return await sink([QueuedEvent("generic", "stayed", "L2")], AT)

    assert asyncio.run(asyncio.wait_for(scenario(), TIMEOUT)) == 1
    assert sorted(e for batch in store.committed for e in batch) == ["left", "stayed"]
