"""Time the state store's batch paths for a full run of N leads (default 100k).

    .venv/bin/python bench/state_store.py [URL] [--leads N]

URL defaults to a fresh SQLite file in a temporary folder. A PostgreSQL URL should point at
a scratch database or schema (e.g. `?options=-csearch_path%3Dbench`): the rows stay there.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from connector.state import StateStore, WrittenResult

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def results(count: int, score: int) -> list[WrittenResult]:
    """`count` results as a full run would record them."""
    return [
        WrittenResult(
            f"00Q{number:012d}",
            score,
            "中",
            f"{number:064x}",
            "rules-1",
            NOW + timedelta(minutes=number % 43_200),
            NOW,
        )
        for number in range(count)
    ]


def timed(label: str, action: Callable[[], object]) -> None:
    """Run `action` once and print its wall time."""
    started = time.perf_counter()
    action()
    print(f"{label:<40} {time.perf_counter() - started:7.2f} s")


def bench(url: str, count: int) -> None:
    """Print the times of the batch writes and reads for `count` leads at `url`."""
    store = StateStore.open(url)
    first, second = results(count, 40), results(count, 90)
    lead_ids = [item.lead_id for item in first]
    timed(f"record_written {count} new rows", lambda: store.record_written(first))
    timed(f"record_written {count} upserts", lambda: store.record_written(second))
    timed(f"written() all {count}", store.written)
    timed(f"written({count} ids)", lambda: store.written(lead_ids))
    timed("due_for_rescore (a third due)", lambda: store.due_for_rescore(NOW + timedelta(days=10)))
    store.close()


def main() -> None:
    """Parse the arguments and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", nargs="?")
    parser.add_argument("--leads", type=int, default=100_000)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = arguments.url or f"sqlite:///{(Path(folder) / 'state.db').as_posix()}"
        bench(url, arguments.leads)


if __name__ == "__main__":
    main()
