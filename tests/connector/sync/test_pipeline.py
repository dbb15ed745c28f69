"""Incremental, idempotent sync on the state store, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterator
from datetime import datetime, timedelta

import pytest

from connector.errors import StateError
from connector.model import Activity, Lead
from connector.state import StateStore
from connector.sync import Pipeline, RunReport, RunRequest
from tests.fakes.memory import MemoryAdapter, MemoryCrm
from tests.scoring_support import NOW
from tests.sync_support import (
    Clock,
    activity,
    add_abc_download,
    add_evaluating_reader,
    run,
    seeded_crm,
    settings,
)


def test_an_unchanged_rerun_selects_and_writes_nothing(state_store: StateStore) -> None:
    crm = seeded_crm()
    first = run(crm, state_store, NOW)
    assert first.mode == "full"
    assert first.written == 7
    calls_before = len(crm.calls)
    again = run(crm, state_store, NOW, Clock(NOW + timedelta(minutes=15)))
    assert again.mode == "incremental"
    assert (again.selected, again.written, again.tasks_created) == (0, 0, 0)
    assert "write_scores" not in crm.calls[calls_before:]


def test_time_alone_lowers_a_score_when_its_visit_leaves_the_window(
    state_store: StateStore,
) -> None:
    crm = seeded_crm()
    run(crm, state_store, NOW)
    assert crm.fields["L5"].score == 20  # 食品, 部長 10 + booth visit 25 days ago 10
    later = NOW + timedelta(days=5)
    report = run(crm, state_store, later)
    assert report.mode == "incremental"
    assert crm.fields["L5"].score == 10
    assert crm.fields["L6"].score == 130  # its visit, 26 days old, left too; still 高
    # Only the leads whose visit left the window in those five days were read again.
    assert report.selected == 2
    assert {item.lead.id for item in report.writes} == {"L5", "L6"}


def test_a_lead_edited_in_the_crm_is_rescored(state_store: StateStore) -> None:
    crm = seeded_crm()
    clock = Clock(NOW + timedelta(minutes=1))
    run(crm, state_store, NOW, clock)
    clock.advance(timedelta(hours=1))
    crm.add_lead(Lead("L1", {"industry": "自動車", "title": "部長"}, owner="rep"), clock.now)
    clock.advance(timedelta(minutes=1))
    report = run(crm, state_store, NOW, clock)
    assert report.selected == 1
    assert crm.fields["L1"].score == 40  # 自動車 20 + 部長 10 + visit 10


def test_a_lead_hovering_around_the_bar_gets_one_task(state_store: StateStore) -> None:
    crm = MemoryCrm()
    crm.add_lead(Lead("H", {"industry": "自動車", "title": "部長"}, owner="rep"), NOW)
    crm.add_activity(activity(0, "H", "trade_show_visit", NOW - timedelta(days=3)), NOW)
    add_evaluating_reader(crm, "H")  # 20 + 10 + 10 + 80 = exactly 120: not yet 高
    clock = Clock(NOW + timedelta(minutes=1))
    scores = []
    for hour in range(1, 6):
        clock.advance(timedelta(hours=1))
        if hour % 2:
            add_abc_download(crm, "H", hour, clock.now)  # 140: 高
        else:
            crm.activities = [a for a in crm.activities if a.kind != "download"]
            crm.modified["H"] = clock.now  # back to 120: 中
        clock.advance(timedelta(minutes=1))
        run(crm, state_store, clock.now, clock)
        scores.append(crm.fields["H"].score)
    assert scores == [140, 120, 140, 120, 140]
    assert len(crm.tasks) == 1


def test_rejected_records_are_reported_and_retried_without_stopping_others(
    state_store: StateStore,
) -> None:
    crm = seeded_crm()
    crm.rejected = {"L2"}
    report = run(crm, state_store, NOW)
    assert [failure.record_id for failure in report.failures] == ["L2"]
    assert "L2" not in crm.fields
    assert len(crm.fields) == 6
    assert set(state_store.pending_failures("score")) == {"L2"}
    crm.rejected = set()
    retry = run(crm, state_store, NOW, Clock(NOW + timedelta(minutes=5)))
    assert retry.selected == 1
    assert "L2" in crm.fields
    assert state_store.pending_failures("score") == {}


def test_a_failed_task_holds_back_the_score_until_the_task_exists(
    state_store: StateStore,
) -> None:
    crm = seeded_crm()
    crm.rejected_tasks = {"L0"}
    report = run(crm, state_store, NOW)
    assert "L0" not in crm.fields  # otherwise the next run would no longer see it entering 高
    assert any(failure.record_id.startswith("leadscore:L0:") for failure in report.failures)
    crm.rejected_tasks = set()
    run(crm, state_store, NOW + timedelta(days=1), Clock(NOW + timedelta(days=1)))
    assert crm.fields["L0"].priority == "高"
    assert [task.lead_id for task in crm.tasks.values()].count("L0") == 1
    [key] = [key for key, task in crm.tasks.items() if task.lead_id == "L0"]
    assert key.endswith(NOW.date().isoformat())  # the reserved key, reused on retry


def test_a_new_rule_set_rescore_everything(state_store: StateStore) -> None:
    crm = seeded_crm()
    run(crm, state_store, NOW)
    state_store.set_ruleset_hash("an older table")
    report = run(crm, state_store, NOW, Clock(NOW + timedelta(minutes=5)))
    assert report.mode == "full"
    assert report.selected == 7
    assert report.written == 0  # same rules in fact: the diff finds nothing to write


def test_dry_run_changes_neither_crm_nor_state(state_store: StateStore) -> None:
    crm = seeded_crm()
    report = run(crm, state_store, NOW, dry_run=True)
    assert len(report.writes) == 7
    assert [task.lead_id for task in report.tasks] == ["L0", "L6"]
    assert crm.fields == {}
    assert crm.tasks == {}
    assert state_store.recent_runs() == []
    assert state_store.cursor("leads") is None


def test_a_second_sync_on_the_same_store_is_refused(
    state_store: StateStore, state_url: str
) -> None:
    other = StateStore.open(state_url)
    try:
        with other.run_lock(), pytest.raises(StateError, match="another leadscore sync"):
            run(seeded_crm(), state_store, NOW)
    finally:
        other.close()


def test_every_run_is_recorded_with_its_counts(state_store: StateStore) -> None:
    crm = seeded_crm()
    run(crm, state_store, NOW)
    [record] = state_store.recent_runs()
    assert record.status == "ok"
    assert record.counts["written"] == 7
    assert record.counts["tasks_created"] == 2
    assert record.api_calls == len(crm.calls)


def test_reads_overlap_when_the_adapter_allows_it(state_store: StateStore) -> None:
    crm = seeded_crm()
    activities_started = threading.Event()

    class Overlapping(MemoryAdapter):
        concurrent_reads = True

        def read_leads(self, ids: Collection[str] | None = None) -> Iterator[Lead]:
            # Sequential reads would never see the other read start: this wait would time out.
            assert activities_started.wait(timeout=10), "read_activities did not run alongside"
            return super().read_leads(ids)

        def read_activities(
            self,
            lead_ids: Collection[str] | None,
            occurred_after: datetime,
            *,
            occurred_before: datetime | None = None,
        ) -> Iterator[Activity]:
            activities_started.set()
            return super().read_activities(
                lead_ids, occurred_after, occurred_before=occurred_before
            )

    clock = Clock(NOW + timedelta(minutes=1))
    report = Pipeline(settings(), Overlapping(crm), state_store, clock).run(RunRequest(NOW))
    assert report.written == 7
    assert report.activities_read == len(crm.activities)


def test_the_failures_table_records_when_failures_happened_not_the_as_of_instant(
    state_store: StateStore,
) -> None:
    crm = seeded_crm()
    crm.rejected, crm.rejected_tasks = {"L2"}, {"L0"}
    wall = NOW + timedelta(days=40)  # a backtest: scored as of NOW, run forty days later
    run(crm, state_store, NOW, Clock(wall))
    failures = [
        *state_store.pending_failures("score").values(),
        *state_store.pending_failures("task").values(),
    ]
    # L2's write was refused; L0's task was, which holds back L0's score too.
    assert sorted(f.record_id for f in failures if f.kind == "score") == ["L0", "L2"]
    assert [f.kind for f in failures].count("task") == 1
    assert {(failure.first_failed_at, failure.last_failed_at) for failure in failures} == {
        (wall, wall)
    }


def test_a_run_reads_the_cursor_once(
    state_store: StateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    crm = seeded_crm()
    run(crm, state_store, NOW)
    reads: list[str] = []
    read_cursor = state_store.cursor

    def counting(name: str) -> datetime | None:
        reads.append(name)
        return read_cursor(name)

    monkeypatch.setattr(state_store, "cursor", counting)
    report = run(crm, state_store, NOW, Clock(NOW + timedelta(minutes=15)))
    assert report.mode == "incremental"
    assert reads == ["leads"]


def test_a_result_the_crm_no_longer_shows_is_written_again(state_store: StateStore) -> None:
    crm = seeded_crm()
    clock = Clock(NOW + timedelta(minutes=1))
    run(crm, state_store, NOW, clock)
    shown = crm.fields.pop("L1")  # a rep cleared the score fields by hand
    clock.advance(timedelta(hours=1))
    crm.modified["L1"] = clock.now
    report = run(crm, state_store, NOW, clock)
    assert [item.lead.id for item in report.writes] == ["L1"]
    assert crm.fields["L1"] == shown


def test_rewrite_writes_every_result_even_when_the_crm_shows_it(state_store: StateStore) -> None:
    crm = seeded_crm()
    run(crm, state_store, NOW)
    report = run(crm, state_store, NOW, Clock(NOW + timedelta(minutes=15)), rewrite=True)
    assert report.mode == "full"
    assert report.written == 7


def _owned_by(crm: MemoryCrm, lead_id: str, owner: str | None) -> None:
    lead = crm.leads[lead_id]
    crm.add_lead(Lead(lead.id, lead.attributes, owner=owner), NOW)


def test_an_owner_who_cannot_take_a_task_gets_the_score_written_and_one_report(
    state_store: StateStore,
) -> None:
    crm = seeded_crm()
    _owned_by(crm, "L0", "gone")
    crm.inactive_owners = {"gone"}
    first = run(crm, state_store, NOW)
    assert crm.fields["L0"].priority == "高"  # the score is not held back
    [failure] = first.failures
    assert failure.owner_refused
    assert "fallback_owner" in failure.message
    assert state_store.pending_failures("task") == {}
    assert [task.status for task in state_store.refused_tasks(10)] == ["refused"]
    calls = len(crm.calls)
    again = run(crm, state_store, NOW + timedelta(hours=1), Clock(NOW + timedelta(hours=1)))
    assert again.failures == []  # reported once, not every run
    assert "create_tasks" not in crm.calls[calls:]


def test_a_task_refused_for_its_owner_goes_to_the_fallback_owner(
    state_store: StateStore,
) -> None:
    crm = seeded_crm()
    _owned_by(crm, "L0", "gone")
    crm.inactive_owners = {"gone"}
    report = run_with(crm, state_store, fallback_owner="manager")
    assert report.failures == []
    assert {task.lead_id: task.owner for task in crm.tasks.values()}["L0"] == "manager"


def test_a_lead_without_an_owner_gives_its_task_to_the_fallback_owner(
    state_store: StateStore,
) -> None:
    crm = seeded_crm()
    _owned_by(crm, "L6", None)
    run_with(crm, state_store, fallback_owner="manager")
    assert {task.lead_id: task.owner for task in crm.tasks.values()}["L6"] == "manager"


def test_a_refused_fallback_owner_is_reported_too(state_store: StateStore) -> None:
    crm = seeded_crm()
    _owned_by(crm, "L0", "gone")
    crm.inactive_owners = {"gone", "manager"}
    report = run_with(crm, state_store, fallback_owner="manager")
    [failure] = report.failures
    assert "the fallback owner manager was refused too" in failure.message
    assert crm.fields["L0"].priority == "高"


def run_with(crm: MemoryCrm, store: StateStore, **follow_up: str) -> RunReport:
    """One sync as of NOW with `[follow_up]` settings changed."""
    configured = settings()
    configured = configured.model_copy(
        update={"follow_up": configured.follow_up.model_copy(update=follow_up)}
    )
    pipeline = Pipeline(configured, MemoryAdapter(crm), store, Clock(NOW + timedelta(minutes=1)))
    return pipeline.run(RunRequest(NOW))


def test_a_backtest_reads_nothing_after_its_as_of_while_a_present_run_keeps_future_dates(
    state_store: StateStore,
) -> None:
    crm = seeded_crm()
    add_abc_download(crm, "L1", 7, NOW, occurred_at=NOW + timedelta(days=1))
    present = run(crm, state_store, NOW, full=True)
    backtest = run(
        crm, state_store, NOW, Clock(NOW + timedelta(hours=1)), full=True, as_of_given=True
    )
    assert present.activities_read == backtest.activities_read + 1


def test_what_an_adapter_asks_to_remember_reaches_its_next_run(state_store: StateStore) -> None:
    recalled: list[str] = []

    class Remembering(MemoryAdapter):
        def memory(self) -> str:
            return f"after {len(self.crm.calls)} calls"

        def recall(self, memory: str) -> None:
            recalled.append(memory)

    crm = seeded_crm()
    Pipeline(settings(), Remembering(crm), state_store, Clock()).run(RunRequest(NOW))
    kept = state_store.adapter_memory("csv")
    assert kept is not None
    assert kept.startswith("after ")
    later = Clock(NOW + timedelta(minutes=15))
    Pipeline(settings(), Remembering(crm), state_store, later).run(RunRequest(NOW))
    assert recalled == [kept]
