"""The `leadscore` commands: parse -> settings -> build -> run -> present."""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress

from connector.cli.app import (
    EXIT_CHECK_FAILED,
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_RECORDS_FAILED,
    AsOfOption,
    ConfigOption,
    HostOption,
    JsonOption,
    LogFormatOption,
    PortOption,
    VerboseOption,
    app,
    exits_by_error,
    log_options,
    redacted_output,
    stderr,
    stdout,
)
from connector.cli.status import health, print_status, status_summary
from connector.cli.summary import explanation, run_summary
from connector.cli.tables import explain_table, items_table, problems_text, run_line, run_tables
from connector.compose import build_adapter, crm_webhook, load_settings, open_state
from connector.config import CoreSettings
from connector.errors import InputError
from connector.logs import LogFormat, hide_in_logs, secret_values
from connector.ports import Adapter, CheckItem, InputProblem, ProblemSink
from connector.scoring import Scorer, ScoreResult
from connector.sync import Pipeline, RunReport, RunRequest
from connector.sync.vocabulary import rules_check
from connector.timestamps import parse_as_of
from connector.worker import Worker, WorkerReport

log = logging.getLogger("leadscore.cli")

#: `status --healthy-within`: the last sync is missing, failed, or too old.
EXIT_UNHEALTHY = 1
#: How often an idle worker looks at the queue again.
WORKER_POLL_SECONDS = 1.0


def _settings(config: Path, verbose: bool, log_format: LogFormat | None) -> CoreSettings:
    """Apply the command's log options, load the config, and hide its secrets from output."""
    log_options(verbose, log_format)
    settings = load_settings(config)
    hide_in_logs(secret_values(settings))
    return settings


@contextmanager
def _adapter(settings: CoreSettings, on_problem: ProblemSink | None = None) -> Iterator[Adapter]:
    """The configured adapter, closed afterwards whatever happens."""
    adapter = build_adapter(settings, on_problem or (lambda problem: None))
    try:
        yield adapter
    finally:
        adapter.close()


def _interactive() -> bool:
    return sys.stdout.isatty()


@app.command()
@exits_by_error
def sync(
    config: ConfigOption,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the plan; write nothing.")
    ] = False,
    full: Annotated[
        bool, typer.Option("--full", help="Rescore every lead and re-verify what the CRM shows.")
    ] = False,
    rewrite: Annotated[
        bool,
        typer.Option("--rewrite", help="Rescore and write every lead, even where unchanged."),
    ] = False,
    allow_shrink: Annotated[
        bool,
        typer.Option(
            "--allow-shrink", help=r"Run even if the input shrank past \[safety] max_shrink."
        ),
    ] = False,
    as_of: AsOfOption = None,
    as_json: JsonOption = False,
    top: Annotated[
        int | None,
        typer.Option("--top", min=0, help="Show the N best leads (default: 10 on a terminal)."),
    ] = None,
    wait: Annotated[
        bool, typer.Option("--wait", help="Wait for another running sync instead of exiting.")
    ] = False,
    verbose: VerboseOption = False,
    log_format: LogFormatOption = None,
) -> None:
    """Score leads and write what changed (scores, bands, reasons, follow-up tasks)."""
    settings = _settings(config, verbose, log_format)
    now = parse_as_of(as_of, settings.zone)
    request = RunRequest(
        now,
        dry_run=dry_run,
        full=full,
        rewrite=rewrite,
        allow_shrink=allow_shrink,
        as_of_given=as_of is not None,
        wait_for_lock=wait,
    )
    problems: list[InputProblem] = []
    with (
        _adapter(settings, problems.append) as adapter,
        open_state(settings, dry_run=dry_run) as store,
    ):
        pipeline = Pipeline(settings, adapter, store, problems=problems)
        report = _run_with_progress(pipeline, request, show=not as_json)
    _print_run(report, as_json, top)
    if report.failures:
        raise typer.Exit(EXIT_RECORDS_FAILED)


