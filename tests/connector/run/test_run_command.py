"""`leadscore run` as a container runs it: a sync at start, then on schedule; SIGTERM exits 0."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import httpx
import pytest

from connector.cli import main
from connector.state import StateStore, default_state_url
from tests.cli_support import read_csv, run_json
from tests.connector.run.support import (
    add_schedule,
    answers,
    free_port,
    running,
    scale_example,
    until,
)


def test_a_first_sync_at_start_then_on_schedule_and_sigterm_exits_0(config: Path) -> None:
    add_schedule(config, '[schedule]\nevery = "30s"')
    scores = config.parent / "out" / "scores.csv"
    with running(config) as run:
        assert run.base is not None
        until(lambda: len(run.events("run finished")) >= 1, "the first sync")
        assert len(read_csv(scores)) == 300
        assert answers(f"{run.base}/healthz")
        metrics = httpx.get(f"{run.base}/metrics").text
        assert 'leadscore_last_run_status{status="ok"} 1.0' in metrics
        assert "leadscore_last_run_leads_written 300.0" in metrics
        assert 'leadscore_scheduled_runs_total{status="ok",trigger="start"} 1.0' in metrics
        until(lambda: len(run.events("run finished")) >= 2, "the scheduled sync", 75)
        first, second = run.events("run finished")[:2]
        assert (first["trigger"], first["status"], first["leads_written"]) == ("start", "ok", 300)
        assert (second["trigger"], second["status"], second["mode"]) == (
            "schedule", "ok", "incremental",
        )  # fmt: skip
        began = time.monotonic()
        assert run.stop() == 0
        assert time.monotonic() - began < 15
    assert main(["status", "--config", str(config), "--healthy-within", "5m"]) == 0


def test_the_address_to_listen_on_comes_from_the_environment_as_in_the_image(
    config: Path,
) -> None:
    add_schedule(config, '[schedule]\nevery = "1h"')
    address = {"LEADSCORE_HOST": "127.0.0.1", "LEADSCORE_PORT": str(free_port())}
    with running(config, env=address) as run:
        assert run.base == f"http://127.0.0.1:{address['LEADSCORE_PORT']}"
        until(lambda: answers(f"{run.base}/healthz"), "/healthz on the port from LEADSCORE_PORT")
        assert run.stop() == 0


def _mid_run(config: Path, copies: int = 12) -> int:
    """A project large enough that its first sync takes a few seconds."""
    add_schedule(config, '[schedule]\nevery = "1h"')
    return scale_example(config, copies)


def test_sigterm_during_a_run_lets_it_finish_and_exits_0(config: Path) -> None:
    leads = _mid_run(config)
    with running(config, serve=False) as run:
        run.process.send_signal(signal.SIGTERM)  # the start sync is under way
        assert run.process.wait(timeout=120) == 0
    [finished] = run.events("run finished")
    assert (finished["status"], finished["leads_written"]) == ("ok", leads)
    assert len(read_csv(config.parent / "out" / "scores.csv")) == leads


def test_a_run_past_the_stop_timeout_is_abandoned_and_the_next_run_converges(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    leads = _mid_run(config)
    env = {"LEADSCORE_RUN__STOP_TIMEOUT_SECONDS": "0.2"}
    with running(config, serve=False, env=env) as run:
        until(lambda: _running_run(config), "the start sync to open its run record")
        began = time.monotonic()
        run.process.send_signal(signal.SIGTERM)
        assert run.process.wait(timeout=30) == 1
        assert time.monotonic() - began < 10
    assert not run.events("run finished")
    assert run.events("leadscore run did not stop within [run] stop_timeout_seconds; exiting "
                      "with the work in hand unfinished (the next run converges)")  # fmt: skip
    code, synced = run_json(capsys, "sync", "--config", str(config))
    assert code == 0
    assert synced["counts"]["scored"] == leads
    assert len(read_csv(config.parent / "out" / "scores.csv")) == leads
    code, again = run_json(capsys, "sync", "--config", str(config), "--full")
    assert (code, again["counts"]["changed"]) == (0, 0)  # converged: nothing left to write
    _, status = run_json(capsys, "status", "--config", str(config))
    assert [run["status"] for run in status["runs"]][-1] == "interrupted"


def test_a_second_signal_exits_at_once(config: Path) -> None:
    _mid_run(config, copies=20)
    with running(config, serve=False) as run:
        run.process.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        began = time.monotonic()
        run.process.send_signal(signal.SIGTERM)
        assert run.process.wait(timeout=10) == 128 + signal.SIGTERM
        assert time.monotonic() - began < 5


def test_a_score_change_is_written_when_it_happens_not_at_the_next_tick(config: Path) -> None:
    """A lead whose only activity leaves the window 45 s from now: rewritten then."""
    add_schedule(config, '[schedule]\nevery = "1h"')
    folder = config.parent / "examples"
    occurred = int(time.time() + 45 - 30 * 86400)  # whole seconds, as the CSV says it
    change_at = occurred + 30 * 86400  # it leaves the 30-day window then
    local = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(occurred + 9 * 3600))  # Asia/Tokyo
    leads = (folder / "leads.csv").read_text(encoding="utf-8-sig").splitlines()[:2]
    (folder / "leads.csv").write_text("\n".join(leads) + "\n", encoding="utf-8")
    (folder / "activities.csv").write_text(
        "id,lead_id,kind,occurred_at,page,duration_seconds,campaign,channel,answer\n"
        f"A1,L0001,form_submit,{local},,,,,現在検討中\n",
        encoding="utf-8",
    )
    scores = config.parent / "out" / "scores.csv"
    with running(config, serve=False) as run:
        until(lambda: bool(run.events("run finished")), "the first sync")
        assert read_csv(scores)[0]["score"] == "50"
        until(lambda: read_csv(scores)[0]["score"] == "0", "the rewrite at the change", 90)
        latency = time.time() - change_at
        print(f"next_change_at -> written: {latency:.2f} s")  # the figure the README quotes
        until(lambda: len(run.events("run finished")) == 2, "the woken run's log event")
        assert run.events("run finished")[1]["trigger"] == "next_change"
        assert 0 <= latency < 10, f"rewritten {latency:.1f} s after the change"


def test_run_without_a_schedule_exits_2_naming_the_keys(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--config", str(config), "--no-serve"]) == 2
    err = capsys.readouterr().err
    assert "[schedule] cron" in err
    assert "every" in err


def test_run_serving_without_the_secret_exits_2_naming_the_variable(
    config: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LEADSCORE_WEBHOOKS__SECRET", raising=False)
    add_schedule(config, '[schedule]\ncron = "*/15 * * * *"')
    assert main(["run", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "LEADSCORE_WEBHOOKS__SECRET" in err
    assert "--no-serve" in err
    assert not (config.parent / ".leadscore").exists()  # refused before the store was opened


def test_roles_that_leave_nothing_to_do_are_refused(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add_schedule(config, '[run]\nroles = ["serve", "worker"]')
    assert main(["run", "--config", str(config), "--no-serve", "--no-worker"]) == 2
    assert "nothing to do" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[schedule]\ncron = "*/15 * * * *"\nevery = "15m"', "not both"),
        ('[schedule]\ncron = "every 15 minutes"', "schedule.cron"),
        ('[schedule]\nevery = "15 minutes"', "schedule.every"),
        ('[schedule]\nfull_cron = "0 3 * *"', "schedule.full_cron"),
        ('[run]\nroles = ["schedule", "cook"]', "run.roles"),
    ],
)
def test_bad_schedule_keys_are_refused_naming_the_key(
    config: Path, capsys: pytest.CaptureFixture[str], toml: str, message: str
) -> None:
    add_schedule(config, toml)
    assert main(["status", "--config", str(config)]) == 2
    assert message in capsys.readouterr().err


def test_the_worker_inside_run_drains_the_queue(config: Path) -> None:
    add_schedule(config, '[schedule]\nevery = "1h"')
    from datetime import UTC, datetime, timedelta

    from connector.state import QueuedEvent

    with StateStore.open(default_state_url(config.parent)) as store:
        events = [QueuedEvent("generic", f"m{n}", f"L{n:04d}") for n in range(1, 6)]
        store.enqueue(events, datetime.now(UTC) - timedelta(minutes=1))
    with running(config) as run:
        until(lambda: bool(run.events("worker batch")), "a worker batch")
        until(lambda: _depth(config) == 0, "the queue to drain")
        # The same /metrics as `serve`: the queue and the worker's runs beside the schedule's.
        metrics = httpx.get(f"{run.base}/metrics").text
        assert "leadscore_queue_depth 0.0" in metrics
        assert 'leadscore_worker_runs_total{outcome="ok"}' in metrics
        assert "leadscore_worker_leads_rescored_total 5.0" in metrics
        assert run.stop() == 0


def _running_run(config: Path) -> bool:
    with StateStore.open(default_state_url(config.parent)) as store:
        return any(run.status == "running" for run in store.recent_runs(1))


def _depth(config: Path) -> int:
    with StateStore.open(default_state_url(config.parent)) as store:
        return store.queue_depth()
