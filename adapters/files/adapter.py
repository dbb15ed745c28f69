"""The local-files "CRM": leads and activities from CSV/xlsx; results to scores.csv, tasks.csv."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import replace
from datetime import datetime, timedelta, tzinfo
from pathlib import Path

from adapters.files.admin import check_local_files, setup_local_files
from adapters.files.client import Table, open_table, require_columns
from adapters.files.mapping import CsvMapping
from adapters.files.write import ScoresFile, TasksFile
from connector.model import Activity, Lead
from connector.ports import (
    CheckItem,
    FollowUpTask,
    InputProblem,
    ProblemSink,
    RecordFailure,
    ScoreWrite,
    TaskOutcome,
)
from connector.timestamps import parse_timestamp

LEAD_COLUMNS = ("id",)
ACTIVITY_COLUMNS = ("id", "lead_id", "kind", "occurred_at")
_LEAD_FIELDS = frozenset({"id", "owner"})
_ACTIVITY_FIELDS = frozenset({"id", "lead_id", "kind", "occurred_at"})


# CsvMapping is re-exported: callers build the adapter from one import.
__all__ = ["CsvMapping", "LocalFilesAdapter"]


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
    ) -> None:
        self.leads_path = leads_path
        self.activities_path = activities_path
        self.output_dir = output_dir
        self._mapping = mapping
        self._zone = zone
        self._report = on_problem
        self._leads: dict[str, Lead] | None = None
        self._scores = ScoresFile(output_dir / "scores.csv", zone)
        self._tasks = TasksFile(output_dir / "tasks.csv")

    def read_leads(self, ids: Collection[str] | None = None) -> Iterator[Lead]:
        """Leads from the leads file, with the result scores.csv shows for them."""
        leads = self._all_leads()
        current = self._scores.current()
        chosen = leads.values() if ids is None else (leads[i] for i in ids if i in leads)
        for lead in chosen:
            yield replace(lead, current=current.get(lead.id))

    def changed_lead_ids(self, since: datetime) -> set[str]:
        """Files carry no per-row change time: all leads when either file changed since then."""
        newest = max(self.leads_path.stat().st_mtime, self.activities_path.stat().st_mtime)
        return set(self._all_leads()) if newest >= since.timestamp() else set()

    def read_activities(
        self, lead_ids: Collection[str] | None, occurred_after: datetime
    ) -> Iterator[Activity]:
        """Valid activity rows of known leads after `occurred_after`; bad rows are reported."""
        wanted = None if lead_ids is None else set(lead_ids)
        for activity in self._all_activities():
            if activity.occurred_at > occurred_after and (
                wanted is None or activity.lead_id in wanted
            ):
                yield activity

    def write_scores(self, writes: Sequence[ScoreWrite]) -> list[RecordFailure]:
        """Merge the results into scores.csv and rewrite it atomically."""
        self._scores.update(writes, keep=set(self._all_leads()))
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
        inputs = [(self.leads_path, self.lead_header), (self.activities_path, self.activity_header)]
        return check_local_files(inputs, self.output_dir)

    def setup(self, *, dry_run: bool) -> list[CheckItem]:
        """Create the output folder."""
        return setup_local_files(self.output_dir, dry_run=dry_run)

    def close(self) -> None:
        """Nothing is held open between calls."""

    def lead_header(self) -> list[str]:
        """The leads file's columns, after renames; InputError when unusable."""
        return self._checked_header(self.leads_path, self._mapping.leads.columns, LEAD_COLUMNS)

    def activity_header(self) -> list[str]:
        """The activities file's columns, after renames; InputError when unusable."""
        renames = self._mapping.activities.columns
        return self._checked_header(self.activities_path, renames, ACTIVITY_COLUMNS)

    def _checked_header(
        self, path: Path, renames: dict[str, str], required: Sequence[str]
    ) -> list[str]:
        with open_table(path) as table:
            header = self._renamed(table.header, renames)
        require_columns(path, header, required)
        return list(header.values())

    def _all_leads(self) -> dict[str, Lead]:
        if self._leads is None:
            self._leads = self._load_leads()
        return self._leads

    def _load_leads(self) -> dict[str, Lead]:
        with open_table(self.leads_path) as table:
            return self._leads_from(table)

    def _leads_from(self, table: Table) -> dict[str, Lead]:
        header = self._renamed(table.header, self._mapping.leads.columns)
        require_columns(self.leads_path, header, LEAD_COLUMNS)
        leads: dict[str, Lead] = {}
        for line, raw in table.rows:
            row = {header[name]: value for name, value in raw.items() if name in header}
            lead_id = row.get("id", "")
            if not lead_id:
                self._problem(self.leads_path, line, "no id; row skipped")
            elif lead_id in leads:
                self._problem(self.leads_path, line, f"duplicate lead id {lead_id}; row skipped")
            else:
                leads[lead_id] = self._lead(lead_id, row)
        return leads

    def _lead(self, lead_id: str, row: dict[str, str]) -> Lead:
        attributes = {name: value for name, value in row.items() if value and name != "id"}
        return Lead(
            id=lead_id,
            attributes=attributes,
            owner=row.get("owner") or None,
        )

    def _all_activities(self) -> Iterator[Activity]:
        leads = self._all_leads()
        with open_table(self.activities_path) as table:
            yield from self._activities_from(table, leads)

    def _activities_from(self, table: Table, leads: dict[str, Lead]) -> Iterator[Activity]:
        header = self._renamed(table.header, self._mapping.activities.columns)
        require_columns(self.activities_path, header, ACTIVITY_COLUMNS)
        reader = _ActivityRows(self._mapping, self._zone, set(leads))
        for line, raw in table.rows:
            row = {header[name]: value for name, value in raw.items() if name in header}
            activity, problem = reader.parse(row)
            if problem:
                self._problem(self.activities_path, line, problem)
            elif activity is not None:
                yield activity

    @staticmethod
    def _renamed(header: Sequence[str], renames: dict[str, str]) -> dict[str, str]:
        return {name: renames.get(name, name) for name in header}

    def _problem(self, path: Path, line: int, message: str) -> None:
        self._report(InputProblem(path.name, f"line {line}", message))


