"""`leadscore status`, the state file beside the config, and a state file that is not usable."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from connector.cli import main
from connector.state import StateStore, default_state_url
from tests.cli_support import AS_OF, run_json


def test_status_shows_runs_rule_set_and_next_changes(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_json(capsys, "sync", "--config", str(config), "--as-of", AS_OF)
    run_json(capsys, "sync", "--config", str(config), "--as-of", "2026-11-25T18:00:00+09:00")
    code, status = run_json(capsys, "status", "--config", str(config))
    assert code == 0
    assert [run["mode"] for run in status["runs"]] == ["incremental", "full"]
    assert status["runs"][1]["counts"]["written"] == 300
    assert status["full_rescore_pending"] is False
    assert status["state"].endswith(".leadscore/state.db")
    assert status["next_expiries"]
    assert status["pending_retries"] == {"score": [], "task": []}


def test_status_before_any_run_creates_no_state(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, status = run_json(capsys, "status", "--config", str(config))
    assert code == 0
    assert status["runs"] == []
    assert status["full_rescore_pending"] is True
    assert not (config.parent / ".leadscore").exists()


def test_dry_run_before_any_run_creates_no_state(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = run_json(capsys, "sync", "--config", str(config), "--as-of", AS_OF, "--dry-run")
    assert code == 0
    assert not (config.parent / ".leadscore").exists()


def test_a_corrupt_state_file_exits_2_with_a_clear_message(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = config.parent / ".leadscore" / "state.db"
    state.parent.mkdir()
    state.write_bytes(b"this is not a database, it was overwritten by accident" * 100)
    assert main(["sync", "--config", str(config), "--as-of", AS_OF]) == 2
    err = capsys.readouterr().err
    assert "state.db" in err
    assert "Traceback" not in err
    assert not (config.parent / "out").exists()


def test_the_state_url_can_point_elsewhere(
    config: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    elsewhere = tmp_path / "shared" / "leadscore.db"
    elsewhere.parent.mkdir()
    monkeypatch.setenv("LEADSCORE_STATE__URL", f"sqlite:///{elsewhere}")
    code, _ = run_json(capsys, "sync", "--config", str(config), "--as-of", AS_OF)
    assert code == 0
    assert elsewhere.exists()
    assert not (config.parent / ".leadscore").exists()


def test_the_run_record_counts_the_skipped_rows_the_sync_reported(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    activities = config.parent / "examples" / "activities.csv"
    with activities.open("a", encoding="utf-8") as handle:
        handle.write("bad-1,no-such-lead,page_view,2026-11-19 10:00,/x,,,,\n")
        handle.write("bad-2,L0001,page_view,not a time,/x,,,,\n")
    _, synced = run_json(capsys, "sync", "--config", str(config), "--as-of", AS_OF)
    _, status = run_json(capsys, "status", "--config", str(config))
    skipped = synced["counts"]["input_problems"]
    assert skipped == len(synced["problems"]) >= 2  # the example ships a few bad rows too
    assert any("no-such-lead" in problem["message"] for problem in synced["problems"])
    assert status["runs"][0]["counts"]["input_problems"] == skipped


def _runs(capsys: pytest.CaptureFixture[str], config: Path) -> list[dict[str, object]]:
    code, status = run_json(capsys, "status", "--config", str(config))
    assert code == 0
    return status["runs"]  # type: ignore[no-any-return]


def test_a_killed_run_shows_as_interrupted_not_running_forever(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_json(capsys, "sync", "--config", str(config), "--as-of", AS_OF)
    with StateStore.open(default_state_url(config.parent)) as store:
        store.start_run("incremental", datetime.now(UTC))  # then the process was killed
    assert _runs(capsys, config)[0]["status"] == "interrupted"
    run_json(capsys, "sync", "--config", str(config), "--as-of", AS_OF)
    assert [run["status"] for run in _runs(capsys, config)] == ["ok", "interrupted", "ok"]


def test_a_run_in_progress_shows_as_running(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_json(capsys, "sync", "--config", str(config), "--as-of", AS_OF)
    with StateStore.open(default_state_url(config.parent)) as store, store.run_lock():
        store.start_run("incremental", datetime.now(UTC))
        assert _runs(capsys, config)[0]["status"] == "running"


def test_status_shows_the_as_of_instant_of_a_backtest(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_json(capsys, "sync", "--config", str(config), "--as-of", AS_OF)
    run_json(capsys, "sync", "--config", str(config))
    now_run, backtest = _runs(capsys, config)
    assert backtest["as_of"] == "2026-11-20T18:00:00+09:00"
    assert now_run["as_of"] is None
    assert main(["status", "--config", str(config)]) == 0
    assert "2026-11-20 18:00" in capsys.readouterr().out


def test_status_shows_what_stopped_a_failed_run(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_json(capsys, "sync", "--config", str(config), "--as-of", AS_OF)
    out = config.parent / "out"
    shutil.rmtree(out)
    out.write_text("not a folder", encoding="utf-8")  # the writes fail inside the run
    code, _ = run_json(capsys, "sync", "--config", str(config), "--as-of", AS_OF, "--full")
    assert code == 2
    failed = _runs(capsys, config)[0]
    assert failed["status"] == "failed"
    assert str(out) in str(failed["error"])
    assert main(["status", "--config", str(config)]) == 0
    assert f"run {failed['id']} failed: " in capsys.readouterr().out
