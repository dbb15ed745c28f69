"""scores.csv and tasks.csv: read back, merged, and rewritten atomically (never half-written)."""

from __future__ import annotations

import csv
import os
import re
import secrets
import time
from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import tzinfo
from pathlib import Path

from adapters.files.records import (
    Row,
    current_result,
    neutralised,
    restored,
    score_of,
    score_row,
    task_row,
)
from connector.errors import ConfigError
from connector.model import CurrentResult
from connector.ports import FollowUpTask, ScoreWrite

#: The breakdown last: it is long, and the columns before it are what people read.
SCORE_COLUMNS = (
    "lead_id",
    "score",
    "priority",
    "reasons",
    "scored_at",
    "next_change_at",
    "breakdown",
)
TASK_COLUMNS = ("key", "lead_id", "owner", "subject", "due_date", "priority")
#: Free text (ids, labels, names from the inputs and the config): neutralised against formula
#: injection. Not the score, so that a negative score stays a number in Excel, nor the
#: timestamps and dates leadscore formats itself.
SCORE_TEXT = frozenset({"lead_id", "priority", "reasons", "breakdown"})
TASK_TEXT = frozenset({"key", "lead_id", "owner", "subject", "priority"})
# UTF-8 with BOM, so that Excel on a Japanese Windows opens the files with the right encoding.
_ENCODING = "utf-8-sig"
#: Temp files are named as tempfile names them (`.scores.csv.` + 8 of these), so that the
#: ones earlier versions left behind are recognised as ours too.
_TEMP_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789_"
_TEMP_TOKEN_LENGTH = 8
#: A temp file untouched for this long belongs to a writer that was killed, not a live one.
STALE_TEMP_SECONDS = 60.0


def _read_rows(path: Path, text: Collection[str] = frozenset()) -> list[Row]:
    if not path.is_file():
        return []
    with path.open(encoding=_ENCODING, newline="") as handle:
        return [_cells(row, text, restored) for row in csv.DictReader(handle)]


def _cells(row: Row, text: Collection[str], convert: Callable[[str], str]) -> Row:
    # DictReader gives None for a short row's missing cells; they read as empty.
    return {key: convert(value or "") if key in text else value for key, value in row.items()}


def write_atomically(
    path: Path,
    columns: Sequence[str],
    rows: Iterable[Row],
    text: Collection[str] = frozenset(),
) -> None:
    """Write a CSV to a temporary file beside `path`, then rename it over `path`.

    The `text` columns are neutralised so that no cell runs as a formula in a spreadsheet.
    """
    safe = (_cells(row, text, neutralised) for row in rows)
    try:
        _write_atomically(path, columns, safe)
    except OSError as error:
        # A full disk or a read-only folder: stop the run (exit 2) rather than lose results.
        raise ConfigError(
            f"{path}: cannot write ({error.strerror}); check csv.output_dir and free space"
        ) from None


def _write_atomically(path: Path, columns: Sequence[str], rows: Iterable[Row]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temp_files(path)
    temp, descriptor = _create_temp(path)
    try:
        with os.fdopen(descriptor, "w", encoding=_ENCODING, newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _create_temp(path: Path) -> tuple[Path, int]:
    """A new temp file beside `path`, created as any new file is (0666 less the umask).

    Not tempfile: it creates 0600, and the rename would give scores.csv that mode.
    """
    for _ in range(100):
        token = "".join(secrets.choice(_TEMP_ALPHABET) for _ in range(_TEMP_TOKEN_LENGTH))
        temp = path.with_name(f".{path.name}.{token}")
        try:
            return temp, os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {path}")


def is_temp_of(path: Path, name: str) -> bool:
    """Whether `name` is one of the temp files the writer makes for `path`."""
    token = rf"[{re.escape(_TEMP_ALPHABET)}]{{{_TEMP_TOKEN_LENGTH}}}"
    return re.fullmatch(rf"\.{re.escape(path.name)}\.{token}", name) is not None


def remove_stale_temp_files(path: Path) -> None:
    """Delete temp files of `path` that a killed run left; a live writer's are kept."""
    cutoff = time.time() - STALE_TEMP_SECONDS
    for candidate in path.parent.iterdir():
        try:
            if is_temp_of(path, candidate.name) and candidate.lstat().st_mtime < cutoff:
                candidate.unlink()
        except OSError:
            continue  # best effort: gone meanwhile, or not ours to delete; the write goes on


class ScoresFile:
    """The current result of every lead, sorted as a call list (highest score first)."""

    def __init__(self, path: Path, zone: tzinfo) -> None:
        self.path = path
        self._zone = zone

    def current(self) -> dict[str, CurrentResult]:
        """What the file shows per lead, as the adapter's "current CRM values"."""
        rows = _read_rows(self.path, SCORE_TEXT)
        shown = {row["lead_id"]: current_result(row) for row in rows if row.get("lead_id")}
        return {lead_id: result for lead_id, result in shown.items() if result is not None}

    def update(self, writes: Sequence[ScoreWrite], keep: Collection[str]) -> None:
        """Merge `writes` into the file; rows of leads no longer in `keep` are dropped."""
        kept = _read_rows(self.path, SCORE_TEXT)
        rows = {row["lead_id"]: row for row in kept if row.get("lead_id") in keep}
        for write in writes:
            rows[write.lead_id] = score_row(write, self._zone)
        ordered = sorted(rows.values(), key=lambda row: (-score_of(row), row["lead_id"]))
        write_atomically(self.path, SCORE_COLUMNS, ordered, SCORE_TEXT)


class TasksFile:
    """Every follow-up task ever created, one row per key."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def keys(self) -> set[str]:
        """Keys of the tasks already in the file."""
        return {row["key"] for row in _read_rows(self.path, TASK_TEXT) if row.get("key")}

    def append(self, tasks: Sequence[FollowUpTask]) -> list[str]:
        """Add the tasks whose key is new; return the keys added."""
        rows = _read_rows(self.path, TASK_TEXT)
        existing = {row.get("key") for row in rows}
        new = [task for task in tasks if task.key not in existing]
        if new:
            write_atomically(self.path, TASK_COLUMNS, [*rows, *map(task_row, new)], TASK_TEXT)
        return [task.key for task in new]
