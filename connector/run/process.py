"""`leadscore run`: the scheduled sync, the webhook receiver and the queue worker in one process.

Each role runs in a thread of its own; the main thread only waits for a signal. The first
SIGTERM or SIGINT stops new work: the receiver closes (in-flight requests are answered), the
worker finishes its batch and the scheduler its run, all within `[run] stop_timeout_seconds`;
then the store is closed and the process exits 0. A second signal exits at once with
128 + the signal's number. The pipeline converges after any stop, so neither loses work.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType

import uvicorn
from prometheus_client import CollectorRegistry
from starlette.applications import Starlette

from connector.compose import build_adapter, crm_webhook, open_state
from connector.config import CoreSettings, Role
from connector.errors import ConfigError, InputError, LeadscoreError
from connector.logs import redacted
from connector.ports import InputProblem
from connector.run.metrics import RunCollector
from connector.run.scheduled import ScheduledSync, cadences
from connector.run.stats import RunStats
from connector.state import StateStore
from connector.webhooks import create_app, store_ready, store_sink
from connector.webhooks.app import SECRET_VARIABLE
from connector.webhooks.crm import CrmEndpoint
from connector.webhooks.metrics import QueueCollector, WorkerMetrics
from connector.webhooks.server import freeze_startup_objects, server_config
from connector.worker import Worker

log = logging.getLogger("leadscore.run")

#: The run in hand outlasted [run] stop_timeout_seconds, or a role stopped by itself.
EXIT_UNCLEAN = 1
#: How often an idle worker looks at the queue again (as in `leadscore serve`).
WORKER_POLL_SECONDS = 1.0
_SUPERVISE_SECONDS = 0.2


@dataclass(frozen=True, slots=True)
class RunOptions:
    """Where to listen and which roles this process takes."""

    host: str
    port: int
    roles: frozenset[Role]


def chosen_roles(settings: CoreSettings, *, serve: bool, worker: bool) -> frozenset[Role]:
    """`[run] roles` less those switched off on the command line (the flags win)."""
    roles = set(settings.run.roles)
    if not serve:
        roles.discard("serve")
    if not worker:
        roles.discard("worker")
    if not roles:
        raise ConfigError(
            "leadscore run has nothing to do: [run] roles and --no-serve/--no-worker "
            'leave no role; use roles = ["schedule", "serve", "worker"] or a part of it'
        )
    return frozenset(roles)


def check_ready(settings: CoreSettings, roles: frozenset[Role]) -> None:
    """Refuse, before anything starts, a role whose settings are missing."""
    if "schedule" in roles and cadences(settings)[0] is None:
        raise ConfigError(
            'leadscore run needs a schedule: set [schedule] cron = "*/15 * * * *" or '
            'every = "15m" (or leave "schedule" out of [run] roles)'
        )
    if "serve" in roles:
        secret = settings.webhooks.secret
        if secret is None or not secret.get_secret_value():
            raise ConfigError(
                f"leadscore run serves webhooks and needs their secret: set {SECRET_VARIABLE} "
                '(or pass --no-serve, or leave "serve" out of [run] roles)'
            )


class _Signals:
    """First signal: ask every role to stop. Second: leave at once."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.received: int | None = None

    def handle(self, signum: int, frame: FrameType | None) -> None:
        # No logging here: the handler may interrupt a thread holding the log's lock.
        if self.stop.is_set():
            os.write(2, b"leadscore run: second signal, exiting at once\n")
            os._exit(128 + signum)
        self.received = signum
        self.stop.set()

    @contextmanager
    def installed(self) -> Iterator[None]:
        """SIGTERM and SIGINT handled by this object for the block."""
        sigs = (signal.SIGTERM, signal.SIGINT)
        previous = {sig: signal.signal(sig, self.handle) for sig in sigs}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def _log_problem(problem: InputProblem) -> None:
    log.warning("skipped: %s", problem, extra={"source": problem.source})


def run_process(settings: CoreSettings, options: RunOptions) -> int:
    """Run the roles until a signal; the exit code (0 after a clean stop)."""
    check_ready(settings, options.roles)
    signals = _Signals()
    with signals.installed(), open_state(settings) as store:
        roles = _Roles(settings, store, signals.stop)
        if "serve" in options.roles:
            roles.serve(options.host, options.port)
        if "worker" in options.roles:
            roles.work()
        if "schedule" in options.roles:
            roles.schedule()
        extra = {"roles": sorted(options.roles), "host": options.host, "port": options.port}
        log.info("leadscore run started", extra=extra)
        freeze_startup_objects()
        clean = roles.supervise()
        log.info("leadscore run stopping", extra={"signal": signals.received})
        if not roles.stop(settings.run.stop_timeout_seconds):
            _abandon(roles.alive(), settings.run.stop_timeout_seconds)
    log.info("leadscore run stopped")
    return 0 if clean else EXIT_UNCLEAN


def _abandon(alive: list[str], timeout: float) -> None:
    """The run in hand outlasted the stop timeout: leave; the OS releases the locks."""
    log.error(
        "leadscore run did not stop within [run] stop_timeout_seconds; exiting with the work "
        "in hand unfinished (the next run converges)",
        extra={"still_running": alive, "stop_timeout_seconds": timeout},
    )
    for handler in logging.getLogger("leadscore").handlers:
        handler.flush()
    sys.stderr.flush()
    os._exit(EXIT_UNCLEAN)


