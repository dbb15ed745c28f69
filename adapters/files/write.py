"""scores.csv and tasks.csv: read back, merged, and rewritten atomically (never half-written)."""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Collection, Iterable, Sequence
from datetime import tzinfo
from pathlib import Path

from adapters.files.records import current_result, score_of, score_row, task_row
from connector.errors import ConfigError
from connector.model import CurrentResult
from connector.ports import FollowUpTask, ScoreWrite

SCORE_COLUMNS = ("lead_id", "score", "priority", "reasons", "scored_at")
TASK_COLUMNS = ("key", "lead_id", "owner", "subject", "due_date", "priority")
# UTF-8 with BOM, so that Excel on a Japanese Windows opens the files with the right encoding.
_ENCODING = "utf-8-sig"


def _read_rows(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        return []
    with path.open(encoding=_ENCODING, newline="") as handle:
        return list(csv.DictReader(handle))


def write_atomically(path: Path, columns: Sequence[str], rows: Iterable[dict[str, str]]) -> None:
    """Write a CSV to a temporary file beside `path`, then rename it over `path`."""
    try:
        _write_atomically(path, columns, rows)
    except OSError as error:
        # A full disk or a read-only folder: stop the run (exit 2) rather than lose results.
        raise ConfigError(
            f"{path}: cannot write ({error.strerror}); check csv.output_dir and free space"
        ) from None


def _write_atomically(path: Path, columns: Sequence[str], rows: Iterable[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed before the rename below
        "w", encoding=_ENCODING, newline="", dir=path.parent, prefix=f".{path.name}.", delete=False
    )
    try:
        with handle:
            writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


class ScoresFile:
    """The current result of every lead, sorted as a call list (highest score first)."""

    def __init__(self, path: Path, zone: tzinfo) -> None:
        self.path = path
        self._zone = zone

    def current(self) -> dict[str, CurrentResult]:
        """What the file shows per lead, as the adapter's "current CRM values"."""
        rows = _read_rows(self.path)
        shown = {row["lead_id"]: current_result(row) for row in rows if row.get("lead_id")}
        return {lead_id: result for lead_id, result in shown.items() if result is not None}

    def update(self, writes: Sequence[ScoreWrite], keep: Collection[str]) -> None:
        """Merge `writes` into the file; rows of leads no longer in `keep` are dropped."""
        rows = {row["lead_id"]: row for row in _read_rows(self.path) if row.get("lead_id") in keep}
        for write in writes:
            rows[write.lead_id] = score_row(write, self._zone)
        ordered = sorted(rows.values(), key=lambda row: (-score_of(row), row["lead_id"]))
        write_atomically(self.path, SCORE_COLUMNS, ordered)


class TasksFile:
    """Every follow-up task ever created, one row per key."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def keys(self) -> set[str]:
        """Keys of the tasks already in the file."""
        return {row["key"] for row in _read_rows(self.path) if row.get("key")}

    def append(self, tasks: Sequence[FollowUpTask]) -> list[str]:
        """Add the tasks whose key is new; return the keys added."""
        rows = _read_rows(self.path)
        existing = {row.get("key") for row in rows}
        new = [task for task in tasks if task.key not in existing]
        if new:
            write_atomically(self.path, TASK_COLUMNS, [*rows, *map(task_row, new)])
        return [task.key for task in new]
