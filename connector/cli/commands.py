"""The `leadscore` command: parse -> settings -> build -> run, and one table of exit codes."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Sequence
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress

from connector.cli.status import print_status, status_summary
from connector.cli.summary import explanation, run_summary
from connector.cli.tables import explain_table, items_table, problems_text, run_line, run_tables
from connector.compose import build_adapter, load_settings, open_state
from connector.config import CoreSettings
from connector.errors import (
    ConfigError,
    CrmError,
    InputError,
    LeadscoreError,
    StateError,
)
from connector.logs import configure_logging, hide_in_logs, secret_values
from connector.ports import Adapter, CheckItem, InputProblem
from connector.scoring import Scorer, ScoreResult
from connector.sync import Pipeline, RunReport, RunRequest
from connector.timestamps import parse_as_of

#: Exit codes by error group; anything else leadscore raises on purpose exits 3.
EXIT_CODES: dict[type[LeadscoreError], int] = {
    ConfigError: 2,
    InputError: 2,
    StateError: 2,
    CrmError: 3,
}
EXIT_OK, EXIT_RECORDS_FAILED, EXIT_INTERNAL = 0, 1, 70
#: `check` or `setup` found something to fix.
EXIT_CHECK_FAILED = 1

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Objective, explained lead scores and follow-up tasks, written into your CRM.",
)

ConfigOption = Annotated[Path, typer.Option("--config", "-c", help="Path to the TOML config.")]
AsOfOption = Annotated[
    str | None,
    typer.Option("--as-of", help="Score as if now were this instant (ISO 8601)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]

F = TypeVar("F", bound=Callable[..., None])
log = logging.getLogger("leadscore.cli")


@app.callback()
def _options(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log more (every CRM call, for one).")
    ] = False,
) -> None:
    """Objective, explained lead scores and follow-up tasks, written into your CRM."""
    configure_logging(verbose=verbose)


def _settings(config: Path) -> CoreSettings:
    """Load the config and make sure none of its secrets can reach a log line."""
    settings = load_settings(config)
    hide_in_logs(secret_values(settings))
    return settings


def _exits_by_error(command: F) -> F:
    """Turn leadscore's errors into a message on stderr and the exit code of their group."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            command(*args, **kwargs)
        except LeadscoreError as error:
            # The message quotes user input (keys, values, file names): never read it as markup.
            _stderr().print(f"[bold red]error:[/] {escape(str(error))}", highlight=False)
            raise typer.Exit(_exit_code(error)) from None

    return wrapper  # type: ignore[return-value]


def _exit_code(error: LeadscoreError) -> int:
    for group, code in EXIT_CODES.items():
        if isinstance(error, group):
            return code
    return 3


def _stderr() -> Console:
    return Console(stderr=True, soft_wrap=True)


def _stdout() -> Console:
    return Console(soft_wrap=True)


def _interactive() -> bool:
    return sys.stdout.isatty()


@app.command()
@_exits_by_error
def sync(
    config: ConfigOption,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the plan; write nothing.")
    ] = False,
    full: Annotated[bool, typer.Option("--full", help="Rescore every lead.")] = False,
    as_of: AsOfOption = None,
    as_json: JsonOption = False,
    top: Annotated[
        int | None,
        typer.Option("--top", help="Show the N best leads (default: 10 on a terminal)."),
    ] = None,
    wait: Annotated[
        bool, typer.Option("--wait", help="Wait for another running sync instead of exiting.")
    ] = False,
) -> None:
    """Score leads and write what changed (scores, bands, reasons, follow-up tasks)."""
    settings = _settings(config)
    now = parse_as_of(as_of, settings.zone)
    request = RunRequest(now, dry_run=dry_run, full=full, wait_for_lock=wait)
    problems: list[InputProblem] = []
    adapter = build_adapter(settings, problems.append)
    try:
        with open_state(settings, dry_run=dry_run) as store:
            pipeline = Pipeline(settings, adapter, store, problems=problems)
            report = _run_with_progress(pipeline, request, show=not as_json)
    finally:
        adapter.close()
    _print_run(report, as_json, top)
    if report.failures:
        raise typer.Exit(EXIT_RECORDS_FAILED)


