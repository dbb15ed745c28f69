"""The two input files: leads read once, activities streamed, bad rows reported with their line."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TypeVar

from adapters.files.client import Table, Unreadable, open_table, require_columns
from adapters.files.mapping import CsvMapping
from adapters.files.records import ActivityRows, LeadRows, Row
from connector.model import Activity, Lead
from connector.ports import InputProblem, ProblemSink, Vocabulary

LEAD_COLUMNS = ("id",)
ACTIVITY_COLUMNS = ("id", "lead_id", "kind", "occurred_at")

T = TypeVar("T")
#: A row parser: the record, or None and why the row was skipped.
Parse = Callable[[Row], tuple[T | None, str | None]]


class InputFiles:
    """The leads file and the activities file, read through the mapping's renames."""

    def __init__(
        self,
        *,
        leads_path: Path,
        activities_path: Path,
        mapping: CsvMapping,
        zone: tzinfo,
        on_problem: ProblemSink,
        sheet: str | None = None,
    ) -> None:
        self.leads_path = leads_path
        self.activities_path = activities_path
        self._mapping = mapping
        self._zone = zone
        self._report = on_problem
        self._sheet = sheet
        self._leads: dict[str, Lead] | None = None

    def leads(self) -> dict[str, Lead]:
        """Every valid lead by id; the file is read once, so its problems are reported once."""
        if self._leads is None:
            self._leads = self._load_leads()
        return self._leads

    def activities(self) -> Iterator[Activity]:
        """Valid activity rows of known leads, streamed: the file may not fit in memory."""
        parser = ActivityRows(self._mapping, self._zone, set(self.leads()))
        renames = self._mapping.activities.columns
        with open_table(self.activities_path, self._sheet) as table:
            yield from self._parsed(table, renames, ACTIVITY_COLUMNS, parser.parse)

    def changed_since(self, since: datetime) -> bool:
        """Whether either file was modified at or after `since` (files have no per-row time)."""
        newest = max(self.leads_path.stat().st_mtime, self.activities_path.stat().st_mtime)
        return newest >= since.timestamp()

    def vocabulary(self) -> Vocabulary:
        """The leads file's columns as attributes; its kinds with the activity columns."""
        attributes = frozenset(self.lead_header()) - {"id"}
        properties = frozenset(self.activity_header()) - set(ACTIVITY_COLUMNS)
        kinds = dict.fromkeys(self._mapping.known_kinds(), properties)
        return Vocabulary(attributes=attributes, kinds=kinds)

    def lead_header(self) -> list[str]:
        """The leads file's columns, after renames; InputError when unusable."""
        renames = self._mapping.leads.columns
        return _checked_header(self.leads_path, self._sheet, renames, LEAD_COLUMNS)

    def activity_header(self) -> list[str]:
        """The activities file's columns, after renames; InputError when unusable."""
        renames = self._mapping.activities.columns
        return _checked_header(self.activities_path, self._sheet, renames, ACTIVITY_COLUMNS)

    def _load_leads(self) -> dict[str, Lead]:
        parser = LeadRows()
        renames = self._mapping.leads.columns
        with open_table(self.leads_path, self._sheet) as table:
            parsed = self._parsed(table, renames, LEAD_COLUMNS, parser.parse)
            return {lead.id: lead for lead in parsed}

    def _parsed(
        self, table: Table, renames: Mapping[str, str], required: Sequence[str], parse: Parse[T]
    ) -> Iterator[T]:
        for line, row in _renamed_rows(table, renames, required):
            record, problem = (None, row.reason) if isinstance(row, Unreadable) else parse(row)
            if problem:
                self._report(InputProblem(table.path.name, f"line {line}", problem))
            elif record is not None:
                yield record


def _renamed_rows(
    table: Table, renames: Mapping[str, str], required: Sequence[str]
) -> Iterator[tuple[int, Row | Unreadable]]:
    header = _renamed(table.header, renames)
    require_columns(table.path, header, required)
    for line, raw in table.rows:
        if isinstance(raw, Unreadable):
            yield line, raw
        else:
            yield line, {header[name]: value for name, value in raw.items() if name in header}


def _checked_header(
    path: Path, sheet: str | None, renames: Mapping[str, str], required: Sequence[str]
) -> list[str]:
    with open_table(path, sheet) as table:
        header = _renamed(table.header, renames)
    require_columns(path, header, required)
    return list(header.values())


def _renamed(header: Sequence[str], renames: Mapping[str, str]) -> dict[str, str]:
    return {name: renames.get(name, name) for name in header}
