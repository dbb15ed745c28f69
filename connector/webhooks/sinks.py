"""Where accepted events go: the state store's rescoring queue, and whether it answers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from connector.errors import StateError
from connector.state import QueuedEvent, StateStore

#: Stores events received at a moment; returns how many were new (the rest: duplicates).
Sink = Callable[[Sequence[QueuedEvent], datetime], int]


def store_sink(store: StateStore) -> Sink:
    """The store's durable queue as a sink."""
    return store.enqueue


def store_ready(store: StateStore) -> Callable[[], bool]:
    """A readiness probe: the store answers a cheap read."""

    def ready() -> bool:
        try:
            store.ruleset_hash()  # one indexed single-row read: cheap enough for every probe
        except StateError:
            return False
        return True

    return ready
