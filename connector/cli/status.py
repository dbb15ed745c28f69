"""`leadscore status`: what the state store knows, for an admin checking on the connector."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from connector.cli.tables import add_plain_row
from connector.state import RunRecord, StateStore
from connector.sync.pipeline import LEADS_CURSOR, SCORE, TASK

_SHOWN = 10


def status_summary(store: StateStore, ruleset_hash: str, zone: tzinfo) -> dict[str, Any]:
    """Rule-set hash, cursor, runs, retries, unfinished tasks, the queue, next expiries."""
    stored_hash = store.ruleset_hash()
    running = store.is_running()
    failures = {kind: store.pending_failures(kind) for kind in (SCORE, TASK)}
    return {
        "command": "status",
        "state": store.url.render_as_string(hide_password=True),
        "ruleset_hash": ruleset_hash,
        "stored_ruleset_hash": stored_hash,
        "full_rescore_pending": stored_hash != ruleset_hash,
        "cursor": _local(store.cursor(LEADS_CURSOR), zone),
        "runs": [_run(run, zone, running) for run in store.recent_runs(_SHOWN)],
        "pending_retries": {
            kind: [
                {"record_id": f.record_id, "attempts": f.attempts, "message": f.message}
                for f in pending.values()
            ]
            for kind, pending in failures.items()
        },
        "unfinished_tasks": [
            {
                "key": task.key,
                "lead_id": task.lead_id,
                "reserved_at": _local(task.reserved_at, zone),
            }
            for task in store.reserved_tasks()
        ],
        "refused_tasks": [
            {
                "key": task.key,
                "lead_id": task.lead_id,
                "reserved_at": _local(task.reserved_at, zone),
            }
            for task in store.refused_tasks(_SHOWN)
        ],
        "queue": {
            "depth": store.queue_depth(),
            "oldest_queued_at": _local(store.oldest_queued_at(), zone),
        },
        "next_expiries": [
            {
                "lead_id": row.lead_id,
                "score": row.score,
                "priority": row.priority,
                "next_change_at": _local(row.next_change_at, zone),
            }
            for row in store.next_expiries(_SHOWN)
        ],
    }


def _local(value: datetime | None, zone: tzinfo) -> str | None:
    return value.astimezone(zone).isoformat(timespec="seconds") if value is not None else None


def _run(run: RunRecord, zone: tzinfo, sync_running: bool) -> dict[str, Any]:
    # A run marked running while no sync holds the lock was killed before it could say so.
    status = "interrupted" if run.status == "running" and not sync_running else run.status
    return {
        "id": run.id,
        "started_at": _local(run.started_at, zone),
        "finished_at": _local(run.finished_at, zone),
        "as_of": _local(run.as_of, zone),
        "mode": run.mode,
        "status": status,
        "error": run.error,
        "counts": dict(run.counts),
        "api_calls": run.api_calls,
        "errors": run.errors,
    }


def print_status(console: Console, summary: dict[str, Any]) -> None:
    """The status as a few tables for a terminal."""
    pending_rescore = " (changed: the next sync rescoring everything)"
    rules = summary["ruleset_hash"] + (pending_rescore if summary["full_rescore_pending"] else "")
    console.print(f"state: {summary['state']}", markup=False, highlight=False)
    console.print(f"rule set: {rules}", markup=False, highlight=False)
    console.print(f"cursor: {summary['cursor'] or '(no run yet)'}", markup=False, highlight=False)
    console.print(_queue_line(summary["queue"]), markup=False, highlight=False)
    console.print(_runs_table(summary["runs"]))
    for run in summary["runs"]:
        if run["error"]:
            console.print(f"run {run['id']} failed: {run['error']}", markup=False, highlight=False)
    for kind, rows in summary["pending_retries"].items():
        if rows:
            console.print(_rows_table(f"Pending retries ({kind})", rows[:_SHOWN]))
    if summary["unfinished_tasks"]:
        console.print(_rows_table("Unfinished follow-up tasks", summary["unfinished_tasks"]))
    if summary["refused_tasks"]:
        title = "Follow-up tasks refused for their owner (not retried)"
        console.print(_rows_table(title, summary["refused_tasks"]))
    if summary["next_expiries"]:
        console.print(_rows_table("Next score changes", summary["next_expiries"]))


def _queue_line(queue: dict[str, Any]) -> str:
    """The rescoring queue in one line: how many leads wait, since when."""
    if not queue["depth"]:
        return "queue: empty"
    oldest = _short(queue["oldest_queued_at"])
    return f"queue: {queue['depth']} lead(s) waiting for a rescore, oldest event {oldest}"


def _runs_table(runs: list[dict[str, Any]]) -> Table:
    table = Table(title="Runs", box=box.SIMPLE_HEAD, pad_edge=False)
    for column in ("id", "started", "as of", "mode", "status", "wrote", "failed", "calls"):
        # Times on one line: at 80 columns a wrapped date reads as two rows.
        table.add_column(column, no_wrap=column in ("started", "as of"), min_width=len(column))
    for run in runs:
        counts = run["counts"]
        add_plain_row(
            table,
            str(run["id"]),
            _short(run["started_at"])[5:],  # recent: the year goes without saying
            _short(run["as_of"]),
            run["mode"],
            run["status"],
            str(counts.get("written", "")),
            str(counts.get("failed", "")),
            str(run["api_calls"]),
        )
    return table


def _short(moment: str | None) -> str:
    """An ISO local time as `2026-11-20 18:00`: the runs table must fit a narrow terminal."""
    return "" if moment is None else moment[:16].replace("T", " ")


def _rows_table(title: str, rows: list[dict[str, Any]]) -> Table:
    table = Table(*rows[0].keys(), title=title)
    for row in rows:
        add_plain_row(table, *(str(value) for value in row.values()))
    return table


def health(store: StateStore, within: timedelta, now: datetime, zone: tzinfo) -> dict[str, Any]:
    """Whether the last scheduled or manual sync finished ok (or partial) within `within`."""
    run = store.latest_sync_run(finished=True)
    verdict: dict[str, Any] = {"within_seconds": within.total_seconds(), "last_run": None}
    if run is None or run.finished_at is None:
        return verdict | {"healthy": False, "reason": "no run has finished yet"}
    age = now - run.finished_at
    verdict["last_run"] = {
        "id": run.id,
        "status": run.status,
        "finished_at": _local(run.finished_at, zone),
        "age_seconds": round(age.total_seconds()),
    }
    when = f"run {run.id} finished {age_text(age)} ago"
    if run.status not in ("ok", "partial"):
        reason = f"the last run failed: {when}: {run.error or run.status}"
        return verdict | {"healthy": False, "reason": reason}
    if age > within:
        reason = f"the last run is too old: {when}, more than {age_text(within)}"
        return verdict | {"healthy": False, "reason": reason}
    refused = " (some records refused)" if run.status == "partial" else ""
    return verdict | {"healthy": True, "reason": f"{when}, {run.status}{refused}"}


def age_text(span: timedelta) -> str:
    """`3h 5m`, `12m 30s`, `45s`: a span as a person reads it."""
    seconds = max(int(span.total_seconds()), 0)
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    units = [(days, "d"), (hours, "h"), (minutes, "m"), (seconds, "s")]
    first = next((index for index, (n, _) in enumerate(units) if n), len(units) - 1)
    # The largest unit and the next one when it is not zero: "5h", "3h 5m", never "5h 2s".
    shown = [units[first], *[unit for unit in units[first + 1 : first + 2] if unit[0]]]
    return " ".join(f"{n}{unit}" for n, unit in shown)
