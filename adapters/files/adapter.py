"""The local-files "CRM": leads and activities from CSV/xlsx; results to scores.csv, tasks.csv."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import replace
from datetime import datetime, timedelta, tzinfo
from pathlib import Path

from adapters.files.admin import check_local_files, setup_local_files
from adapters.files.mapping import CsvMapping
from adapters.files.read import InputFiles
from adapters.files.records import EXCEL_CELL_LIMIT
from adapters.files.write import ScoresFile, TasksFile
from connector.model import Activity, Lead
from connector.ports import (
    CheckItem,
    FollowUpTask,
    ProblemSink,
    RecordFailure,
    ResultFields,
    ScoreWrite,
    TaskOutcome,
    Vocabulary,
)

__all__ = ["LocalFilesAdapter"]


class LocalFilesAdapter:
    """The Adapter over two input files: reads them once, writes results atomically."""

    #: One write rewrites the whole scores.csv, so a run sends everything in one batch.
    max_write_batch = 1_000_000
    #: File modification times are exact: no lag needed.
    cursor_lag = timedelta(0)
    #: Both reads parse files; threads would only contend for the interpreter.
    concurrent_reads = False
    #: Files cost no API calls.
    api_calls = 0

    def __init__(
        self,
        *,
        leads_path: Path,
        activities_path: Path,
        output_dir: Path,
        mapping: CsvMapping,
        zone: tzinfo,
        on_problem: ProblemSink,
        sheet: str | None = None,
    ) -> None:
        self._inputs = InputFiles(
            leads_path=leads_path,
            activities_path=activities_path,
            mapping=mapping,
            zone=zone,
            on_problem=on_problem,
            sheet=sheet,
        )
        self._output_dir = output_dir
        self._scores = ScoresFile(output_dir / "scores.csv", zone)
        self._tasks = TasksFile(output_dir / "tasks.csv")

    def read_leads(self, ids: Collection[str] | None = None) -> Iterator[Lead]:
        """Leads from the leads file, with the result scores.csv shows for them."""
        leads = self._inputs.leads()
        current = self._scores.current()
        chosen = leads.values() if ids is None else (leads[i] for i in ids if i in leads)
        for lead in chosen:
            yield replace(lead, current=current.get(lead.id))

    def memory(self) -> None:
        """Nothing to carry from one run to the next."""
        return None

    def recall(self, memory: str) -> None:
        """Nothing was carried over."""

    def population(self) -> int:
        """The valid leads in the leads file."""
        return len(self._inputs.leads())

    def vocabulary(self) -> Vocabulary:
        """Every column is an attribute or a property; the mapping adds kinds."""
        return self._inputs.vocabulary()

    def changed_lead_ids(self, since: datetime) -> set[str]:
        """All leads if an input changed since then, else those scores.csv no longer shows."""
        # Files carry no per-row change time; a deleted scores.csv or a new output folder
        # shows nothing, and an incremental run writes those results back.
        leads = set(self._inputs.leads())
        if self._inputs.changed_since(since):
            return leads
        return leads - self._scores.current().keys()

    def read_activities(
        self,
        lead_ids: Collection[str] | None,
        occurred_after: datetime,
        *,
        occurred_before: datetime | None = None,
    ) -> Iterator[Activity]:
        """Valid activity rows of known leads after `occurred_after`; bad rows are reported."""
        wanted = None if lead_ids is None else set(lead_ids)
        for activity in self._inputs.activities():
            if activity.within(occurred_after, occurred_before) and (
                wanted is None or activity.lead_id in wanted
            ):
                yield activity

    def result_fields(self) -> ResultFields:
        """scores.csv always has both columns; the breakdown fits an Excel cell."""
        return ResultFields(breakdown_length=EXCEL_CELL_LIMIT, next_change_at=True)

    def write_scores(self, writes: Sequence[ScoreWrite]) -> list[RecordFailure]:
        """Merge the results into scores.csv and rewrite it atomically."""
        self._scores.update(writes, keep=set(self._inputs.leads()))
        return []

    def find_tasks(self, keys: Collection[str]) -> dict[str, str]:
        """Keys already in tasks.csv (a task's id there is its key)."""
        existing = self._tasks.keys()
        return {key: key for key in keys if key in existing}

    def create_tasks(self, tasks: Sequence[FollowUpTask]) -> TaskOutcome:
        """Append the tasks not yet in tasks.csv, rewriting it atomically."""
        created = self._tasks.append(tasks)
        return TaskOutcome(created={key: key for key in created})

    def check(self) -> list[CheckItem]:
        """Both input files readable with their columns, the output folder writable."""
        inputs = self._inputs
        headers = [
            (inputs.leads_path, inputs.lead_header),
            (inputs.activities_path, inputs.activity_header),
        ]
        return check_local_files(headers, self._output_dir)

    def setup(self, *, dry_run: bool) -> list[CheckItem]:
        """Create the output folder."""
        return setup_local_files(self._output_dir, dry_run=dry_run)

    def close(self) -> None:
        """Nothing is held open between calls."""
