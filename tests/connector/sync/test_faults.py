"""Kill a run at every step, rerun, and the CRM ends as a clean run leaves it: no lost write,
no duplicated task (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from connector.model import Lead
from connector.state import StateStore
from tests.fakes.memory import Crash, MemoryCrm
from tests.fault_support import CrashingStore, Faults
from tests.scoring_support import NOW
from tests.sync_support import Clock, add_abc_download, run, seeded_crm


def _crm() -> MemoryCrm:
    crm = seeded_crm()
    crm.rejected = {"L4"}  # a per-record failure is part of the run, too
    return crm


def _edit_between_runs(crm: MemoryCrm, at: datetime) -> None:
    """After the first run: L1 and L3 turn out to be automotive, and L3 enters 高 (140)."""
    for lead_id in ("L1", "L3"):
        crm.add_lead(Lead(lead_id, {"industry": "自動車", "title": "部長"}, owner="rep"), at)
    add_abc_download(crm, "L3", 9, at, occurred_at=NOW - timedelta(hours=1))


Scenario = Callable[[MemoryCrm, StateStore, Clock], None]


def _nothing_before(crm: MemoryCrm, store: StateStore, clock: Clock) -> None:
    """The faulty run is the very first one."""


def _one_clean_run_before(crm: MemoryCrm, store: StateStore, clock: Clock) -> None:
    """A clean run, then edits in the CRM: the faulty run is incremental."""
    run(crm, store, NOW, clock)
    clock.advance(timedelta(minutes=5))
    _edit_between_runs(crm, clock.now)
    clock.advance(timedelta(minutes=1))


def _faulty_run(crm: MemoryCrm, store: StateStore, faults: Faults, clock: Clock) -> None:
    crm.on_step = faults.step
    try:
        run(crm, CrashingStore(store, faults), NOW, clock)  # type: ignore[arg-type]
    finally:
        crm.on_step = None


@pytest.mark.parametrize("before", [_nothing_before, _one_clean_run_before], ids=["first", "later"])
def test_a_crash_at_any_step_converges_on_the_next_run(
    open_state_store: Callable[[], StateStore], before: Scenario
) -> None:
    store = open_state_store()
    crm, clock, faults = _crm(), Clock(NOW + timedelta(minutes=1)), Faults(None)
    before(crm, store, clock)
    _faulty_run(crm, store, faults, clock)
    clean, steps = crm.snapshot(), faults.steps
    assert "create_tasks:done" in steps
    assert "state.mark_task_created" in steps
    assert "state.set_cursor" in steps
    for target in range(len(steps)):
        crm, clock = _crm(), Clock(NOW + timedelta(minutes=1))
        _reset(store)
        before(crm, store, clock)
        with pytest.raises(Crash):
            _faulty_run(crm, store, Faults(target), clock)
        clock.advance(timedelta(minutes=10))
        run(crm, store, NOW, clock)
        assert crm.snapshot() == clean, f"crash before step {target}: {steps[target]}"


def _reset(store: StateStore) -> None:
    """Empty the store, as a new installation has it."""
    with store._engine.begin() as connection:  # noqa: SLF001 - a test resetting its database
        for table in ("written_results", "cursors", "tasks", "failures", "runs", "meta"):
            connection.exec_driver_sql(f"DELETE FROM {table}")  # noqa: S608 - fixed names
