"""A run on exactly given leads (the webhook worker's): scored as any run, the cursor left alone."""

from __future__ import annotations

from datetime import timedelta

from connector.model import Lead
from connector.state import StateStore
from connector.sync import Pipeline, RunReport, RunRequest
from connector.sync.pipeline import LEADS_CURSOR
from tests.fakes.memory import MemoryAdapter, MemoryCrm
from tests.scoring_support import NOW
from tests.sync_support import (
    Clock,
    add_abc_download,
    add_evaluating_reader,
    run,
    seeded_crm,
    settings,
)


def run_on(crm: MemoryCrm, store: StateStore, lead_ids: set[str], clock: Clock) -> RunReport:
    """A run on `lead_ids` only, scored at the clock's time."""
    pipeline = Pipeline(settings(), MemoryAdapter(crm), store, clock)
    return pipeline.run(RunRequest(clock.now, lead_ids=frozenset(lead_ids)))


def make_high(crm: MemoryCrm, lead_ids: tuple[str, ...], clock: Clock) -> None:
    """+100 for each lead (a 自動車 lead at 40 goes to 140, 高, with a task), recorded now."""
    for lead_id in lead_ids:
        add_evaluating_reader(crm, lead_id)
        add_abc_download(crm, lead_id, 9, clock.now)


def test_only_the_given_leads_are_read_scored_and_written(state_store: StateStore) -> None:
    crm = seeded_crm()
    clock = Clock(NOW + timedelta(minutes=1))
    run(crm, state_store, NOW, clock)
    cursor = state_store.cursor(LEADS_CURSOR)
    clock.advance(timedelta(hours=1))
    make_high(crm, ("L2", "L4"), clock)

    report = run_on(crm, state_store, {"L2"}, clock)

    assert (report.mode, report.selected, report.written, report.tasks_created) == (
        "incremental",
        1,
        1,
        1,
    )
    assert {task.lead_id for task in crm.tasks.values()} == {"L0", "L6", "L2"}
    assert state_store.cursor(LEADS_CURSOR) == cursor
    assert "changed_lead_ids" not in crm.calls[-5:]


def test_the_next_scheduled_run_still_sees_what_the_webhook_run_left(
    state_store: StateStore,
) -> None:
    crm = seeded_crm()
    clock = Clock(NOW + timedelta(minutes=1))
    run(crm, state_store, NOW, clock)
    clock.advance(timedelta(hours=1))
    make_high(crm, ("L2", "L4"), clock)
    run_on(crm, state_store, {"L2"}, clock)
    clock.advance(timedelta(minutes=1))

    scheduled = run(crm, state_store, clock.now, clock)

    assert scheduled.selected == 2  # L2 too: the cursor did not move past its change
    assert {item.lead.id for item in scheduled.writes} == {"L4"}
    assert len(crm.tasks) == 4


def test_a_run_on_given_leads_before_the_first_sync_is_not_full(state_store: StateStore) -> None:
    crm = seeded_crm()
    crm.add_lead(Lead("L9", {"industry": "食品"}, owner="rep"), NOW)

    report = run_on(crm, state_store, {"L0", "L9", "gone"}, Clock(NOW))

    assert (report.mode, report.selected, report.written) == ("incremental", 2, 2)
    assert state_store.cursor(LEADS_CURSOR) is None
    assert state_store.ruleset_hash() is None
    assert run(crm, state_store, NOW).mode == "full"