class _Roles:
    """The role threads of one process, sharing a stop event, a store and a gate."""

    def __init__(self, settings: CoreSettings, store: StateStore, stop: threading.Event) -> None:
        self.settings = settings
        self.store = store
        self.stop_event = stop
        self.stats = RunStats()
        #: The worker's batch and the scheduler's run never overlap inside one process.
        self.gate = threading.Lock()
        self.threads: list[threading.Thread] = []
        self._server: _ServerHandle | None = None
        #: One /metrics for every role: the receiver's counters, the queue, the worker, the runs.
        self.registry = CollectorRegistry()
        self.worker_metrics = WorkerMetrics(self.registry)
        #: The receiver rings it when it stored new events; the worker then claims at once.
        self.doorbell = threading.Event()

    def _start(self, name: str, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=_guarded(name, target), name=name, daemon=True)
        self.threads.append(thread)
        thread.start()

    def serve(self, host: str, port: int) -> None:
        """The receiver, /healthz, /readyz and /metrics (with the runs' metrics)."""
        hook = crm_webhook(self.settings)
        crm = None if hook is None else CrmEndpoint(hook.name, hook.section, hook.support)
        app = create_app(
            self.settings,
            store_sink(self.store, on_stored=self.doorbell.set),
            store_ready(self.store),
            crm=crm,
            registry=self.registry,
            extra_collectors=[QueueCollector(self.store), RunCollector(self.store, self.stats)],
        )
        self._server = _ServerHandle.bound(app, host, port)
        self._start("leadscore-serve", self._server.run)

    def work(self) -> None:
        """The queue worker, draining in batches."""
        worker = Worker(
            self.settings,
            self.store,
            lambda: build_adapter(self.settings, _log_problem),
            on_batch=self.worker_metrics.observe,
            doorbell=self.doorbell,
        )
        self._start("leadscore-worker", lambda: _drain(worker, self.gate, self.stop_event))

    def schedule(self) -> None:
        """The scheduled sync."""
        regular, full = cadences(self.settings)
        if regular is None:  # check_ready refused this already
            raise ConfigError("no [schedule] cron or every")
        scheduled = ScheduledSync(
            self.settings,
            self.store,
            lambda sink: build_adapter(self.settings, sink),
            regular,
            full_cadence=full,
            gate=self.gate,
            stats=self.stats,
        )
        self._start("leadscore-schedule", lambda: scheduled.run(self.stop_event))

    def supervise(self) -> bool:
        """Wait for the stop signal; False when a role ended by itself first (a fault)."""
        while not self.stop_event.wait(_SUPERVISE_SECONDS):
            ended = [thread.name for thread in self.threads if not thread.is_alive()]
            if ended:
                log.error("a role stopped by itself; stopping", extra={"roles": ended})
                self.stop_event.set()
                return False
        return True

    def stop(self, timeout: float) -> bool:
        """Stop every role; whether all ended within `timeout` seconds."""
        self.stop_event.set()
        if self._server is not None:
            self._server.stop()
        deadline = time.monotonic() + timeout
        for thread in self.threads:
            thread.join(max(deadline - time.monotonic(), 0))
        return not self.alive()

    def alive(self) -> list[str]:
        """The roles still running."""
        return [thread.name for thread in self.threads if thread.is_alive()]


def _guarded(name: str, target: Callable[[], None]) -> Callable[[], None]:
    """`target`, with an escaping exception logged (redacted) instead of lost."""

    def guarded() -> None:
        try:
            target()
        except Exception as error:
            log.error("%s failed: %s", name, redacted(f"{type(error).__name__}: {error}"))

    return guarded


def _drain(worker: Worker, gate: threading.Lock, stop: threading.Event) -> None:
    """Batches until `stop`; the batch in hand is finished, none is begun after the signal."""
    while not stop.is_set():
        busy = False
        with gate:
            if stop.is_set():
                return
            try:
                # Leads claimed while another replica's sync holds the lock would wait for it
                # with this process's gate held (no tick of ours could even skip).
                batch = worker.drain_unless_syncing(worker.clock())
                busy = batch.claimed > 0
                if busy:
                    extra = {"claimant": worker.claimant, "claimed": batch.claimed}
                    log.info("worker batch", extra=extra | {"rescored": batch.rescored})
            except LeadscoreError as error:
                # The state database or the CRM is down: keep the process, try again later.
                log.error("worker batch failed: %s", redacted(str(error)))
        if not busy:
            worker.idle(stop, WORKER_POLL_SECONDS)


class _ServerHandle:
    """uvicorn in a thread, on a socket bound up front (a busy port fails before anything runs)."""

    def __init__(self, server: uvicorn.Server, sock: socket.socket) -> None:
        self.server = server
        self.sock = sock

    @classmethod
    def bound(cls, app: Starlette, host: str, port: int) -> _ServerHandle:
        """The server for `app` on a socket bound to host:port; InputError when it cannot be."""
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        try:
            sock = socket.create_server((host, port), family=family)
        except OSError as error:
            raise InputError(f"cannot listen on {host}:{port}: {error.strerror}") from None
        return cls(uvicorn.Server(server_config(app, host, port)), sock)

    def run(self) -> None:
        """Serve until stopped (uvicorn leaves signals alone outside the main thread)."""
        try:
            self.server.run(sockets=[self.sock])
        finally:
            self.sock.close()

    def stop(self) -> None:
        """Ask uvicorn to finish its in-flight requests and return."""
        self.server.should_exit = True
