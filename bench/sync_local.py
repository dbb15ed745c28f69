"""Sync on local files at scale: a full run, an unchanged rerun, and a rerun one day later.

Run: .venv/bin/python -m bench.sync_local [--leads N] [--activities N] [--dir PATH]
Prints wall time, writes and peak memory (RSS of the run's own process) for each run.
Targets (issue 3): the unchanged rerun writes nothing and takes under 10% of the full run;
peak memory under 1 GB.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench.synthetic import AS_OF, activities, leads

ROOT = Path(__file__).resolve().parent.parent
LEAD_COLUMNS = ["id", "name", "company", "industry", "title", "employees", "owner"]
ACTIVITY_COLUMNS = ["id", "lead_id", "kind", "occurred_at", "page", "duration_seconds"]
ACTIVITY_COLUMNS += ["campaign", "channel", "answer"]


def write_inputs(folder: Path, lead_count: int, activity_count: int) -> Path:
    """leads.csv, activities.csv and a config using the example rules; the config's path."""
    with (folder / "leads.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, LEAD_COLUMNS)
        writer.writeheader()
        for lead in leads(lead_count):
            writer.writerow({"id": lead.id, "owner": lead.owner, **lead.attributes})
    with (folder / "activities.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, ACTIVITY_COLUMNS)
        writer.writeheader()
        for a in activities(lead_count, activity_count):
            row = {"id": a.id, "lead_id": a.lead_id, "kind": a.kind}
            writer.writerow({**row, "occurred_at": a.occurred_at.isoformat(), **a.properties})
    config = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    config = config.replace("examples/leads.csv", "leads.csv")
    config = config.replace("examples/activities.csv", "activities.csv")
    config = config.replace('"mappings/csv.toml"', json.dumps(str(ROOT / "mappings" / "csv.toml")))
    (folder / "leadscore.toml").write_text(config, encoding="utf-8")
    return folder / "leadscore.toml"


def child(config: str, as_of: str) -> None:
    """One `leadscore sync` in this process; prints its figures as JSON."""
    from contextlib import redirect_stdout
    from io import StringIO

    from connector.cli import main

    out = StringIO()
    started = time.perf_counter()
    with redirect_stdout(out):
        code = main(["sync", "--config", config, "--as-of", as_of, "--json"])
    wall = time.perf_counter() - started
    summary = json.loads(out.getvalue())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"code": code, "wall": wall, "peak_mib": peak, "summary": summary}))


def _run(config: Path, as_of: str) -> dict[str, object]:
    command = [sys.executable, "-m", "bench.sync_local", "--child", str(config), as_of]
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)  # noqa: S603
    figures: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def main() -> None:
    """Write the inputs, then time the three runs, each in a fresh process."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--activities", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--child", nargs=2, metavar=("CONFIG", "AS_OF"))
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    folder = args.dir or Path(tempfile.mkdtemp(prefix="leadscore-bench-"))
    started = time.perf_counter()
    config = write_inputs(folder, args.leads, args.activities)
    print(
        f"inputs: {args.leads:,} leads, {args.activities:,} activities in {folder} "
        f"({time.perf_counter() - started:.1f} s to write)"
    )
    runs = [
        ("full run", AS_OF),
        ("unchanged rerun", AS_OF),
        ("rerun one day later", AS_OF + timedelta(days=1)),
    ]
    results = {}
    for name, as_of in runs:
        figures = _run(config, as_of.isoformat())
        counts = figures["summary"]["counts"]  # type: ignore[index]
        results[name] = figures
        print(
            f"{name:<20} wall {figures['wall']:7.2f} s  selected {counts['selected']:>7,}  "
            f"writes {counts['written']:>7,}  tasks {counts['tasks_created']:>5,}  "
            f"peak {figures['peak_mib']:,.0f} MiB"
        )
    ratio = results["unchanged rerun"]["wall"] / results["full run"]["wall"]  # type: ignore[operator]
    print(f"unchanged rerun / full run: {ratio:.1%}")
    if args.dir is None:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
