"""The next wake-up: cron and intervals against score changes, full_cron, rechecks; no spinning."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connector.run.schedule import Cron, Every, check_cron, parse_duration
from connector.run.scheduler import History, Wake, next_wake, run_kind

T0 = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)
EVERY_15 = Every(timedelta(minutes=15))
NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")


def ran_at(at: datetime, started: datetime = T0) -> History:
    """A loop that began at `started` and last ran at `at`."""
    return History(started, at)


def test_the_first_wake_is_a_run_at_start() -> None:
    assert next_wake(T0, History(T0), EVERY_15) == Wake(T0, "start")


def test_an_interval_counts_from_the_last_run_start() -> None:
    wake = next_wake(T0 + MIN, ran_at(T0), EVERY_15, recheck=timedelta(hours=1))
    assert wake == Wake(T0 + 15 * MIN, "schedule")


def test_a_score_change_before_the_tick_wakes_the_loop_at_that_change() -> None:
    change = T0 + 12 * MIN + timedelta(seconds=7)  # a score drops at 03:12:07
    wake = next_wake(T0 + MIN, ran_at(T0), EVERY_15, next_change=change, recheck=timedelta(1))
    assert wake == Wake(change, "next_change")


def test_a_score_change_after_the_tick_waits_for_the_tick() -> None:
    change = T0 + 20 * MIN
    wake = next_wake(T0 + MIN, ran_at(T0), EVERY_15, next_change=change, recheck=timedelta(1))
    assert wake == Wake(T0 + 15 * MIN, "schedule")


def test_a_score_change_right_after_a_run_waits_for_the_gap() -> None:
    change = T0 + timedelta(seconds=5)
    gap = timedelta(seconds=30)
    wake = next_wake(T0 + timedelta(seconds=2), ran_at(T0), EVERY_15, next_change=change, gap=gap)
    assert wake == Wake(T0 + gap, "next_change")


def test_a_change_the_last_run_already_took_never_wakes_the_loop_again() -> None:
    # A lead due before the last run began (its write failed, say) is that run's business:
    # its retry comes with the next tick, not in a loop of immediate runs.
    stale = T0 - MIN
    wake = next_wake(T0 + MIN, ran_at(T0), EVERY_15, next_change=stale, recheck=timedelta(1))
    assert wake == Wake(T0 + 15 * MIN, "schedule")
    assert next_wake(T0 + MIN, ran_at(T0), EVERY_15, next_change=T0).trigger != "next_change"


def test_a_tick_missed_during_a_long_run_makes_one_run_at_once() -> None:
    after_a_long_run = T0 + 40 * MIN  # the 03:15 and 03:30 ticks passed while it ran
    wake = next_wake(after_a_long_run, ran_at(T0), EVERY_15)
    assert wake == Wake(after_a_long_run, "schedule")
    # ...and that run moves the anchor: the next is a period later, not the 03:30 tick.
    history = ran_at(T0).after_run(after_a_long_run, "schedule")
    later = next_wake(after_a_long_run + MIN, history, EVERY_15, recheck=timedelta(1))
    assert later == Wake(after_a_long_run + 15 * MIN, "schedule")


def test_a_far_wake_is_cut_to_a_recheck_with_no_trigger() -> None:
    # Queued work rescored meanwhile (here, or by another replica's worker) can write a
    # result that changes sooner: the loop looks at the store again within `recheck`.
    daily = Every(timedelta(days=1))
    wake = next_wake(T0 + MIN, ran_at(T0), daily, recheck=timedelta(seconds=30))
    assert wake == Wake(T0 + MIN + timedelta(seconds=30), None)


def test_a_change_written_by_the_worker_meanwhile_is_seen_at_the_next_recheck() -> None:
    daily = Every(timedelta(days=1))
    recheck = timedelta(seconds=30)
    now = T0 + MIN
    assert next_wake(now, ran_at(T0), daily, recheck=recheck).trigger is None
    rescored_by_worker = now + 10 * MIN  # the worker wrote a lead whose score drops then
    wake = next_wake(now + recheck, ran_at(T0), daily, next_change=rescored_by_worker)
    assert wake.trigger is None  # still more than a recheck away
    just_before = rescored_by_worker - timedelta(seconds=10)
    wake = next_wake(just_before, ran_at(T0), daily, next_change=rescored_by_worker)
    assert wake == Wake(rescored_by_worker, "next_change")


def test_full_cron_wins_a_tie_and_only_its_own_runs_move_its_anchor() -> None:
    cron = Cron("*/15 * * * *", TOKYO)
    nightly = Cron("15 3 * * *", UTC)
    at_tick = T0 + 15 * MIN
    wake = next_wake(at_tick, ran_at(T0), cron, full_cadence=nightly)
    assert wake == Wake(at_tick, "full_cron")
    after_schedule = ran_at(T0).after_run(at_tick, "schedule")
    assert next_wake(at_tick + MIN, after_schedule, cron, full_cadence=nightly).at == at_tick + MIN
    after_full = ran_at(T0).after_run(at_tick, "full_cron")
    wake = next_wake(at_tick + MIN, after_full, cron, full_cadence=nightly, recheck=timedelta(1))
    assert wake == Wake(T0 + 30 * MIN, "schedule")


def test_a_full_cron_tick_passed_before_start_does_not_fire() -> None:
    nightly = Cron("0 2 * * *", UTC)  # 02:00, an hour before the loop began
    wake = next_wake(T0 + MIN, ran_at(T0), EVERY_15, full_cadence=nightly, recheck=timedelta(1))
    assert wake == Wake(T0 + 15 * MIN, "schedule")


def test_a_cron_line_is_read_on_the_configured_wall_clock() -> None:
    three_am_tokyo = Cron("0 3 * * *", TOKYO)
    assert three_am_tokyo.next_after(T0) == datetime(2026, 11, 20, 18, 0, tzinfo=UTC)


def test_cron_across_spring_forward_in_new_york() -> None:
    # 2026-03-08: 02:00 EST jumps to 03:00 EDT. A 02:30 job runs when the clock resumes.
    before = datetime(2026, 3, 8, 1, 0, tzinfo=NEW_YORK)
    at = Cron("30 2 * * *", NEW_YORK).next_after(before)
    assert at.astimezone(NEW_YORK).isoformat() == "2026-03-08T03:00:00-04:00"
    hourly = Cron("0 * * * *", NEW_YORK)
    one_am = hourly.next_after(before - MIN)
    assert hourly.next_after(one_am) - one_am == timedelta(hours=1)  # 01:00 EST -> 03:00 EDT
    assert hourly.next_after(one_am).astimezone(NEW_YORK).hour == 3


def test_cron_across_fall_back_in_new_york() -> None:
    # 2026-11-01: 02:00 EDT falls back to 01:00 EST; a 01:30 job runs once, not twice.
    daily = Cron("30 1 * * *", NEW_YORK)
    first = daily.next_after(datetime(2026, 11, 1, 0, 0, tzinfo=NEW_YORK))
    assert first == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT
    assert daily.next_after(first) == datetime(2026, 11, 2, 6, 30, tzinfo=UTC)  # next day, EST
    every_15 = Cron("*/15 * * * *", NEW_YORK)
    ticks = [every_15.next_after(first)]
    while len(ticks) < 8:
        ticks.append(every_15.next_after(ticks[-1]))
    assert {b - a for a, b in zip(ticks, ticks[1:], strict=False)} == {15 * MIN}


def test_every_cron_tick_is_strictly_after_the_instant() -> None:
    cron = Cron("*/15 * * * *", TOKYO)
    on_the_tick = datetime(2026, 11, 20, 3, 15, tzinfo=UTC)
    assert cron.next_after(on_the_tick) == on_the_tick + 15 * MIN


@settings(max_examples=200, deadline=None)
@given(
    run_seconds=st.integers(min_value=0, max_value=3600),
    change_offsets=st.lists(st.integers(min_value=-7200, max_value=7200), max_size=20),
)
def test_simulated_hours_never_spin(run_seconds: int, change_offsets: list[int]) -> None:
    """Runs of any length and any next changes: every run moves time on; runs stay bounded."""
    changes = sorted(T0 + timedelta(seconds=s) for s in change_offsets)
    now, history, runs = T0, History(T0), 0
    end = T0 + timedelta(hours=2)
    while now < end:
        upcoming = next(
            (c for c in changes if history.last_start is None or c > history.last_start), None
        )
        wake = next_wake(now, history, EVERY_15, next_change=upcoming)
        assert wake.at >= now
        if wake.trigger is None or wake.at > now:
            now = wake.at
            continue
        runs += 1
        history = history.after_run(now, wake.trigger)
        now += timedelta(seconds=run_seconds)
        changes = [c for c in changes if c > history.last_start]  # that run took them
        assert runs < 500
    # Two hours of 15-minute ticks and at most one run per change, each 30 s apart at least.
    assert runs <= 1 + 8 + len(change_offsets) + 1


def test_a_rules_change_makes_the_run_full_and_says_so() -> None:
    assert run_kind("schedule", rules_changed=True) == ("rules_changed", True)
    assert run_kind("start", rules_changed=False) == ("start", False)
    assert run_kind("full_cron", rules_changed=True) == ("full_cron", True)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("30m", 1800), ("2h", 7200), ("1d", 86400), ("1h30m", 5400), (" 2H ", 7200)],
)
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "2", "2x", "h", "1.5h", "-3m", "2h 30m"])
def test_a_bad_duration_says_what_is_accepted(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration; use e.g. 90s, 30m, 2h"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("line", "message"),
    [("*/15 * * *", "has 4 field"), ("0 0 * * * *", "has 6 field"), ("61 * * * *", "not a valid")],
)
def test_a_bad_cron_line_says_why(line: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_cron(line)
