"""The state store keeps what sync needs between runs, identically on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from connector.state import StateStore, WrittenResult

TOKYO = timezone(timedelta(hours=9))
NOW = datetime(2026, 11, 20, 18, 0, 0, 123456, tzinfo=TOKYO)
MICROSECOND = timedelta(microseconds=1)


def result(lead_id: str, score: int = 130, next_change_at: datetime | None = NOW) -> WrittenResult:
    """A written result as sync would record it."""
    return WrittenResult(lead_id, score, "高", "reasons-1", "rules-1", next_change_at, NOW)


def test_written_results_round_trip_in_utc(state_store: StateStore) -> None:
    state_store.record_written([result("L1"), result("L2", 40, None)])

    written = state_store.written()

    assert written == {"L1": result("L1"), "L2": result("L2", 40, None)}
    assert written["L1"].written_at.tzinfo is UTC
    assert written["L1"].next_change_at == NOW


def test_record_written_upserts(state_store: StateStore) -> None:
    state_store.record_written([result("L1", 130), result("L2", 40)])
    state_store.record_written([result("L1", 90)])

    assert {lead: item.score for lead, item in state_store.written().items()} == {
        "L1": 90,
        "L2": 40,
    }


def test_written_for_some_leads(state_store: StateStore) -> None:
    state_store.record_written([result(f"L{number}") for number in range(5)])

    assert set(state_store.written(["L1", "L3", "unknown"])) == {"L1", "L3"}
    assert state_store.written([]) == {}


def test_written_for_many_leads_at_once(state_store: StateStore) -> None:
    lead_ids = [f"L{number}" for number in range(40_000)]
    state_store.record_written([result(lead_id) for lead_id in lead_ids])

    assert len(state_store.written(lead_ids[::2])) == 20_000


def test_due_for_rescore_includes_the_boundary(state_store: StateStore) -> None:
    state_store.record_written(
        [
            result("before", next_change_at=NOW - MICROSECOND),
            result("at", next_change_at=NOW),
            result("after", next_change_at=NOW + MICROSECOND),
            result("never", next_change_at=None),
        ]
    )

    assert state_store.due_for_rescore(NOW) == {"before", "at"}
    assert state_store.due_for_rescore(NOW.astimezone(UTC) - MICROSECOND) == {"before"}


def test_next_expiries_soonest_first(state_store: StateStore) -> None:
    hours = [5, 1, 3, 2]
    state_store.record_written(
        [result(f"in{hour}h", next_change_at=NOW + timedelta(hours=hour)) for hour in hours]
        + [result("never", next_change_at=None)]
    )

    soonest = state_store.next_expiries(limit=3)

    assert [item.lead_id for item in soonest] == ["in1h", "in2h", "in3h"]


def test_cursor_round_trips_exactly(state_store: StateStore) -> None:
    assert state_store.cursor("leads") is None

    state_store.set_cursor("leads", NOW)
    state_store.set_cursor("activities", NOW - timedelta(days=1))
    state_store.set_cursor("leads", NOW + MICROSECOND)

    assert state_store.cursor("leads") == NOW + MICROSECOND
    assert state_store.cursor("activities") == NOW - timedelta(days=1)
    assert state_store.cursor("leads").tzinfo is UTC  # type: ignore[union-attr]


def test_naive_datetimes_are_refused(state_store: StateStore) -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        state_store.set_cursor("leads", datetime(2026, 11, 20, 9, 0))  # noqa: DTZ001


def test_results_with_naive_datetimes_are_refused() -> None:
    naive = datetime(2026, 11, 20, 9, 0)  # noqa: DTZ001

    with pytest.raises(ValueError, match="naive datetime"):
        WrittenResult("L1", 130, "高", "reasons-1", "rules-1", None, naive)


def test_ruleset_hash_is_remembered(state_store: StateStore) -> None:
    assert state_store.ruleset_hash() is None

    state_store.set_ruleset_hash("rules-1")
    state_store.set_ruleset_hash("rules-2")

    assert state_store.ruleset_hash() == "rules-2"


def test_failures_accumulate_attempts(state_store: StateStore) -> None:
    later = NOW + timedelta(hours=1)
    state_store.record_failures("score", {"L1": "locked", "L2": "invalid"}, NOW)
    state_store.record_failures("score", failures={"L1": "still locked"}, at=later)
    state_store.record_failures("task", {"L1": "no owner"}, NOW)

    pending = state_store.pending_failures("score")

    assert {record_id: item.attempts for record_id, item in pending.items()} == {"L1": 2, "L2": 1}
    assert pending["L1"].message == "still locked"
    assert (pending["L1"].first_failed_at, pending["L1"].last_failed_at) == (NOW, later)
    assert set(state_store.pending_failures("task")) == {"L1"}


def test_clear_failures_forgets_only_those_given(state_store: StateStore) -> None:
    state_store.record_failures("score", {"L1": "x", "L2": "y", "L3": "z"}, NOW)
    state_store.record_failures("task", {"L1": "x"}, NOW)

    state_store.clear_failures("score", ["L1", "L3"])

    assert set(state_store.pending_failures("score")) == {"L2"}
    assert set(state_store.pending_failures("task")) == {"L1"}


def test_reserving_a_task_twice_keeps_one_reservation(state_store: StateStore) -> None:
    state_store.reserve_task("L1:2026-11-20", "L1", NOW)
    state_store.reserve_task("L1:2026-11-20", "L1", NOW + timedelta(minutes=5))

    reserved = state_store.reserved_tasks()

    assert [(task.key, task.reserved_at) for task in reserved] == [("L1:2026-11-20", NOW)]


def test_created_tasks_leave_the_reserved_list(state_store: StateStore) -> None:
    state_store.reserve_task("L1:a", "L1", NOW)
    state_store.reserve_task("L2:a", "L2", NOW)

    state_store.mark_task_created("L1:a", "00T000001", NOW + MICROSECOND)

    assert [task.key for task in state_store.reserved_tasks()] == ["L2:a"]
    created = state_store.last_task("L1")
    assert created is not None
    assert (created.status, created.crm_id, created.created_at) == (
        "created",
        "00T000001",
        NOW + MICROSECOND,
    )


def test_marking_an_unreserved_task_is_an_error(state_store: StateStore) -> None:
    with pytest.raises(KeyError, match="never reserved"):
        state_store.mark_task_created("nope", "00T000001", NOW)


def test_last_task_is_the_newest_reservation(state_store: StateStore) -> None:
    state_store.reserve_task("L1:b", "L1", NOW + timedelta(days=14))
    state_store.reserve_task("L1:a", "L1", NOW)
    state_store.reserve_task("L2:c", "L2", NOW + timedelta(days=30))

    last = state_store.last_task("L1")

    assert last is not None
    assert (last.key, last.status, last.crm_id) == ("L1:b", "reserved", None)
    assert state_store.last_task("L3") is None


def test_runs_are_recorded_newest_first(state_store: StateStore) -> None:
    first = state_store.start_run("full", NOW)
    state_store.finish_run(
        first,
        at=NOW + timedelta(minutes=3),
        status="ok",
        counts={"scored": 120, "written": 7},
        api_calls=12,
        errors=0,
    )
    second = state_store.start_run("incremental", NOW + timedelta(hours=1))

    latest, earlier = state_store.recent_runs()

    assert (latest.id, latest.mode, latest.status, latest.finished_at) == (
        second,
        "incremental",
        "running",
        None,
    )
    assert (earlier.id, earlier.status, earlier.api_calls) == (first, "ok", 12)
    assert earlier.counts == {"scored": 120, "written": 7}
    assert earlier.finished_at == NOW + timedelta(minutes=3)
    assert len(state_store.recent_runs(limit=1)) == 1


def test_unknown_run_mode_is_refused(state_store: StateStore) -> None:
    with pytest.raises(ValueError, match="unknown run mode"):
        state_store.start_run("partial", NOW)
