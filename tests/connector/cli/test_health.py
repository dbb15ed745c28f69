"""`leadscore status --healthy-within`: 0 when the last sync finished ok recently, 1 otherwise."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connector.cli import main
from connector.cli.status import age_text
from connector.state import StateStore, default_state_url
from tests.cli_support import AS_OF, run_json


def _record(
    config: Path, status: str, ago: timedelta, counts: dict[str, int] | None = None
) -> None:
    """A sync run that ended `ago` before now with `status`."""
    at = datetime.now(UTC) - ago
    with StateStore.open(default_state_url(config.parent)) as store:
        run_id = store.start_run("incremental", at - timedelta(seconds=5))
        error = "the CRM refused the login" if status == "failed" else None
        store.finish_run(
            run_id, at=at, status=status, counts=counts or {}, api_calls=0, errors=0, error=error
        )


def _health(capsys: pytest.CaptureFixture[str], config: Path, within: str) -> tuple[int, str]:
    code = main(["status", "--config", str(config), "--healthy-within", within])
    return code, capsys.readouterr().out.strip()


def test_no_run_yet_is_unhealthy(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _health(capsys, config, "2h") == (1, "unhealthy: no run has finished yet")


def test_a_fresh_ok_sync_is_healthy(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sync", "--config", str(config), "--as-of", AS_OF]) == 0
    capsys.readouterr()
    code, out = _health(capsys, config, "30m")
    assert code == 0
    assert out.startswith("healthy: run 1 finished ")
    assert out.endswith(" ago, ok")


def test_an_old_run_is_unhealthy(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _record(config, "ok", timedelta(hours=3))
    code, out = _health(capsys, config, "2h")
    assert code == 1
    assert out == "unhealthy: the last run is too old: run 1 finished 3h ago, more than 2h"
    assert _health(capsys, config, "4h")[0] == 0


def test_a_failed_last_run_is_unhealthy_even_when_recent(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _record(config, "ok", timedelta(minutes=20))
    _record(config, "failed", timedelta(minutes=5))
    code, out = _health(capsys, config, "2h")
    assert code == 1
    assert out.startswith("unhealthy: the last run failed: run 2 finished 5m")
    assert out.endswith("the CRM refused the login")


def test_a_partial_run_is_healthy_and_says_records_were_refused(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _record(config, "partial", timedelta(seconds=90))
    code, out = _health(capsys, config, "90m")
    assert code == 0
    assert out.startswith("healthy: run 1 finished 1m 3")  # 1m 30s, and a second or two
    assert out.endswith(" ago, partial (some records refused)")


def test_worker_batches_do_not_count(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _record(config, "ok", timedelta(hours=5))
    _record(config, "ok", timedelta(minutes=1), {"named": 3, "written": 3})  # a worker batch
    code, out = _health(capsys, config, "1h")
    assert code == 1
    assert "run 1 finished 5h ago" in out


def test_json_carries_the_verdict_with_the_status(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _record(config, "ok", timedelta(hours=3))
    code, status = run_json(capsys, "status", "--config", str(config), "--healthy-within", "2h")
    assert code == 1
    health = status["health"]
    assert health["healthy"] is False
    assert health["within_seconds"] == 7200
    assert health["last_run"]["id"] == 1
    assert health["last_run"]["age_seconds"] == pytest.approx(3 * 3600, abs=60)
    assert "too old" in health["reason"]
    assert status["runs"]  # the whole status is still there


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(0, "0s"), (45, "45s"), (90, "1m 30s"), (3600, "1h"), (3602, "1h"), (3 * 3600 + 300, "3h 5m"),
     (86400 * 2 + 7200, "2d 2h")],
)  # fmt: skip
def test_ages_read_as_a_person_says_them(seconds: int, shown: str) -> None:
    assert age_text(timedelta(seconds=seconds)) == shown


def test_a_bad_duration_exits_2_saying_what_is_accepted(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["status", "--config", str(config), "--healthy-within", "2 hours"]) == 2
    err = capsys.readouterr().err
    assert "--healthy-within" in err
    assert "90s, 30m, 2h" in err
    code = main(["status", "--config", str(config), "--healthy-within", "soon", "--json"])
    assert code == 2
    assert json.loads(capsys.readouterr().out)["ok"] is False
