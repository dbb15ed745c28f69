"""Instructions per scored lead (cachegrind): a scoring cost that a shared machine cannot blur.

Run: .venv/bin/python -m bench.scoring_instructions [--leads N] [--passes N]
Needs valgrind. It runs this module twice under cachegrind, once generating the data only and
once also scoring it `--passes` times, and divides the difference by the leads scored. Use it to
compare two versions of the scoring code; time figures come from `bench.scoring`.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from collections import defaultdict

from bench.scoring import _rules
from bench.synthetic import AS_OF, activities, leads
from connector.model import Activity
from connector.scoring import Scorer

_TOTAL = re.compile(r"I\s+refs:\s+([\d,]+)")


def _workload(lead_count: int, passes: int) -> None:
    lead_list = list(leads(lead_count))
    grouped: dict[str, list[Activity]] = defaultdict(list)
    for activity in activities(lead_count, lead_count * 10):
        grouped[activity.lead_id].append(activity)
    scorer = Scorer(_rules())
    for _ in range(passes):
        for lead in lead_list:
            scorer.score(lead, grouped.get(lead.id, ()), AS_OF)


def _instructions(lead_count: int, passes: int) -> int:
    command = [
        "valgrind",
        "--tool=cachegrind",
        "--cache-sim=no",
        "--cachegrind-out-file=/dev/null",
        sys.executable,
        "-m",
        "bench.scoring_instructions",
        "--workload",
        f"--leads={lead_count}",
        f"--passes={passes}",
    ]
    # A fixed hash seed keeps dict layouts, and so the count, the same from run to run.
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=True)  # noqa: S603 - our own argv
    match = _TOTAL.search(done.stderr)
    if match is None:
        raise SystemExit(f"no instruction total in valgrind's output:\n{done.stderr[-2000:]}")
    return int(match.group(1).replace(",", ""))


def main() -> None:
    """Count the instructions of data generation alone and with scoring; print the difference."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leads", type=int, default=5_000)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--workload", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.workload:
        _workload(args.leads, args.passes)
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed: apt-get install valgrind")
    baseline = _instructions(args.leads, 0)
    scored = _instructions(args.leads, args.passes)
    per_lead = (scored - baseline) / (args.leads * args.passes)
    print(f"leads={args.leads:,} (10 activities each) x {args.passes} passes, example rules")
    print(f"instructions per scored lead: {per_lead:,.0f}")


if __name__ == "__main__":
    main()