def _run_with_progress(pipeline: Pipeline, request: RunRequest, *, show: bool) -> RunReport:
    if not (show and _interactive() and sys.stderr.isatty()):
        return pipeline.run(request)
    with Progress(console=_stderr(), transient=True) as progress:
        task = progress.add_task("scoring", total=None)
        return pipeline.run(request, progress=lambda n: progress.advance(task, n))


def _print_run(report: RunReport, as_json: bool, top: int | None) -> None:
    if as_json:
        print(json.dumps(run_summary(report), ensure_ascii=False))
        return
    _log_run(report)
    if sys.stderr.isatty():
        err = _stderr()
        for line in problems_text(report.problems):
            err.print(line, markup=False, highlight=False)
    if top is None and _interactive():
        run_tables(_stdout(), report, top=10)
    elif top:
        # Asked for explicitly (as `make demo` does): print the tables even into a pipe.
        run_tables(Console(width=160, soft_wrap=True), report, top=top)
    print(run_line(report))


def _log_run(report: RunReport) -> None:
    for problem in report.problems:
        log.warning(
            "skipped: %s", problem, extra={"source": problem.source, "location": problem.location}
        )
    for failure in report.failures:
        log.warning("not written: %s: %s", failure.record_id, failure.message)
    log.info(
        "sync finished",
        extra={"mode": report.mode, "counts": report.counts(), "api_calls": report.api_calls},
    )


@app.command()
@_exits_by_error
def explain(
    lead_id: Annotated[str, typer.Argument(help="The lead's id in the CRM.")],
    config: ConfigOption,
    as_of: AsOfOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show every rule that gave a lead points, and when its score next changes."""
    settings = _settings(config)
    adapter = build_adapter(settings, lambda problem: None)
    try:
        result = _explain(settings, adapter, lead_id, as_of)
    finally:
        adapter.close()
    if as_json:
        print(json.dumps(explanation(result), ensure_ascii=False))
        return
    console = _stdout()
    console.print(explain_table(result))
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
    activities = list(adapter.read_activities([lead_id], settings.scoring.window_start(now)))
    return Scorer(settings.scoring).score(leads[0], activities, now)


@app.command()
@_exits_by_error
def status(config: ConfigOption, as_json: JsonOption = False) -> None:
    """Show recent runs, leads awaiting a retry, the next score changes and the rule-set hash."""
    settings = _settings(config)
    with open_state(settings, dry_run=True) as store:
        summary = status_summary(store, Scorer(settings.scoring).ruleset_hash, settings.zone)
    if as_json:
        print(json.dumps(summary, ensure_ascii=False))
    else:
        print_status(Console(soft_wrap=True), summary)


@app.command("check")
@_exits_by_error
def check_command(config: ConfigOption, as_json: JsonOption = False) -> None:
    """Check that the CRM is ready: login, mapped fields, task creation, API budget."""
    settings = _settings(config)
    adapter = build_adapter(settings, lambda problem: None)
    try:
        items = adapter.check()
    finally:
        adapter.close()
    _print_items("check", items, as_json)


@app.command("setup")
@_exits_by_error
def setup_command(
    config: ConfigOption,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be created.")] = (
        False
    ),
    as_json: JsonOption = False,
) -> None:
    """Create the result fields (and the access to them) that the mapping needs."""
    settings = _settings(config)
    adapter = build_adapter(settings, lambda problem: None)
    try:
        items = adapter.setup(dry_run=dry_run)
    finally:
        adapter.close()
    _print_items("setup", items, as_json)


def _print_items(command: str, items: list[CheckItem], as_json: bool) -> None:
    failed = [item for item in items if not item.ok]
    if as_json:
        rows = [{"subject": i.subject, "ok": i.ok, "detail": i.detail} for i in items]
        print(json.dumps({"command": command, "ok": not failed, "items": rows}, ensure_ascii=False))
    else:
        _stdout().print(items_table(command, items))
    if failed:
        raise typer.Exit(EXIT_CHECK_FAILED)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI in-process and return its exit code (what `leadscore` exits with)."""
    try:
        app(args=list(argv) if argv is not None else None, prog_name="leadscore")
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else EXIT_OK
    except Exception as error:  # a bug, not a user error: say so, briefly
        _stderr().print(f"internal error: {type(error).__name__}: {error}", markup=False)
        return EXIT_INTERNAL
    return EXIT_OK


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
