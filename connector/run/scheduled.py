"""The schedule role: a sync at start, then on the cron line or interval and at score changes.

One replica at a time syncs: the store's run lock decides. A replica that finds another's
sync under way skips that tick (an info line, not an error) and keeps serving and draining.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from connector.config import CoreSettings
from connector.errors import LeadscoreError, StateError
from connector.logs import redacted
from connector.ports import Adapter, InputProblem, ProblemSink
from connector.run.schedule import Cadence, Cron, Every, parse_duration
from connector.run.scheduler import RECHECK, History, Trigger, next_wake, run_kind
from connector.run.stats import RunOutcome, RunStats, api_budget
from connector.state import RunLockHeld, StateStore
from connector.sync import Pipeline, RunRequest

log = logging.getLogger("leadscore.run")

Clock = Callable[[], datetime]
AdapterFactory = Callable[[ProblemSink], Adapter]

#: How long a tick waits for the lock when a worker batch (not a sync) holds it.
LOCK_GRACE = timedelta(seconds=30)
LOCK_RETRY_SECONDS = 1.0


def _wall_clock() -> datetime:
    return datetime.now(UTC)


def cadences(settings: CoreSettings) -> tuple[Cadence | None, Cadence | None]:
    """The regular cadence ([schedule] cron or every) and the full_cron one, when set."""
    schedule, zone = settings.schedule, settings.zone
    regular: Cadence | None = None
    if schedule.cron is not None:
        regular = Cron(schedule.cron, zone)
    elif schedule.every is not None:
        regular = Every(parse_duration(schedule.every))
    full = None if schedule.full_cron is None else Cron(schedule.full_cron, zone)
    return regular, full


@dataclass(frozen=True, slots=True)
class _Skip:
    """Why a tick made no run."""

    reason: str


class ScheduledSync:
    """Runs the pipeline when `next_wake` says, until stopped; one run in hand at most."""

    def __init__(
        self,
        settings: CoreSettings,
        store: StateStore,
        adapter_factory: AdapterFactory,
        cadence: Cadence,
        *,
        full_cadence: Cadence | None = None,
        gate: threading.Lock | None = None,
        stats: RunStats | None = None,
        clock: Clock = _wall_clock,
        lock_grace: timedelta = LOCK_GRACE,
    ) -> None:
        self.settings = settings
        self.store = store
        self.adapter_factory = adapter_factory
        self.cadence = cadence
        self.full_cadence = full_cadence
        #: Shared with this process's worker: a batch in hand is waited for, not mistaken
        #: for another replica's sync.
        self.gate = gate or threading.Lock()
        self.stats = stats or RunStats()
        self.clock = clock
        self.lock_grace = lock_grace

    def run(self, stop: threading.Event) -> None:
        """Sync at start, then whenever due, until `stop` is set (the run in hand finishes)."""
        history = History(self.clock())
        while not stop.is_set():
            now = self.clock()
            try:
                changes = self._next_change(history)
            except StateError as error:
                log.error("scheduler cannot read the state: %s", redacted(str(error)))
                stop.wait(RECHECK.total_seconds())
                continue
            wake = next_wake(
                now, history, self.cadence, full_cadence=self.full_cadence, next_change=changes
            )
            if wake.trigger is None or wake.at > now:
                stop.wait((wake.at - now).total_seconds())
                continue
            history = history.after_run(now, wake.trigger)
            self.attempt(wake.trigger, now, stop)

    def _next_change(self, history: History) -> datetime | None:
        if history.last_start is None:
            return None
        return self.store.earliest_next_change(history.last_start)

    def attempt(
        self, trigger: Trigger, now: datetime, stop: threading.Event | None = None
    ) -> RunOutcome | None:
        """One scheduled run for `trigger` at `now`, or None when another process has it."""
        with self.gate:
            deadline = time.monotonic() + self.lock_grace.total_seconds()
            while True:
                result = self._run_once(trigger, now)
                if isinstance(result, RunOutcome):
                    return result
                if result is not None or time.monotonic() >= deadline:
                    break
                # A worker batch of another replica holds the lock for seconds: wait it out.
                if stop is not None and stop.wait(LOCK_RETRY_SECONDS):
                    break
                if stop is None:
                    time.sleep(LOCK_RETRY_SECONDS)
        reason = result.reason if result is not None else "another sync holds the run lock"
        self.stats.skipped(trigger)
        log.info("run skipped", extra={"trigger": trigger, "reason": reason})
        return None

    def _run_once(self, trigger: Trigger, now: datetime) -> RunOutcome | _Skip | None:
        """The run, a reason to skip the tick, or None to try the lock again."""
        try:
            stored = self.store.ruleset_hash()
            # No hash yet: a first run, full by itself (the pipeline sees no cursor).
            rules_changed = stored is not None and stored != self._ruleset_hash
        except StateError as error:
            return self._failed(trigger, now, error, time.monotonic())
        logged, full = run_kind(trigger, rules_changed=rules_changed)
        problems: list[InputProblem] = []
        started = time.monotonic()
        adapter: Adapter | None = None
        try:
            adapter = self.adapter_factory(problems.append)
            pipeline = Pipeline(self.settings, adapter, self.store, self.clock, problems=problems)
            report = pipeline.run(RunRequest(now, full=full))
        except RunLockHeld:
            return self._lock_holder(now)
        except LeadscoreError as error:
            return self._failed(logged, now, error, started, adapter)
        except Exception as error:  # a bug: say so, keep the process serving
            log.exception("run crashed", extra={"trigger": logged})
            return self._failed(logged, now, error, started, adapter)
        finally:
            if adapter is not None:
                adapter.close()
        status = "partial" if report.failures else "ok"
        outcome = RunOutcome(
            run_id=report.run_id,
            trigger=logged,
            status=status,
            mode=report.mode,
            started_at=now,
            duration_seconds=time.monotonic() - started,
            written=report.written,
            failed=len(report.failures),
            api_calls=report.api_calls,
            budget=api_budget(self.settings.crm.adapter, adapter),
        )
        return self._finished(outcome)

    @property
    def _ruleset_hash(self) -> str:
        return self.settings.scoring.content_hash()

    def _lock_holder(self, since: datetime) -> _Skip | None:
        """Skip when a sync (of another replica, or `leadscore sync`) has this tick in hand."""
        latest = self.store.latest_sync_run()
        if latest is not None and (latest.status == "running" or latest.started_at >= since):
            return _Skip("another leadscore process is syncing")
        return None  # a worker batch: it ends within seconds

    def _failed(
        self,
        trigger: Trigger,
        now: datetime,
        error: Exception,
        started: float,
        adapter: Adapter | None = None,
    ) -> RunOutcome:
        message = redacted(str(error)) or type(error).__name__
        latest = None
        with suppress(StateError):  # the store may be what failed
            latest = self.store.latest_sync_run()
        run_id = latest.id if latest is not None and latest.started_at >= now else None
        outcome = RunOutcome(
            run_id=run_id,
            trigger=trigger,
            status="failed",
            mode=None,
            started_at=now,
            duration_seconds=time.monotonic() - started,
            written=0,
            failed=0,
            api_calls=0 if adapter is None else adapter.api_calls,
            budget=api_budget(self.settings.crm.adapter, adapter),
            error=message,
        )
        return self._finished(outcome)

    def _finished(self, outcome: RunOutcome) -> RunOutcome:
        self.stats.record(outcome)
        level = logging.ERROR if outcome.status == "failed" else logging.INFO
        log.log(level, "run finished", extra=outcome.log_fields())
        return outcome
