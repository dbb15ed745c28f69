"""Several processes opening a fresh SQLite state at once: one creates the schema, none fails."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.scoring_support import ROOT

OPENERS = 5
OPEN = (
    "import sys, time; from connector.state import StateStore;"
    "time.sleep(max(0.0, float(sys.argv[2]) - time.time()));"  # start together
    "StateStore.open(sys.argv[1]).close()"
)


def test_first_runs_started_together_all_open_the_state(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    start = subprocess.run(  # noqa: S603 - our interpreter
        [sys.executable, "-c", "import time; print(time.time() + 3)"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    openers = [
        subprocess.Popen(  # noqa: S603 - our interpreter, our code
            [sys.executable, "-c", OPEN, url, start],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for _ in range(OPENERS)
    ]
    errors = []
    for opener in openers:
        _, err = opener.communicate(timeout=60)
        if opener.returncode != 0:
            errors.append(err.strip().splitlines()[-1])
    assert errors == []