def _run_with_progress(pipeline: Pipeline, request: RunRequest, *, show: bool) -> RunReport:
    if not (show and _interactive() and sys.stderr.isatty()):
        return pipeline.run(request)
    with Progress(console=stderr(), transient=True) as progress:
        task = progress.add_task("scoring", total=None)
        return pipeline.run(request, progress=lambda n: progress.advance(task, n))


def _print_run(report: RunReport, as_json: bool, top: int | None) -> None:
    # On a terminal the skipped rows are listed once below; elsewhere the log is the record.
    listed = not as_json and sys.stderr.isatty()
    _log_run(report, skipped_listed=listed)
    if as_json:
        print(json.dumps(run_summary(report), ensure_ascii=False))
        return
    if listed:
        err = stderr()
        for line in problems_text(report.problems):
            err.print(line, markup=False, highlight=False)
    if top is None and _interactive():
        run_tables(stdout(), report, top=10)
    elif top:
        # Asked for explicitly (as `make demo` does): print the tables even into a pipe.
        run_tables(Console(width=160, soft_wrap=True), report, top=top)
    print(run_line(report))


def _log_run(report: RunReport, *, skipped_listed: bool) -> None:
    level = logging.INFO if skipped_listed else logging.WARNING
    for problem in report.problems:
        where = {"source": problem.source, "location": problem.location}
        log.log(level, "skipped: %s", problem, extra=where)
    for failure in report.failures:
        log.warning("not written: %s: %s", failure.record_id, failure.message)
    log.info(
        "sync finished",
        extra={"mode": report.mode, "counts": report.counts(), "api_calls": report.api_calls},
    )


@app.command()
@exits_by_error
def explain(
    lead_id: Annotated[str, typer.Argument(help="The lead's id in the CRM.")],
    config: ConfigOption,
    as_of: AsOfOption = None,
    as_json: JsonOption = False,
    verbose: VerboseOption = False,
    log_format: LogFormatOption = None,
) -> None:
    """Show every rule that gave a lead points, and when its score next changes."""
    settings = _settings(config, verbose, log_format)
    with _adapter(settings) as adapter:
        result = _explain(settings, adapter, lead_id, as_of)
    if as_json:
        print(json.dumps(explanation(result), ensure_ascii=False))
        return
    console = stdout()
    console.print(explain_table(result, settings.zone))
    console.print(f"reasons: {result.reasons}", markup=False, highlight=False)
    if result.next_change_at is not None:
        local = result.next_change_at.astimezone(settings.zone).isoformat(timespec="minutes")
        console.print(f"next change: {local}", markup=False, highlight=False)


def _explain(
    settings: CoreSettings, adapter: Adapter, lead_id: str, as_of: str | None
) -> ScoreResult:
    leads = list(adapter.read_leads([lead_id]))
    if not leads:
        raise InputError(f"lead {lead_id!r} not found in the {settings.crm.adapter} CRM")
    now = parse_as_of(as_of, settings.zone)
    since = settings.scoring.window_start(now, settings.zone)
    activities = list(adapter.read_activities([lead_id], since))
    return Scorer(settings.scoring, settings.zone).score(leads[0], activities, now)


@app.command()
@exits_by_error
def status(
    config: ConfigOption,
    healthy_within: Annotated[
        str | None,
        typer.Option(
            "--healthy-within",
            help="Exit 1 unless the last sync finished ok within this long (90s, 30m, 2h).",
        ),
    ] = None,
    as_json: JsonOption = False,
    verbose: VerboseOption = False,
    log_format: LogFormatOption = None,
) -> None:
    """Show recent runs, leads awaiting a retry, the next score changes and the rule-set hash."""
    settings = _settings(config, verbose, log_format)
    within = None if healthy_within is None else _duration("--healthy-within", healthy_within)
    with open_state(settings, dry_run=True) as store:
        summary = status_summary(store, settings.scoring.content_hash(), settings.zone)
        if within is not None:
            summary["health"] = health(store, within, datetime.now(UTC), settings.zone)
    verdict = summary.get("health")
    if as_json:
        print(json.dumps(summary, ensure_ascii=False))
    elif verdict is not None:
        word = "healthy" if verdict["healthy"] else "unhealthy"
        print(f"{word}: {verdict['reason']}")
    else:
        print_status(Console(soft_wrap=True), summary)
    if verdict is not None and not verdict["healthy"]:
        raise typer.Exit(EXIT_UNHEALTHY)