class _ActivityRows:
    """Turns one activity row into an Activity, or says why it cannot."""

    def __init__(self, mapping: CsvMapping, zone: tzinfo, lead_ids: set[str]) -> None:
        self._kinds = mapping.activities.kinds
        self._known = mapping.known_kinds()
        self._numeric = frozenset(mapping.activities.numeric_properties)
        self._zone = zone
        self._lead_ids = lead_ids
        self._seen: set[str] = set()

    def parse(self, row: dict[str, str]) -> tuple[Activity | None, str | None]:
        """The activity, or None and the reason the row was skipped."""
        activity_id, lead_id = row.get("id", ""), row.get("lead_id", "")
        kind = self._kinds.get(row.get("kind", ""), row.get("kind", ""))
        if not activity_id:
            return None, "no id; row skipped"
        if activity_id in self._seen:
            return None, f"duplicate activity id {activity_id}; row skipped"
        if lead_id not in self._lead_ids:
            return None, f"unknown lead id {lead_id!r} (not in the leads file); row skipped"
        if kind not in self._known:
            known = ", ".join(sorted(self._known))
            return None, f"unknown kind {kind!r}; use one of {known} or map it; row skipped"
        try:
            occurred_at = parse_timestamp(row.get("occurred_at", ""), self._zone)
            properties = self._properties(row)
        except ValueError as error:
            return None, f"{error}; row skipped"
        self._seen.add(activity_id)
        return Activity(activity_id, lead_id, kind, occurred_at, properties), None

    def _properties(self, row: dict[str, str]) -> dict[str, str | float]:
        properties: dict[str, str | float] = {}
        for name, value in row.items():
            if not value or name in _ACTIVITY_FIELDS:
                continue
            properties[name] = self._number(name, value) if name in self._numeric else value
        return properties

    @staticmethod
    def _number(name: str, value: str) -> float:
        try:
            return float(value.replace(",", ""))
        except ValueError:
            raise ValueError(f"{name} is not a number: {value!r}") from None
