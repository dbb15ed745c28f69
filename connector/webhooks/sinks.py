"""Where accepted events go: the state store's rescoring queue, and whether it answers."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from connector.errors import StateError
from connector.state import QueuedEvent, StateStore

#: Stores events received at a moment; returns how many were new (the rest: duplicates).
Sink = Callable[[Sequence[QueuedEvent], datetime], int]
#: Stores several deliveries in one transaction; how many events of each were new.
BatchWrite = Callable[[Sequence[tuple[Sequence[QueuedEvent], datetime]]], list[int]]


def store_sink(store: StateStore) -> Sink:
    """The store's durable queue as a sink, concurrent requests sharing commits."""
    return GroupCommit(store.enqueue_many)


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
        self._write = write
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
            counts = self._write([(delivery.events, delivery.at) for delivery in batch])
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


def store_ready(store: StateStore) -> Callable[[], bool]:
    """A readiness probe: the store answers a cheap read."""

    def ready() -> bool:
        try:
            store.ruleset_hash()  # one indexed single-row read: cheap enough for every probe
        except StateError:
            return False
        return True

    return ready
