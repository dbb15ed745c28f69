"""`leadscore serve` as a user runs it: a signed webhook for a lead, and the lead is rescored.

The server runs as a subprocess on 127.0.0.1, every wait is bounded, and it is always stopped;
SIGTERM must end it with exit 0 once the worker has finished its batch.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.cli_support import copy_example, read_csv
from tests.connector.webhooks.support import SECRET, lead_body, signed_headers
from tests.process_support import answers, free_port, stop, until
from tests.scoring_support import ROOT

WAIT_SECONDS = 30.0


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path, subprocess.Popen[str]]]:
    config = copy_example(tmp_path)
    port = free_port()
    env = {
        **os.environ,
        "LEADSCORE_WEBHOOKS__SECRET": SECRET,
        "LEADSCORE_WEBHOOKS__COALESCE_SECONDS": "0",
    }
    command = [sys.executable, "-m", "connector", "serve", "--config", str(config)]
    log = (tmp_path / "serve.log").open("w", encoding="utf-8")
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and CLI
        [*command, "--port", str(port)], cwd=ROOT, env=env, text=True,
        stdout=subprocess.DEVNULL, stderr=log,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        until(lambda: answers(f"{base}/healthz"), "the server to answer /healthz")
        yield base, config, server
    finally:
        stop(server, WAIT_SECONDS)
        log.close()


def test_a_signed_webhook_gets_its_lead_rescored_and_sigterm_exits_0(
    served: tuple[str, Path, subprocess.Popen[str]],
) -> None:
    base, config, server = served
    body = lead_body("L0001")
    answer = httpx.post(f"{base}/webhooks/generic", content=body, headers=signed_headers(body))
    assert answer.status_code == 202
    assert answer.json() == {"stored": 1, "duplicates": 0}
    scores = config.parent / "out" / "scores.csv"
    until(lambda: scores.exists() and any(r["lead_id"] == "L0001" for r in read_csv(scores)),
           "the worker inside serve to write L0001's score")  # fmt: skip
    assert [row["lead_id"] for row in read_csv(scores)] == ["L0001"]  # that lead, no other
    assert httpx.get(f"{base}/readyz").status_code == 200
    server.send_signal(signal.SIGTERM)
    assert server.wait(timeout=WAIT_SECONDS) == 0


def _samples(base: str) -> dict[str, float]:
    text = httpx.get(f"{base}/metrics").text
    return {
        sample.name + "".join(f"{{{v}}}" for v in sample.labels.values()): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_metrics_show_the_queue_and_the_worker_runs(
    served: tuple[str, Path, subprocess.Popen[str]],
) -> None:
    base, _, _ = served
    before = _samples(base)
    assert before["leadscore_state_store_up"] == 1
    assert before["leadscore_queue_depth"] == 0
    assert before.get("leadscore_worker_runs_total{ok}", 0) == 0
    body = lead_body("L0001", "L0002")
    httpx.post(f"{base}/webhooks/generic", content=body, headers=signed_headers(body))
    until(lambda: _samples(base).get("leadscore_worker_runs_total{ok}") == 1,
           "the worker's run to be counted on /metrics")  # fmt: skip
    after = _samples(base)
    assert after["leadscore_worker_leads_rescored_total"] == 2
    assert after["leadscore_worker_run_duration_seconds_count"] == 1
    assert after["leadscore_queue_depth"] == 0


def test_a_forged_webhook_is_refused_and_nothing_is_rescored(
    served: tuple[str, Path, subprocess.Popen[str]],
) -> None:
    base, config, _ = served
    body = lead_body("L0001")
    headers = signed_headers(body, secret="whsec_" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=")
    assert httpx.post(f"{base}/webhooks/generic", content=body, headers=headers).status_code == 401
    time.sleep(1.5)  # longer than a worker poll
    assert not (config.parent / "out" / "scores.csv").exists()