def _duration(option: str, text: str) -> timedelta:
    from connector.run.schedule import parse_duration

    try:
        return parse_duration(text)
    except ValueError as error:
        raise InputError(f"{option}: {error}") from None


@app.command("worker")
@exits_by_error
def worker_command(
    config: ConfigOption,
    once: Annotated[
        bool, typer.Option("--once", help="Rescore what is queued and ready now, then exit.")
    ] = False,
    as_json: JsonOption = False,
    verbose: VerboseOption = False,
    log_format: LogFormatOption = None,
) -> None:
    """Rescore the leads webhooks queued, until SIGTERM or Ctrl-C (or once with --once)."""
    settings = _settings(config, verbose, log_format)
    with open_state(settings) as store:
        worker = Worker(settings, store, lambda: build_adapter(settings, _log_problem))
        if not once:
            _work_until_stopped(worker)
            return
        totals = _drain_ready(worker)
        depth = store.queue_depth()
    _print_drained(totals, depth, as_json)
    if totals.failed:
        raise typer.Exit(EXIT_RECORDS_FAILED)


def _log_problem(problem: InputProblem) -> None:
    log.warning("skipped: %s", problem, extra={"source": problem.source})


def _drain_ready(worker: Worker) -> WorkerReport:
    """Batches until none is ready; failed leads back off, so each is tried once."""
    totals = WorkerReport()
    while (batch := worker.drain_once(datetime.now(UTC))).claimed:
        totals.claimed += batch.claimed
        totals.rescored += batch.rescored
        totals.forgotten += batch.forgotten
        totals.failed.update(batch.failed)
    return totals


def _work_until_stopped(worker: Worker) -> None:
    """Run the worker until SIGTERM or SIGINT; the batch in hand is finished first."""
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        # Only set the event: logging here could deadlock on a lock the main thread holds.
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    log.info("worker started", extra={"claimant": worker.claimant})
    try:
        worker.run(stop, WORKER_POLL_SECONDS)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    log.info("worker stopped")


def _print_drained(totals: WorkerReport, depth: int, as_json: bool) -> None:
    for lead_id, message in totals.failed.items():
        log.warning("not written: %s: %s", lead_id, message)
    if as_json:
        failed = [{"lead_id": lead, "message": message} for lead, message in totals.failed.items()]
        summary = {"command": "worker", "ok": not failed, "claimed": totals.claimed}
        summary |= {"rescored": totals.rescored, "forgotten": totals.forgotten}
        print(json.dumps(summary | {"failed": failed, "queue_depth": depth}, ensure_ascii=False))
        return
    print(
        f"worker: rescored {totals.rescored}, forgot {totals.forgotten}, "
        f"failed {len(totals.failed)}; {depth} lead(s) still queued"
    )


@app.command("check")
@exits_by_error
def check_command(
    config: ConfigOption,
    as_json: JsonOption = False,
    verbose: VerboseOption = False,
    log_format: LogFormatOption = None,
) -> None:
    """Check that the CRM is ready: login, mapped fields, task creation, API budget."""
    settings = _settings(config, verbose, log_format)
    with _adapter(settings) as adapter:
        items = [*adapter.check(), rules_check(settings.scoring, adapter.vocabulary())]
    _print_items("check", items, as_json)


@app.command("setup")
@exits_by_error
def setup_command(
    config: ConfigOption,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be created.")] = (
        False
    ),
    as_json: JsonOption = False,
    verbose: VerboseOption = False,
    log_format: LogFormatOption = None,
) -> None:
    """Create the result fields (and the access to them) that the mapping needs."""
    settings = _settings(config, verbose, log_format)
    with _adapter(settings) as adapter:
        items = adapter.setup(dry_run=dry_run)
    _print_items("setup", items, as_json)


