"""The queue worker: rescoring the leads webhooks named, in batches, through the same pipeline.

Each batch: claim ready leads under a lease, forget the deleted ones, run the pipeline on the
others (under the run lock, waiting for a scheduled sync rather than overlapping it), then
finish the leads whose write went through and back off the others. A worker that dies mid
batch leaves its claim to lapse; the next claim reruns the batch, and the pipeline's task
keys and diffing make that rerun converge without a duplicate task.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from connector.config import CoreSettings
from connector.errors import LeadscoreError
from connector.logs import redacted
from connector.ports import Adapter
from connector.state import QueuedLead, StateStore
from connector.sync import Pipeline, RunReport, RunRequest
from connector.sync.pipeline import SCORE

log = logging.getLogger("leadscore.worker")

Clock = Callable[[], datetime]
AdapterFactory = Callable[[], Adapter]

#: Long enough for one batch against a rate-limited CRM; a dead worker's leads wait this long.
DEFAULT_LEASE = timedelta(minutes=15)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)
#: How often an idle worker waiting for its doorbell looks whether it was asked to stop.
STOP_CHECK_SECONDS = 0.1


def _wall_clock() -> datetime:
    return datetime.now(UTC)


def retry_delay(attempts: int) -> timedelta:
    """Exponential back-off after the `attempts`-th failure in a row: 30 s, 1 min, ... 1 h."""
    doublings = min(max(attempts - 1, 0), 16)  # 30 s << 7 is past the cap already
    return min(FIRST_RETRY * (1 << doublings), LONGEST_RETRY)


@dataclass(slots=True)
class WorkerReport:
    """What one batch did: leads claimed, rescored, forgotten and failed (with why).

    `outcome` is the rescoring run's ("ok", "partial": some leads failed, "failed": the whole
    run did), None when the batch had nothing to rescore; `seconds` and `api_calls` are its.
    """

    claimed: int = 0
    rescored: int = 0
    forgotten: int = 0
    failed: dict[str, str] = field(default_factory=dict)
    run: RunReport | None = None
    outcome: str | None = None
    seconds: float = 0.0
    api_calls: int = 0


class Worker:
    """Drains the rescoring queue of one state store, one batch at a time."""

    def __init__(
        self,
        settings: CoreSettings,
        store: StateStore,
        adapter_factory: AdapterFactory,
        *,
        clock: Clock = _wall_clock,
        claimant: str | None = None,
        lease: timedelta = DEFAULT_LEASE,
        on_batch: Callable[[WorkerReport], None] | None = None,
        doorbell: threading.Event | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.adapter_factory = adapter_factory
        self.clock = clock
        self.claimant = claimant or f"{socket.gethostname()}:{os.getpid()}"
        self.lease = lease
        self.on_batch = on_batch
        #: Set by a receiver in this process when it stored new events: no poll to wait out.
        self.doorbell = doorbell or threading.Event()

    def drain_once(self, now: datetime) -> WorkerReport:
        """Claim up to one batch of ready leads at `now`, rescore or forget them, settle them."""
        batch = self._claim(now)
        report = WorkerReport(claimed=len(batch))
        if not batch:
            return report
        forget = [lead.lead_id for lead in batch if lead.action == "forget"]
        rescore = [lead.lead_id for lead in batch if lead.action == "rescore"]
        if forget:
            with self.store.run_lock(wait=True):
                self.store.forget_leads(forget)
            report.forgotten = len(forget)
        if rescore:
            report.failed = self._rescore(rescore, now, report)
        self.store.finish_queued(
            [lead.lead_id for lead in batch if lead.lead_id not in report.failed]
        )
        self._back_off(batch, report.failed, now)
        report.rescored = len(rescore) - len(report.failed)
        if self.on_batch is not None:
            self.on_batch(report)
        return report

    def drain_unless_syncing(self, now: datetime) -> WorkerReport:
        """drain_once, unless a sync (of any process) holds the run lock: then claim nothing."""
        if self.store.is_running():
            return WorkerReport()
        return self.drain_once(now)

    def run(self, stop: threading.Event, poll_seconds: float) -> None:
        """Drain until `stop` is set, finishing the batch in hand; poll when the queue is idle.

        Nothing is claimed while a sync holds the run lock: waiting for it with leads in hand
        would let their lease run out (another worker would claim them too) and would score
        them as of a claim time older than what the sync is writing.
        """
        while not stop.is_set():
            try:
                busy = self.drain_unless_syncing(self.clock()).claimed > 0
            except LeadscoreError as error:
                # The state database or the CRM is down: keep the process, try again later.
                log.error("worker batch failed: %s", redacted(str(error)))
                busy = False
            if not busy:
                self.idle(stop, poll_seconds)

    def idle(self, stop: threading.Event, seconds: float) -> None:
        """Wait until the doorbell rings, `stop` is set, or `seconds` pass."""
        # A ring while a batch ran leaves the doorbell set: the next idle returns at once,
        # so no stored event waits out a poll. Clearing after a ring loses nothing: the
        # claim that follows sees every commit that rang before it.
        deadline = time.monotonic() + seconds
        while not stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            if self.doorbell.wait(min(left, STOP_CHECK_SECONDS)):
                self.doorbell.clear()
                return

    def _claim(self, now: datetime) -> list[QueuedLead]:
        delay = timedelta(seconds=self.settings.webhooks.coalesce_seconds)
        return self.store.claim_queued(
            self.settings.webhooks.batch_size,
            ready_before=now - delay,
            claimant=self.claimant,
            lease=self.lease,
            now=now,
        )

    def _rescore(
        self, lead_ids: Collection[str], now: datetime, report: WorkerReport
    ) -> dict[str, str]:
        """Run the pipeline on the leads; those whose result is not in the CRM, with why."""
        request = RunRequest(now, wait_for_lock=True, lead_ids=frozenset(lead_ids))
        adapter = self.adapter_factory()
        started, calls_before = time.perf_counter(), adapter.api_calls
        report.outcome = "failed"
        try:
            report.run = Pipeline(self.settings, adapter, self.store, self.clock).run(request)
        except LeadscoreError as error:
            # The whole batch failed (the CRM refused the login, a rate limit held): retry all.
            message = redacted(str(error)) or type(error).__name__
            return dict.fromkeys(lead_ids, message)
        finally:
            report.seconds = time.perf_counter() - started
            # This run's calls, a failed run's too (a client may count from before the run).
            report.api_calls = adapter.api_calls - calls_before
            adapter.close()
        # The pipeline keeps a score failure until the lead's result is written: what is
        # still pending was not (a refused write, or its follow-up task failed).
        pending = self.store.pending_failures(SCORE)
        failed = {lead: pending[lead].message for lead in lead_ids if lead in pending}
        report.outcome = "partial" if failed else "ok"
        return failed

    def _back_off(self, batch: list[QueuedLead], failed: dict[str, str], now: datetime) -> None:
        """Fail each lead with its own delay, longer the more often it failed in a row."""
        by_attempts: dict[int, dict[str, str]] = {}
        for lead in batch:
            if lead.lead_id in failed:
                by_attempts.setdefault(lead.attempts + 1, {})[lead.lead_id] = failed[lead.lead_id]
        for attempts, failures in by_attempts.items():
            self.store.fail_queued(failures, now=now, retry_at=now + retry_delay(attempts))
