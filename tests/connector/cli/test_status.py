"""`leadscore status`, the state file beside the config, and a state file that is not usable."""

from __future__ import annotations

from pathlib import Path

import pytest

from connector.cli import main
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
