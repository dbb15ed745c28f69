"""What a run was asked to do, and the report of what it did (or, dry, would do)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from connector.ports import FollowUpTask, InputProblem, RecordFailure
from connector.sync.plan import Scored


@dataclass(frozen=True, slots=True)
class RunRequest:
    """What the user asked for: score as of `now`, and whether to write anything."""

    now: datetime
    dry_run: bool = False
    full: bool = False
    #: Write every result even where the destination already shows it (implies a full run).
    rewrite: bool = False
    #: Run even if the source holds far fewer leads than last time (see [safety]).
    allow_shrink: bool = False
    #: Whether `now` was asked for (`--as-of`) rather than the wall clock: the run record says so.
    as_of_given: bool = False
    wait_for_lock: bool = False
    #: Rescore exactly these leads (the webhook worker): an incremental run that leaves the
    #: cursor and the rule-set hash alone, as it did not look at the other leads.
    lead_ids: frozenset[str] | None = None


@dataclass(slots=True)
class RunReport:
    """Everything a run did or, in a dry run, would do."""

    request: RunRequest
    ruleset_hash: str
    #: The band labels, highest first: the order a person reads them in.
    bands: tuple[str, ...] = ()
    mode: str = "full"
    selected: int = 0
    scored: list[Scored] = field(default_factory=list)
    #: The leads whose result differs from what the CRM shows, with the new result.
    writes: list[Scored] = field(default_factory=list)
    tasks: list[FollowUpTask] = field(default_factory=list)
    tasks_existing: int = 0
    tasks_created: int = 0
    written: int = 0
    activities_read: int = 0
    failures: list[RecordFailure] = field(default_factory=list)
    problems: list[InputProblem] = field(default_factory=list)
    #: Rules whose field or property no input row had (full runs only): likely mistakes.
    warnings: list[str] = field(default_factory=list)
    api_calls: int = 0
    #: How many leads the source held, where the adapter can tell at no cost.
    population: int | None = None
    #: The run record's id, once the run has one (never for a dry run).
    run_id: int | None = None

    def by_priority(self) -> dict[str, int]:
        """How many scored leads fall in each band, in the bands' order (高, 中, 低)."""
        counts = Counter(item.result.priority for item in self.scored)
        order = [*self.bands, *sorted(set(counts) - set(self.bands))]
        return {label: counts[label] for label in order if counts[label]}

    def priority_changes(self) -> list[tuple[Scored, str | None]]:
        """Leads whose band differs from what the CRM showed, with the band before; best first."""
        changes = []
        for item in self.scored:
            before = item.lead.current.priority if item.lead.current else None
            if before != item.result.priority:
                changes.append((item, before))
        # The leads a manager looks for first: the ones that now score highest.
        changes.sort(key=lambda change: (-change[0].result.total, change[0].lead.id))
        return changes

    def top(self, limit: int = 10) -> list[Scored]:
        """The highest-scoring leads: the call list."""
        return sorted(self.scored, key=lambda item: (-item.result.total, item.lead.id))[:limit]

    def counts(self) -> dict[str, int]:
        """The run's figures, as the JSON summary and the run record show them."""
        return {
            "selected": self.selected,
            "leads": len(self.scored),
            "activities": self.activities_read,
            "scored": len(self.scored),
            "changed": len(self.writes),
            "written": self.written,
            "failed": len(self.failures),
            "tasks_planned": len(self.tasks),
            "tasks_created": self.tasks_created,
            "tasks_existing": self.tasks_existing,
            "input_problems": len(self.problems),
            **({} if self.population is None else {"population": self.population}),
            # The leads a worker batch was asked for: also what tells its record apart.
            **({} if self.request.lead_ids is None else {"named": len(self.request.lead_ids)}),
        }