@app.command()
@exits_by_error
def serve(
    config: ConfigOption,
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    verbose: VerboseOption = False,
    log_format: LogFormatOption = None,
) -> None:
    """Receive signed webhooks, queue their leads, and rescore them (until SIGINT/SIGTERM)."""
    settings = _settings(config, verbose, log_format)
    # Starlette and uvicorn only for this command: every other one starts without them.
    from prometheus_client import CollectorRegistry

    from connector.webhooks import create_app, signing_key, store_ready, store_sink
    from connector.webhooks.crm import CrmEndpoint
    from connector.webhooks.metrics import QueueCollector, WorkerMetrics
    from connector.webhooks.server import freeze_startup_objects
    from connector.webhooks.server import serve as run_server

    signing_key(settings)  # a missing secret is refused before the state store is touched
    hook = crm_webhook(settings)
    crm = None if hook is None else CrmEndpoint(hook.name, hook.section, hook.support)
    with open_state(settings) as store:
        # One registry for /metrics: the receiver's counters, the queue, the worker's runs.
        registry = CollectorRegistry()
        observed = WorkerMetrics(registry).observe
        worker = Worker(
            settings, store, lambda: build_adapter(settings, _log_problem), on_batch=observed
        )
        receiver = create_app(
            settings, store_sink(store, on_stored=worker.doorbell.set), store_ready(store),
            crm=crm, registry=registry, extra_collectors=[QueueCollector(store)],
        )  # fmt: skip
        with _worker_beside(worker):
            log.info("serving webhooks", extra={"host": host, "port": port})
            freeze_startup_objects()
            run_server(receiver, host, port)


@contextmanager
def _worker_beside(worker: Worker) -> Iterator[None]:
    """The queue worker in a thread of its own while the block runs; its batch is finished."""
    stop = threading.Event()
    thread = threading.Thread(
        target=worker.run, args=(stop, WORKER_POLL_SECONDS), name="leadscore-worker", daemon=True
    )
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


@app.command("run")
@exits_by_error
def run_command(
    config: ConfigOption,
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Do not receive webhooks (nor serve /metrics).")
    ] = False,
    no_worker: Annotated[
        bool, typer.Option("--no-worker", help="Leave the rescoring queue to other processes.")
    ] = False,
    verbose: VerboseOption = False,
    log_format: LogFormatOption = None,
) -> None:
    r"""Sync on \[schedule], receive webhooks and drain their queue, until SIGTERM or Ctrl-C."""
    settings = _settings(config, verbose, log_format)
    # Starlette, uvicorn and the scheduler only for this command.
    from connector.run.process import RunOptions, chosen_roles, run_process

    roles = chosen_roles(settings, serve=not no_serve, worker=not no_worker)
    code = run_process(settings, RunOptions(host, port, roles))
    if code:
        raise typer.Exit(code)


def _print_items(command: str, items: list[CheckItem], as_json: bool) -> None:
    failed = [item for item in items if not item.ok]
    if as_json:
        rows = [{"subject": i.subject, "ok": i.ok, "detail": i.detail} for i in items]
        print(json.dumps({"command": command, "ok": not failed, "items": rows}, ensure_ascii=False))
    else:
        stdout().print(items_table(command, items))
    if failed:
        raise typer.Exit(EXIT_CHECK_FAILED)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI in-process and return its exit code (what `leadscore` exits with)."""
    with redacted_output():
        try:
            app(args=list(argv) if argv is not None else None, prog_name="leadscore")
        except SystemExit as exit_:
            return exit_.code if isinstance(exit_.code, int) else EXIT_OK
        except Exception as error:  # a bug, not a user error: say so, briefly
            stderr().print(f"internal error: {type(error).__name__}: {error}", markup=False)
            return EXIT_INTERNAL
    return EXIT_OK


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
