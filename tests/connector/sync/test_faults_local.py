"""Kill a run on local files at every step, rerun: scores.csv and tasks.csv end as a clean run
leaves them, with no task twice (the crash comes before each file write, each state write, and
right after each file write)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connector.compose import build_adapter, load_settings
from connector.state import StateStore
from connector.sync import Pipeline, RunRequest
from tests.cli_support import read_csv
from tests.fakes.memory import Crash
from tests.fault_support import CrashingAdapter, CrashingStore, Faults

AS_OF = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def _run(config: Path, store: StateStore, faults: Faults | None, clock: datetime) -> None:
    settings = load_settings(config)
    adapter = build_adapter(settings, lambda problem: None)
    if faults is not None:
        adapter, store = CrashingAdapter(adapter, faults), CrashingStore(store, faults)  # type: ignore[assignment]
    Pipeline(settings, adapter, store, clock=lambda: clock).run(RunRequest(AS_OF))


def _outputs(config: Path) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    out = config.parent / "out"
    tasks = read_csv(out / "tasks.csv") if (out / "tasks.csv").exists() else []
    return read_csv(out / "scores.csv"), tasks


def _reset(config: Path, store: StateStore) -> None:
    for name in ("scores.csv", "tasks.csv"):
        (config.parent / "out" / name).unlink(missing_ok=True)
    with store._engine.begin() as connection:  # noqa: SLF001 - a test resetting its database
        for table in ("written_results", "cursors", "tasks", "failures", "runs", "meta"):
            connection.exec_driver_sql(f"DELETE FROM {table}")  # noqa: S608 - fixed names


def test_a_crash_at_any_step_on_local_files_converges(
    config: Path, open_state_store: Callable[[], StateStore]
) -> None:
    store = open_state_store()
    clock = AS_OF + timedelta(hours=12)  # the files were written before the run
    faults = Faults(None)
    _run(config, store, faults, clock)
    clean, steps = _outputs(config), faults.steps
    assert len(clean[1]) == 18
    assert "create_tasks:done" in steps
    for target in range(len(steps)):
        _reset(config, store)
        with pytest.raises(Crash):
            _run(config, store, Faults(target), clock)
        _run(config, store, None, clock + timedelta(minutes=10))
        scores, tasks = _outputs(config)
        assert tasks == clean[1], f"crash before step {target}: {steps[target]}"
        assert scores == clean[0], f"crash before step {target}: {steps[target]}"
