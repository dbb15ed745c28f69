"""One run: select the leads whose score can have changed, score them, write what changed.

Order of operations, chosen so that a crash anywhere converges on the next run:
  1. select leads (changed since the cursor, due to change, failed last time, unfinished tasks);
  2. read them and their activities, score;
  3. reserve follow-up tasks in the state, look them up in the CRM, create the missing ones;
  4. write changed results in batches, recording each batch in the state as it succeeds;
  5. only then advance the cursor and the rule-set hash.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import TypeVar

from connector.config import CoreSettings
from connector.errors import ConfigError, InputError
from connector.logs import redacted
from connector.model import Activity, Lead
from connector.ports import BASIC_RESULT_FIELDS, Adapter, InputProblem, ResultFields
from connector.scoring import Scorer
from connector.state import StateStore
from connector.sync.breakdown import breakdown_text
from connector.sync.followup import follow_up_labels
from connector.sync.plan import Plan, Scored, TaskPolicy, as_written, plan_run, score_write
from connector.sync.report import RunReport, RunRequest
from connector.sync.tasks import TASK, TaskCreator
from connector.sync.vocabulary import NameWatch, unknown_names

log = logging.getLogger("leadscore.sync")

Progress = Callable[[int], None]
Clock = Callable[[], datetime]
_T = TypeVar("_T")

LEADS_CURSOR = "leads"
SCORE = "score"
__all__ = ["LEADS_CURSOR", "SCORE", "TASK", "Pipeline", "RunReport", "RunRequest", "Scored"]


def _wall_clock() -> datetime:
    return datetime.now(UTC)


class Pipeline:
    """Runs the select -> read -> score -> diff -> write steps for one adapter and one store.

    Two clocks, never mixed: `request.now` (the `--as-of` instant) is what scores, windows,
    task keys and cooldowns are computed at; `clock()` (the wall clock) is when something
    happened, in the run record, the written results and the failures table.
    """

    def __init__(
        self,
        settings: CoreSettings,
        adapter: Adapter,
        store: StateStore,
        clock: Clock = _wall_clock,
        problems: Sequence[InputProblem] = (),
    ) -> None:
        self.settings = settings
        self.adapter = adapter
        self.store = store
        self.clock = clock
        #: Where the adapter's problem sink collects skipped input rows (it fills as we read).
        self.problems = problems
        self.scorer = Scorer(settings.scoring, settings.zone)
        self._policy = TaskPolicy(
            settings.follow_up, follow_up_labels(settings.scoring.bands), settings.zone
        )
        self._tasks = TaskCreator(adapter, store, clock, settings.follow_up.fallback_owner)

    def run(self, request: RunRequest, progress: Progress | None = None) -> RunReport:
        """One sync run; per-record failures are in the report, never raised."""
        self._check_rule_names()
        bands = tuple(band.label for band in self.settings.scoring.bands)
        report = RunReport(request, self.scorer.ruleset_hash, bands)
        first_problem = len(self.problems)
        if request.dry_run:
            report.mode, cursor = self._mode(request)
            self._plan(report, cursor, progress)
            report.problems = list(self.problems[first_problem:])
            return report
        with self.store.run_lock(wait=request.wait_for_lock):
            report.mode, cursor = self._mode(request)
            as_of = request.now if request.as_of_given else None
            run_id = report.run_id = self.store.start_run(report.mode, self.clock(), as_of=as_of)
            try:
                self._sync(report, cursor, progress)
            except BaseException as error:
                message = redacted(str(error)) or type(error).__name__
                self._finish(run_id, report, "failed", first_problem, error=message)
                raise
            self._finish(run_id, report, "partial" if report.failures else "ok", first_problem)
        return report

    def _check_rule_names(self) -> None:
        """A rule naming what the mapping cannot produce would never fire: stop first."""
        problems = unknown_names(self.settings.scoring, self.adapter.vocabulary())
        if problems:
            lines = "\n  ".join(problems)
            raise ConfigError(f"the scoring rules name what the mapping cannot produce:\n  {lines}")

    def score(
        self,
        leads: Iterable[Lead],
        activities: dict[str, list[Activity]],
        now: datetime,
        progress: Progress | None = None,
        fields: ResultFields = BASIC_RESULT_FIELDS,
    ) -> list[Scored]:
        """Score every lead with its activities as of `now`; a breakdown when `fields` has one."""
        scored = []
        limit = fields.breakdown_length
        for lead in leads:
            found = activities.get(lead.id, ())
            result = self.scorer.score(lead, found, now)
            text = None if limit is None else breakdown_text(result, found, limit)
            scored.append(Scored(lead, result, text))
            if progress is not None:
                progress(1)
        return scored

    def _sync(self, report: RunReport, cursor: datetime | None, progress: Progress | None) -> None:
        cursor_next = self.clock() - self.adapter.cursor_lag
        name = self.settings.crm.adapter
        remembered = self.store.adapter_memory(name)
        if remembered is not None:
            self.adapter.recall(remembered)
        self._reconcile_reserved_tasks()
        plan = self._plan(report, cursor, progress)
        self._execute(plan, report)
        if report.request.lead_ids is not None:
            return  # leads named by webhooks: the cursor still covers everything else
        self.store.set_cursor(LEADS_CURSOR, cursor_next)
        memory = self.adapter.memory()
        if memory is not None:
            self.store.set_adapter_memory(name, memory)
        if report.mode == "full":
            self.store.set_ruleset_hash(report.ruleset_hash)

    def _plan(self, report: RunReport, cursor: datetime | None, progress: Progress | None) -> Plan:
        request = report.request
        selected = self._selection(report, cursor)
        watch = NameWatch(self.settings.scoring) if selected is None else None
        leads, activities = self._read(selected, request.now, report, watch)
        report.population = self.adapter.population()
        if not request.allow_shrink:
            self._refuse_a_shrunken_source(report.population)
        if watch is not None:
            watch.see_leads(leads)
            report.warnings = watch.unseen()
            for warning in report.warnings:
                log.warning("%s: is the rule or the input wrong?", warning)
        ids = [lead.id for lead in leads]
        report.selected = len(ids)
        # Asked only when there is something to diff: it may cost a call (a describe).
        fields = self.adapter.result_fields() if leads else BASIC_RESULT_FIELDS
        report.scored = self.score(leads, activities, request.now, progress, fields)
        written = self.store.written(None if selected is None else ids)
        plan = plan_run(
            report.scored,
            written,
            self.store.last_task,
            self._policy,
            request.now,
            rewrite=request.rewrite,
            fields=fields,
        )
        report.writes, report.tasks = plan.writes, plan.tasks
        return plan

    def _refuse_a_shrunken_source(self, population: int | None) -> None:
        """A source suddenly much smaller than last time is a truncated export: stop first."""
        last = self.store.last_successful_run()
        before = None if last is None else last.counts.get("population")
        if last is None or population is None or not before:
            return
        floor = before * (1 - self.settings.safety.max_shrink)
        if population < floor:
            shrink = round(100 * (before - population) / before)
            raise InputError(
                f"the source holds {population} leads, {shrink}% fewer than the {before} of "
                f"the last successful run ({last.started_at:%Y-%m-%d %H:%M} UTC; "
                f"[safety] max_shrink = {self.settings.safety.max_shrink:g}): a truncated or "
                "empty export? Nothing was written. If the leads really went, rerun with "
                "--allow-shrink"
            )

    def _mode(self, request: RunRequest) -> tuple[str, datetime | None]:
        """Full when asked, on the first run, or when the rules changed; and the cursor."""
        cursor = self.store.cursor(LEADS_CURSOR)
        if request.lead_ids is not None:
            return "incremental", cursor
        stale_rules = self.store.ruleset_hash() != self.scorer.ruleset_hash
        full = request.full or request.rewrite or cursor is None or stale_rules
        return ("full" if full else "incremental"), cursor

    def _selection(self, report: RunReport, cursor: datetime | None) -> set[str] | None:
        """Lead ids to rescore, or None for every lead (a full run)."""
        if report.request.lead_ids is not None:
            return set(report.request.lead_ids)
        if report.mode == "full" or cursor is None:
            return None
        selected = self.adapter.changed_lead_ids(cursor)
        selected |= self.store.due_for_rescore(report.request.now)
        selected |= set(self.store.pending_failures(SCORE))
        selected |= {task.lead_id for task in self.store.reserved_tasks()}
        return selected

    def _read(
        self,
        selected: set[str] | None,
        now: datetime,
        report: RunReport,
        watch: NameWatch | None,
    ) -> tuple[list[Lead], dict[str, list[Activity]]]:
        """The selected leads and their activities; side by side when the adapter allows."""
        if selected is not None and not selected:
            return [], {}
        if not self.adapter.concurrent_reads:
            leads = list(self.adapter.read_leads(selected))
            ids = None if selected is None else [lead.id for lead in leads]
            return leads, self._activities(ids, now, report, watch)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="leadscore-read") as pool:
            activities = pool.submit(self._activities, selected, now, report, watch)
            leads = list(self.adapter.read_leads(selected))
            return leads, activities.result()

    def _activities(
        self,
        lead_ids: Collection[str] | None,
        now: datetime,
        report: RunReport,
        watch: NameWatch | None,
    ) -> dict[str, list[Activity]]:
        grouped: dict[str, list[Activity]] = defaultdict(list)
        if lead_ids is not None and not lead_ids:
            return grouped
        since = self.settings.scoring.window_start(now, self.settings.zone)
        until = now if report.request.as_of_given else None
        for activity in self.adapter.read_activities(lead_ids, since, occurred_before=until):
            grouped[activity.lead_id].append(activity)
            if watch is not None:
                watch.see(activity)
        report.activities_read += sum(len(found) for found in grouped.values())
        return grouped

    def _reconcile_reserved_tasks(self) -> None:
        """Tasks reserved by a run that died: those the CRM has are recorded as created."""
        reserved = self.store.reserved_tasks()
        if reserved:
            found = self.adapter.find_tasks([task.key for task in reserved])
            for key, crm_id in found.items():
                self.store.mark_task_created(key, crm_id, self.clock())

    def _execute(self, plan: Plan, report: RunReport) -> None:
        # Tasks before scores: if a run dies between the two, the lead still looks as if it
        # is entering its band next time, and the reserved key makes the retry safe.
        failed_tasks = self._tasks.create(plan.tasks, report)
        if failed_tasks:
            reason = "not written: its follow-up task could not be created"
            self.store.record_failures(SCORE, dict.fromkeys(failed_tasks, reason), self.clock())
        writes = [item for item in plan.writes if item.lead.id not in failed_tasks]
        for batch in _batches(writes, self.adapter.max_write_batch):
            self._write_batch(batch, report)
        unchanged = [item for item in plan.unchanged if item.lead.id not in failed_tasks]
        self._record_written(unchanged)

    def _write_batch(self, batch: Sequence[Scored], report: RunReport) -> None:
        failures = self.adapter.write_scores([score_write(item) for item in batch])
        failed = {failure.record_id for failure in failures}
        done = [item for item in batch if item.lead.id not in failed]
        self._record_written(done)
        self.store.record_failures(SCORE, {f.record_id: f.message for f in failures}, self.clock())
        report.failures.extend(failures)
        report.written += len(done)

    def _record_written(self, items: Sequence[Scored]) -> None:
        """The CRM now shows these results: remember them and forget their failures."""
        at = self.clock()
        self.store.record_written([as_written(item.result, at) for item in items])
        self.store.clear_failures(SCORE, [item.lead.id for item in items])

    def _finish(
        self,
        run_id: int,
        report: RunReport,
        status: str,
        first_problem: int,
        error: str | None = None,
    ) -> None:
        report.api_calls = self.adapter.api_calls
        report.problems = list(self.problems[first_problem:])
        self.store.finish_run(
            run_id,
            at=self.clock(),
            status=status,
            counts=report.counts(),
            api_calls=report.api_calls,
            errors=len(report.failures),
            error=error,
        )


def _batches(items: Sequence[_T], size: int) -> Iterable[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
