"""One scheduled run on the example project: its log event, the lock held elsewhere, failures."""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connector.compose import build_adapter, load_settings, open_state
from connector.config import CoreSettings
from connector.run.schedule import Every
from connector.run.scheduled import ScheduledSync
from connector.run.stats import RunStats
from connector.state import StateStore
from tests.cli_support import read_csv

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


class Events(logging.Handler):
    """The `leadscore.run` records, kept."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def named(self, message: str) -> list[logging.LogRecord]:
        return [record for record in self.records if record.getMessage() == message]


@pytest.fixture
def events() -> Iterator[Events]:
    handler, logger = Events(), logging.getLogger("leadscore.run")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


@pytest.fixture
def settings(config: Path) -> CoreSettings:
    return load_settings(config)


@pytest.fixture
def store(settings: CoreSettings) -> Iterator[StateStore]:
    with open_state(settings) as opened:
        yield opened


def _scheduled(
    settings: CoreSettings, store: StateStore, grace: timedelta = timedelta(seconds=10)
) -> ScheduledSync:
    return ScheduledSync(
        settings,
        store,
        lambda sink: build_adapter(settings, sink),
        Every(timedelta(minutes=15)),
        stats=RunStats(),
        clock=lambda: datetime.now(UTC),
        lock_grace=grace,
    )


def test_a_run_writes_scores_and_logs_one_run_finished_event(
    settings: CoreSettings, store: StateStore, events: Events
) -> None:
    outcome = _scheduled(settings, store).attempt("start", NOW)
    assert outcome is not None
    assert (outcome.status, outcome.trigger, outcome.mode) == ("ok", "start", "full")
    assert len(read_csv(settings.config_dir / "out" / "scores.csv")) == outcome.written == 300
    [event] = events.named("run finished")
    fields = vars(event)
    assert fields["run_id"] == outcome.run_id == 1
    assert (fields["trigger"], fields["status"], fields["leads_written"]) == ("start", "ok", 300)
    assert fields["duration_seconds"] > 0


def test_a_new_rule_set_makes_the_next_run_full_under_rules_changed(
    config: Path, settings: CoreSettings, store: StateStore
) -> None:
    assert _scheduled(settings, store).attempt("start", NOW) is not None
    changed = config.read_text(encoding="utf-8").replace("points = 50", "points = 55")
    config.write_text(changed, encoding="utf-8")
    outcome = _scheduled(load_settings(config), store).attempt("schedule", NOW)
    assert outcome is not None
    assert (outcome.trigger, outcome.mode) == ("rules_changed", "full")
    unchanged = _scheduled(load_settings(config), store).attempt("schedule", NOW)
    assert unchanged is not None
    assert (unchanged.trigger, unchanged.mode) == ("schedule", "incremental")


def test_a_tick_is_skipped_while_another_process_syncs(
    settings: CoreSettings, store: StateStore, events: Events
) -> None:
    scheduled = _scheduled(settings, store)
    with StateStore.open(str(store.url)) as other, other.run_lock():
        other.start_run("incremental", datetime.now(UTC))  # another replica's sync, under way
        assert scheduled.attempt("schedule", datetime.now(UTC)) is None
    [skipped] = events.named("run skipped")
    assert vars(skipped)["reason"] == "another leadscore process is syncing"
    assert not events.named("run finished")
    assert scheduled.stats.snapshot()[1] == {"schedule": 1}


def test_a_worker_batch_holding_the_lock_is_waited_for(
    settings: CoreSettings, store: StateStore
) -> None:
    held, release = threading.Event(), threading.Event()

    def batch() -> None:  # a worker batch elsewhere: the lock, but no sync run record
        with StateStore.open(str(store.url)) as other, other.run_lock():
            held.set()
            release.wait(10)

    holder = threading.Thread(target=batch)
    holder.start()
    try:
        assert held.wait(10)
        threading.Timer(1.5, release.set).start()
        began = time.monotonic()
        outcome = _scheduled(settings, store).attempt("schedule", datetime.now(UTC))
        assert outcome is not None
        assert outcome.status == "ok"
        assert time.monotonic() - began >= 1.0
    finally:
        release.set()
        holder.join(10)


def test_a_failed_run_is_logged_as_an_error_and_counted(
    settings: CoreSettings, store: StateStore, events: Events
) -> None:
    out = settings.config_dir / "out"
    shutil.rmtree(out, ignore_errors=True)
    out.write_text("not a folder", encoding="utf-8")
    scheduled = _scheduled(settings, store)
    outcome = scheduled.attempt("schedule", NOW)
    assert outcome is not None
    assert outcome.status == "failed"
    assert outcome.run_id == 1
    assert str(out) in str(outcome.error)
    [event] = events.named("run finished")
    assert event.levelno == logging.ERROR
    assert scheduled.stats.snapshot()[0] == {("schedule", "failed"): 1}
