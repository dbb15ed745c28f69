"""`leadscore worker --once` on the example project, and the queue line of `leadscore status`."""

from __future__ import annotations

import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connector.cli import main
from connector.state import QueuedEvent, StateStore, default_state_url
from tests.cli_support import read_csv, run_json


def enqueue(config: Path, *lead_ids: str) -> None:
    """Events for the leads, received a minute ago (past the coalescing delay)."""
    events = [QueuedEvent("generic", f"msg-{lead_id}", lead_id) for lead_id in lead_ids]
    with StateStore.open(default_state_url(config.parent)) as store:
        store.enqueue(events, datetime.now(UTC) - timedelta(minutes=1))


def test_worker_once_rescores_the_queued_leads_and_empties_the_queue(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    enqueue(config, "L0001", "L0002")
    code, queued = run_json(capsys, "status", "--config", str(config))
    assert code == 0
    assert queued["queue"]["depth"] == 2
    assert queued["queue"]["oldest_queued_at"] is not None

    code, summary = run_json(capsys, "worker", "--config", str(config), "--once")

    assert code == 0
    assert (summary["rescored"], summary["failed"], summary["queue_depth"]) == (2, [], 0)
    scores = read_csv(config.parent / "out" / "scores.csv")
    assert sorted(row["lead_id"] for row in scores) == ["L0001", "L0002"]
    code, status = run_json(capsys, "status", "--config", str(config))
    assert status["queue"] == {"depth": 0, "oldest_queued_at": None}
    assert [run["mode"] for run in status["runs"]] == ["incremental"]


def test_status_prints_the_queue_line(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    enqueue(config, "L0001")
    assert main(["status", "--config", str(config)]) == 0
    assert "queue: 1 lead(s) waiting for a rescore" in capsys.readouterr().out


def test_worker_exits_0_on_sigterm(config: Path) -> None:
    command = [sys.executable, "-m", "connector", "worker", "--config", str(config)]
    with subprocess.Popen(command, stderr=subprocess.PIPE, text=True) as worker:  # noqa: S603
        try:
            assert worker.stderr is not None
            for line in worker.stderr:  # the signal handlers are in place once it says so
                if "worker started" in line:
                    break
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(timeout=30) == 0
        finally:
            if worker.poll() is None:
                worker.kill()
