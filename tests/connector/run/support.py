"""`leadscore run` as a subprocess on a copy of the example project, always stopped."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.connector.webhooks.support import SECRET
from tests.process_support import WAIT_SECONDS, answers, free_port, stop, until
from tests.scoring_support import ROOT

__all__ = ["WAIT_SECONDS", "answers", "free_port", "until"]


def add_schedule(config: Path, toml: str) -> None:
    """Append TOML (a [schedule] or [run] section) to the config."""
    with config.open("a", encoding="utf-8") as handle:
        handle.write("\n" + toml + "\n")


def scale_example(config: Path, copies: int) -> int:
    """The example's leads and activities `copies` times over (new ids); how many leads."""
    folder = config.parent / "examples"
    leads = _rows(folder / "leads.csv")
    activities = _rows(folder / "activities.csv")
    _write(
        folder / "leads.csv", [r | {"id": f"{r['id']}-{n}"} for n in range(copies) for r in leads]
    )
    _write(
        folder / "activities.csv",
        [
            r | {"id": f"{r['id']}-{n}", "lead_id": f"{r['lead_id']}-{n}"}
            for n in range(copies)
            for r in activities
        ],
    )
    return len(leads) * copies


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@dataclass
class Running:
    """A `leadscore run` process, its log file and (when serving) its base URL."""

    process: subprocess.Popen[str]
    log: Path
    base: str | None

    def events(self, message: str | None = None) -> list[dict[str, Any]]:
        """The JSON log lines so far (those with `message`)."""
        found = []
        for line in self.log.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue
            if message is None or entry.get("message") == message:
                found.append(entry)
        return found

    def stop(self, sig: int = signal.SIGTERM, seconds: float = WAIT_SECONDS) -> int:
        """Send `sig` and wait for the exit code."""
        self.process.send_signal(sig)
        return self.process.wait(timeout=seconds)


@contextmanager
def running(
    config: Path,
    *args: str,
    env: dict[str, str] | None = None,
    serve: bool = True,
    name: str = "run",
) -> Iterator[Running]:
    """`leadscore run` on `config` until the block ends; killed if SIGTERM does not stop it."""
    command = [sys.executable, "-m", "connector", "run", "--config", str(config), *args]
    given = (env or {}).get("LEADSCORE_PORT")  # the image's way: the address from the environment
    port = int(given) if given else free_port()
    if not serve:
        command.append("--no-serve")
    elif not given:
        command += ["--port", str(port)]
    variables = {
        **os.environ,
        "LEADSCORE_WEBHOOKS__SECRET": SECRET,
        "LEADSCORE_LOG_FORMAT": "json",
        **(env or {}),
    }
    log = config.parent / f"{name}.log"
    with log.open("w", encoding="utf-8") as stderr:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and CLI
            command, cwd=ROOT, env=variables, text=True, stdout=subprocess.DEVNULL, stderr=stderr
        )
    handle = Running(process, log, f"http://127.0.0.1:{port}" if serve else None)
    try:
        until(lambda: bool(handle.events("leadscore run started")) or process.poll() is not None,
              "leadscore run to start")  # fmt: skip
        yield handle
    finally:
        stop(process)
