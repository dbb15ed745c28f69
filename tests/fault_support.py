"""Fault injection for sync tests: count every step of a run and die at a chosen one."""

from __future__ import annotations

from typing import Any

from connector.state import StateStore
from tests.fakes.memory import Crash

#: State store calls that change something: a crash may come before any of them.
STATE_WRITES = frozenset(
    {
        "start_run",
        "finish_run",
        "record_written",
        "record_failures",
        "clear_failures",
        "reserve_task",
        "mark_task_created",
        "set_cursor",
        "set_ruleset_hash",
    }
)


class Faults:
    """Counts the steps of a run and dies at step `target`."""

    def __init__(self, target: int | None) -> None:
        self.target = target
        self.steps: list[str] = []

    def step(self, name: str) -> None:
        """One more step; raise Crash if it is the chosen one."""
        if self.target is not None and len(self.steps) == self.target:
            self.steps.append(name)
            raise Crash(name)
        self.steps.append(name)


class CrashingStore:
    """The real store, with a step counted before every call that changes it."""

    def __init__(self, store: StateStore, faults: Faults) -> None:
        self._store = store
        self._faults = faults

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._store, name)
        if name not in STATE_WRITES:
            return attribute

        def counted(*args: Any, **kwargs: Any) -> Any:
            self._faults.step(f"state.{name}")
            return attribute(*args, **kwargs)

        return counted


class CrashingAdapter:
    """A real adapter with a step before each call and after each write that went through."""

    WRITES = frozenset({"write_scores", "create_tasks"})

    def __init__(self, adapter: Any, faults: Faults) -> None:
        self._adapter = adapter
        self._faults = faults

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._adapter, name)
        if not callable(attribute) or name.startswith("_"):
            return attribute

        def counted(*args: Any, **kwargs: Any) -> Any:
            self._faults.step(name)
            result = attribute(*args, **kwargs)
            if name in self.WRITES:
                self._faults.step(f"{name}:done")  # written, and the process dies right after
            return result

        return counted
