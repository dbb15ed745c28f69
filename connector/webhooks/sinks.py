"""Where accepted events go: the state store's rescoring queue, and whether it answers."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from starlette.concurrency import run_in_threadpool

from connector.errors import StateError
from connector.state import QueuedEvent, StateStore

#: Stores events received at a moment; returns how many were new (the rest: duplicates).
Sink = Callable[[Sequence[QueuedEvent], datetime], int]
#: Stores several deliveries in one transaction; how many events of each were new.
BatchWrite = Callable[[Sequence[tuple[Sequence[QueuedEvent], datetime]]], list[int]]
#: A sink as the receiver awaits it, on its event loop.
AsyncSink = Callable[[Sequence[QueuedEvent], datetime], Awaitable[int]]


def store_sink(store: StateStore, on_stored: Callable[[], None] | None = None) -> Sink:
    """The store's durable queue as a sink, concurrent requests sharing commits.

    `on_stored` is called after each commit that stored a new event (a worker's doorbell).
    """

    def write(batch: Sequence[tuple[Sequence[QueuedEvent], datetime]]) -> list[int]:
        counts = store.enqueue_many(batch)
        if on_stored is not None and any(counts):
            on_stored()
        return counts

    return GroupCommit(write)


@dataclass(slots=True)
class _Delivery:
    events: Sequence[QueuedEvent]
    at: datetime
    done: threading.Event = field(default_factory=threading.Event)
    new: int = 0
    error: Exception | None = None
    writes: bool = False


class GroupCommit:
    """A sink that stores the deliveries of concurrent requests in one transaction.

    Each caller still returns only once its own events are committed. One caller at a time
    writes everything waiting; whoever arrives meanwhile waits for the next commit, written
    by the first of them. No thread of its own: a writer is always a caller. Under load this
    turns one commit (and, on SQLite, one fight for the write lock) per request into one per
    batch.
    """

    def __init__(self, write: BatchWrite) -> None:
        self.write = write
        self._lock = threading.Lock()
        self._waiting: list[_Delivery] = []
        self._writing = False

    def __call__(self, events: Sequence[QueuedEvent], at: datetime) -> int:
        """Store the events (with whatever else waits); how many were new."""
        mine = _Delivery(events, at)
        with self._lock:
            self._waiting.append(mine)
            if not self._writing:
                self._writing = mine.writes = True
        if not mine.writes:
            mine.done.wait()  # written by another caller, or handed the writing
        if mine.writes:
            self._write_waiting()
        if mine.error is not None:
            raise mine.error
        return mine.new

    def _write_waiting(self) -> None:
        """Write every waiting delivery in one go, then hand the writing on (or stop)."""
        with self._lock:
            batch, self._waiting = self._waiting, []
        try:
            counts = self.write([(delivery.events, delivery.at) for delivery in batch])
            for delivery, new in zip(batch, counts, strict=True):
                delivery.new = new
        except Exception as error:  # every waiter of the batch hears of it (a 503 each)
            for delivery in batch:
                delivery.error = error
        finally:
            with self._lock:
                if self._waiting:  # arrived during the write: the first of them writes next
                    self._waiting[0].writes = True
                    self._waiting[0].done.set()
                else:
                    self._writing = False
            for delivery in batch:
                delivery.done.set()


def awaited(sink: Sink) -> AsyncSink:
    """The sink for one event loop: a GroupCommit batched on the loop, any other in a thread."""
    if isinstance(sink, GroupCommit):
        return LoopGroupCommit(sink.write)

    async def in_thread(events: Sequence[QueuedEvent], at: datetime) -> int:
        return await run_in_threadpool(sink, events, at)

    return in_thread


@dataclass(slots=True)
class _Awaiting:
    events: Sequence[QueuedEvent]
    at: datetime
    stored: asyncio.Future[int]


class LoopGroupCommit:
    """GroupCommit for the requests of one event loop: one thread handoff per commit.

    Requests queue on the loop itself and await their own future; one writer task takes
    everything waiting to a worker thread, commits it in one transaction, and only then
    resolves the futures. Blocking waiters in the threadpool (one thread per request, and
    the GIL fights between them) cost more CPU than the commit they waited for.
    """

    def __init__(self, write: BatchWrite) -> None:
        self._write = write
        self._waiting: list[_Awaiting] = []
        self._writer: asyncio.Task[None] | None = None

    async def __call__(self, events: Sequence[QueuedEvent], at: datetime) -> int:
        """Store the events (with whatever else waits); how many were new, once committed."""
        mine = _Awaiting(events, at, asyncio.get_running_loop().create_future())
        self._waiting.append(mine)
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_all_waiting())
        return await mine.stored

    async def _write_all_waiting(self) -> None:
        """Commit batch after batch while deliveries keep arriving, then stop."""
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                await self._commit(batch)
        except BaseException:  # cancelled (the loop shuts down): no waiter is left hanging
            for delivery in self._waiting:
                delivery.stored.cancel()
            self._waiting = []
            raise
        finally:
            self._writer = None

    async def _commit(self, batch: list[_Awaiting]) -> None:
        """One transaction for the batch; each future gets its count, or the error."""
        try:
            counts = await run_in_threadpool(self._write, [(d.events, d.at) for d in batch])
            settled = list(zip(batch, counts, strict=True))
        except Exception as error:  # every waiter of the batch hears of it (a 503 each)
            for delivery in batch:
                _settle(delivery.stored, error=error)
            return
        except BaseException:
            for delivery in batch:
                delivery.stored.cancel()
            raise
        for delivery, new in settled:
            _settle(delivery.stored, new)


def _settle(future: asyncio.Future[int], new: int = 0, error: Exception | None = None) -> None:
    # A request cancelled meanwhile (its client left) no longer awaits its future.
    if future.done():
        return
    if error is None:
        future.set_result(new)
    else:
        future.set_exception(error)


def store_ready(store: StateStore) -> Callable[[], bool]:
    """A readiness probe: the store answers a cheap read."""

    def ready() -> bool:
        try:
            store.ruleset_hash()  # one indexed single-row read: cheap enough for every probe
        except StateError:
            return False
        return True

    return ready
