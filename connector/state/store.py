"""StateStore: what leadscore wrote, where each source's cursor is, tasks, failures and runs."""

from __future__ import annotations

import json
import threading
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import fields
from datetime import datetime, timedelta
from functools import cached_property
from types import TracebackType
from typing import Any

from sqlalchemy import (
    ARRAY,
    Column,
    ColumnElement,
    Connection,
    Engine,
    Executable,
    String,
    Table,
    Update,
    any_,
    bindparam,
    func,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL
from sqlalchemy.exc import DatabaseError

from connector.errors import StateError
from connector.state import database, lock, queue
from connector.state.records import (
    RUN_MODES,
    FailureRecord,
    QueuedEvent,
    QueuedLead,
    RunRecord,
    TaskRecord,
    WrittenResult,
    as_utc,
)
from connector.state.schema import (
    cursors,
    meta,
    rescore_queue,
    runs,
    tasks,
    webhook_events,
    written_results,
)
from connector.state.schema import failures as failures_table

RULESET_HASH_KEY = "ruleset_hash"
#: How often, in received time, enqueueing forgets event ids past their retention.
PRUNE_EVERY = timedelta(minutes=1)


def _columns(table: Table, record: type) -> list[Column[Any]]:
    """The table's columns named like the record's fields, in the record's order."""
    return [table.c[field.name] for field in fields(record)]


WRITTEN_COLUMNS = _columns(written_results, WrittenResult)
TASK_COLUMNS = _columns(tasks, TaskRecord)
FAILURE_COLUMNS = _columns(failures_table, FailureRecord)
RUN_COLUMNS = _columns(runs, RunRecord)
WRITTEN_FIELDS = [column.name for column in WRITTEN_COLUMNS]


class StateStore:
    """The connector's memory between runs, in SQLite or PostgreSQL, through SQLAlchemy Core."""

    def __init__(self, engine: Engine) -> None:
        """Wrap an engine whose schema is already at head; use `StateStore.open`."""
        self._engine = engine
        self._local_lock = threading.Lock()
        self._pruned_at: datetime | None = None

    @classmethod
    def open(cls, url: str, *, connect_timeout_seconds: float = 0) -> StateStore:
        """Open the store at `url`, creating or migrating its schema to this version's head.

        A database server that refuses connections is retried for `connect_timeout_seconds`.
        """
        parsed = database.parse_url(url)
        engine = database.build_engine(parsed)
        try:
            database.wait_for_server(engine, connect_timeout_seconds)
            database.migrate(engine)
        except DatabaseError as error:
            engine.dispose()
            raise database.translate(error, parsed) from None
        except StateError:
            engine.dispose()
            raise
        return cls(engine)

    def close(self) -> None:
        """Release every connection."""
        self._engine.dispose()

    def __enter__(self) -> StateStore:
        """Use the store as a context manager that closes it."""
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the store."""
        self.close()

    @property
    def url(self) -> URL:
        """The database URL (render with `hide_password=True` before showing it)."""
        return self._engine.url

    @contextmanager
    def run_lock(self, *, wait: bool = False) -> Iterator[None]:
        """Hold the one-sync-at-a-time lock; StateError names the holder when `wait` is false."""
        with self._translated(), lock.run_lock(self._engine, wait=wait, local=self._local_lock):
            yield

    # -- written results --------------------------------------------------------------------

    def written(self, lead_ids: Collection[str] | None = None) -> dict[str, WrittenResult]:
        """The last written result per lead, for `lead_ids` or for every lead."""
        query = select(*WRITTEN_COLUMNS)
        if lead_ids is not None:
            if not lead_ids:
                return {}
            query = query.where(self._among(written_results.c.lead_id, lead_ids))
        with self._connect() as connection:
            return {row[0]: WrittenResult(*row) for row in connection.execute(query).all()}

    def record_written(self, results: Sequence[WrittenResult]) -> None:
        """Upsert the results just written to the CRM, all in one batch."""
        if not results:
            return
        rows = [{name: getattr(result, name) for name in WRITTEN_FIELDS} for result in results]
        statement = self._upsert(written_results, ["lead_id"], WRITTEN_FIELDS[1:])
        with self._begin() as connection:
            connection.execute(statement, rows)

    def due_for_rescore(self, now: datetime) -> set[str]:
        """Leads whose score can have changed by `now` (their `next_change_at` has passed)."""
        column = written_results.c.next_change_at
        query = select(written_results.c.lead_id).where(column <= as_utc(now))
        with self._connect() as connection:
            return set(connection.execute(query).scalars())

    def earliest_next_change(self, after: datetime) -> datetime | None:
        """The soonest `next_change_at` strictly after `after`: when a sync is next due."""
        column = written_results.c.next_change_at
        query = select(func.min(column)).where(column > as_utc(after))
        with self._connect() as connection:
            value: datetime | None = connection.execute(query).scalar_one()
        return value

    def next_expiries(self, limit: int = 10) -> list[WrittenResult]:
        """The results that change soonest, soonest first."""
        column = written_results.c.next_change_at
        query = select(*WRITTEN_COLUMNS).where(column.is_not(None))
        query = query.order_by(column, written_results.c.lead_id).limit(limit)
        with self._connect() as connection:
            return [WrittenResult(*row) for row in connection.execute(query)]

    # -- cursors and meta -------------------------------------------------------------------

    def cursor(self, name: str) -> datetime | None:
        """The cursor of source `name`, or None before its first successful run."""
        query = select(cursors.c.value).where(cursors.c.name == name)
        with self._connect() as connection:
            value: datetime | None = connection.execute(query).scalar_one_or_none()
        return value

    def set_cursor(self, name: str, value: datetime) -> None:
        """Move the cursor of source `name` to `value` (stored in UTC)."""
        statement = self._upsert(cursors, ["name"], ["value"])
        with self._begin() as connection:
            connection.execute(statement, {"name": name, "value": as_utc(value)})

    def ruleset_hash(self) -> str | None:
        """The hash of the rule set the last full run scored with."""
        return self._meta(RULESET_HASH_KEY)

    def set_ruleset_hash(self, value: str) -> None:
        """Remember the rule set hash now in use."""
        self._set_meta(RULESET_HASH_KEY, value)

    def adapter_memory(self, adapter: str) -> str | None:
        """What adapter `adapter` asked to get back at its next run."""
        return self._meta(f"adapter:{adapter}")

    def set_adapter_memory(self, adapter: str, memory: str) -> None:
        """Keep `memory` for adapter `adapter`'s next run."""
        self._set_meta(f"adapter:{adapter}", memory)

    def _meta(self, key: str) -> str | None:
        query = select(meta.c.value).where(meta.c.key == key)
        with self._connect() as connection:
            value: str | None = connection.execute(query).scalar_one_or_none()
        return value

    def _set_meta(self, key: str, value: str) -> None:
        statement = self._upsert(meta, ["key"], ["value"])
        with self._begin() as connection:
            connection.execute(statement, {"key": key, "value": value})

    # -- failures ---------------------------------------------------------------------------

    def record_failures(self, kind: str, failures: Mapping[str, str], at: datetime) -> None:
        """Record refused writes (record id -> message); a repeat counts one more attempt."""
        if not failures:
            return
        at = as_utc(at)
        rows = [
            {"kind": kind, "record_id": record_id, "message": message, "attempts": 1}
            | {"first_failed_at": at, "last_failed_at": at}
            for record_id, message in failures.items()
        ]
        statement = self._insert(failures_table)
        statement = statement.on_conflict_do_update(
            index_elements=["kind", "record_id"],
            set_={
                "message": statement.excluded.message,
                "attempts": failures_table.c.attempts + 1,
                "last_failed_at": statement.excluded.last_failed_at,
            },
        )
        with self._begin() as connection:
            connection.execute(statement, rows)

    def clear_failures(self, kind: str, record_ids: Collection[str]) -> None:
        """Forget the failures of `record_ids`, now written."""
        if not record_ids:
            return
        statement = failures_table.delete().where(
            failures_table.c.kind == kind, self._among(failures_table.c.record_id, record_ids)
        )
        with self._begin() as connection:
            connection.execute(statement)

    def pending_failures(self, kind: str) -> dict[str, FailureRecord]:
        """The failures of `kind` awaiting a retry, by record id."""
        query = select(*FAILURE_COLUMNS).where(failures_table.c.kind == kind)
        with self._connect() as connection:
            return {row.record_id: FailureRecord(*row) for row in connection.execute(query)}

    # -- follow-up tasks --------------------------------------------------------------------

    def last_task(self, lead_id: str) -> TaskRecord | None:
        """The lead's most recently reserved task, created or not."""
        query = select(*TASK_COLUMNS).where(tasks.c.lead_id == lead_id)
        query = query.order_by(tasks.c.reserved_at.desc(), tasks.c.key.desc()).limit(1)
        with self._connect() as connection:
            row = connection.execute(query).first()
        return None if row is None else TaskRecord(*row)

    def reserve_task(self, key: str, lead_id: str, at: datetime) -> None:
        """Record the intent to create task `key` before calling the CRM; repeats are no-ops."""
        row = {"key": key, "lead_id": lead_id, "status": "reserved", "reserved_at": as_utc(at)}
        statement = self._insert(tasks).on_conflict_do_nothing(index_elements=["key"])
        with self._begin() as connection:
            connection.execute(statement, row)

    def mark_task_created(self, key: str, crm_id: str, at: datetime) -> None:
        """Record that the CRM created task `key` as `crm_id`; KeyError if never reserved."""
        statement = tasks.update().where(tasks.c.key == key)
        statement = statement.values(status="created", crm_id=crm_id, created_at=as_utc(at))
        with self._begin() as connection:
            if connection.execute(statement).rowcount == 0:
                raise KeyError(f"task {key!r} was never reserved")

    def mark_task_refused(self, key: str) -> None:
        """Record that the CRM refused task `key` for its owner: it is not retried."""
        statement = tasks.update().where(tasks.c.key == key).values(status="refused")
        with self._begin() as connection:
            if connection.execute(statement).rowcount == 0:
                raise KeyError(f"task {key!r} was never reserved")

    def refused_tasks(self, limit: int) -> list[TaskRecord]:
        """The most recent tasks the CRM refused for their owner, newest first."""
        query = select(*TASK_COLUMNS).where(tasks.c.status == "refused")
        query = query.order_by(tasks.c.reserved_at.desc(), tasks.c.key).limit(limit)
        with self._connect() as connection:
            return [TaskRecord(*row) for row in connection.execute(query)]

    def reserved_tasks(self) -> list[TaskRecord]:
        """Tasks reserved but not known created: look each up in the CRM before retrying."""
        query = select(*TASK_COLUMNS).where(tasks.c.status == "reserved")
        query = query.order_by(tasks.c.reserved_at, tasks.c.key)
        with self._connect() as connection:
            return [TaskRecord(*row) for row in connection.execute(query)]

    # -- runs -------------------------------------------------------------------------------

    def start_run(self, mode: str, at: datetime, as_of: datetime | None = None) -> int:
        """Open the record of a run in `mode` ("full", "incremental", "dry-run"); its id.

        Called under the run lock: a run still marked running was killed, so it is marked
        interrupted.
        """
        if mode not in RUN_MODES:
            raise ValueError(f"unknown run mode {mode!r}: expected one of {sorted(RUN_MODES)}")
        row = {"started_at": as_utc(at), "mode": mode, "status": "running", "counts": {}}
        row["as_of"] = None if as_of is None else as_utc(as_of)
        statement = runs.insert().values(api_calls=0, errors=0, **row).returning(runs.c.id)
        with self._begin() as connection:
            connection.execute(self._interrupted())
            run_id: int = connection.execute(statement).scalar_one()
        return run_id

    @staticmethod
    def _interrupted() -> Update:
        return runs.update().where(runs.c.status == "running").values(status="interrupted")

    def is_running(self) -> bool:
        """Whether a sync holds the run lock now (a run marked running without it was killed)."""
        return lock.is_held(self._engine, local=self._local_lock)

    def finish_run(
        self,
        run_id: int,
        *,
        at: datetime,
        status: str,
        counts: Mapping[str, int],
        api_calls: int,
        errors: int,
        error: str | None = None,
    ) -> None:
        """Close the record of run `run_id` with its outcome (and what stopped it, if it failed)."""
        statement = runs.update().where(runs.c.id == run_id)
        statement = statement.values(
            finished_at=as_utc(at),
            status=status,
            counts=dict(counts),
            api_calls=api_calls,
            errors=errors,
            error=error,
        )
        with self._begin() as connection:
            if connection.execute(statement).rowcount == 0:
                raise KeyError(f"no run {run_id}")

    def recent_runs(self, limit: int = 10) -> list[RunRecord]:
        """The latest runs, newest first."""
        query = select(*RUN_COLUMNS).order_by(runs.c.started_at.desc(), runs.c.id.desc())
        with self._connect() as connection:
            return [RunRecord(*row) for row in connection.execute(query.limit(limit))]

    def last_successful_run(self) -> RunRecord | None:
        """The latest run that finished ok or partial (some records refused), if any."""
        query = select(*RUN_COLUMNS).where(runs.c.status.in_(("ok", "partial")))
        query = query.order_by(runs.c.started_at.desc(), runs.c.id.desc()).limit(1)
        with self._connect() as connection:
            row = connection.execute(query).first()
        return None if row is None else RunRecord(*row)

    def latest_sync_run(self, *, finished: bool = False) -> RunRecord | None:
        """The latest scheduled or manual run (not a worker batch); with `finished`, one that ended.

        A worker batch is told apart by the `named` count its run record carries.
        """
        query = select(*RUN_COLUMNS).where(runs.c.counts["named"].as_integer().is_(None))
        if finished:
            query = query.where(runs.c.finished_at.is_not(None))
        query = query.order_by(runs.c.started_at.desc(), runs.c.id.desc()).limit(1)
        with self._connect() as connection:
            row = connection.execute(query).first()
        return None if row is None else RunRecord(*row)

    def forget_leads(self, lead_ids: Collection[str]) -> None:
        """Drop the written results and score failures of leads deleted in the CRM."""
        if not lead_ids:
            return
        with self._begin() as connection:
            connection.execute(
                written_results.delete().where(self._among(written_results.c.lead_id, lead_ids))
            )
            connection.execute(
                failures_table.delete().where(
                    failures_table.c.kind == "score",
                    self._among(failures_table.c.record_id, lead_ids),
                )
            )

    # -- rescoring queue --------------------------------------------------------------------

    def enqueue(self, events: Sequence[QueuedEvent], at: datetime) -> int:
        """Store the events durably in one transaction; how many were new.

        Deduplicated on (source, event_id), coalesced per lead; accepted ids older than
        seven days are pruned on the way (at most once a minute of received time).
        """
        return self.enqueue_many([(events, at)])[0]

    def enqueue_many(
        self, submissions: Sequence[tuple[Sequence[QueuedEvent], datetime]]
    ) -> list[int]:
        """Store several deliveries (events, received at) at once; how many new per delivery.

        What a receiver under load commits at once, however many requests wait for it: on
        PostgreSQL one statement, on SQLite one transaction of two.
        """
        if not submissions:
            return []
        firsts = queue.first_sightings([events for events, _ in submissions])
        received = zip(firsts, submissions, strict=True)
        timed = [(e, at) for events, (_, at) in received for e in events]
        latest = max(at for _, at in submissions)
        with self._translated(), self._enqueue_engine.begin() as connection:
            if self._prune_due(latest):
                connection.execute(queue.prune_events(), queue.prune_cutoff(latest))
            accepted = set()
            if timed and self._engine.dialect.name == "postgresql":
                accepted = self._accept_postgresql(connection, timed)
            elif timed:
                accepted = self._accept_sqlite(connection, timed)
        return [sum((e.source, e.event_id) in accepted for e in events) for events in firsts]

    @cached_property
    def _enqueue_engine(self) -> Engine:
        """Where enqueue commits: on PostgreSQL one statement, so no transaction around it."""
        # BEGIN and COMMIT were two of a commit's four round trips to the server.
        if self._engine.dialect.name == "postgresql":
            return self._engine.execution_options(isolation_level="AUTOCOMMIT")
        return self._engine

    @staticmethod
    def _accept_postgresql(
        connection: Connection, timed: Sequence[tuple[QueuedEvent, datetime]]
    ) -> set[tuple[str, str]]:
        """Store the events not seen before, queue their leads; the (source, id) accepted."""
        result = connection.execute(queue.ENQUEUE_POSTGRESQL, queue.postgresql_batch(timed))
        return {(row[0], row[1]) for row in result}

    def _accept_sqlite(
        self, connection: Connection, timed: Sequence[tuple[QueuedEvent, datetime]]
    ) -> set[tuple[str, str]]:
        """The same in two statements, the fold in Python (SQLite has no INSERT in WITH)."""
        rows = [
            {"source": e.source, "event_id": e.event_id, "lead_id": e.lead_id}
            | {"received_at": as_utc(at)}
            for e, at in timed
        ]
        rows.sort(key=lambda row: (row["source"], row["event_id"]))
        accept, fold = self._enqueue_statements
        accepted = {(row[0], row[1]) for row in connection.execute(accept, rows)}
        new = [(e, at) for e, at in timed if (e.source, e.event_id) in accepted]
        # Rows locked in one order (by key) in every writer: two receivers' transactions
        # on the same leads then wait for each other instead of deadlocking.
        folded = sorted(queue.folded(new).items())
        leads = [queue.queue_row(lead, lead_events) for lead, lead_events in folded]
        if leads:
            connection.execute(fold, leads)
        return accepted

    def _prune_due(self, at: datetime) -> bool:
        """Whether enqueueing at `at` should forget old event ids: once per PRUNE_EVERY."""
        # Pruning on every commit was 40 % of a receiver's commit on PostgreSQL, for ids that
        # stay a week: a minute later changes nothing a sender could notice.
        if self._pruned_at is not None and timedelta(0) <= at - self._pruned_at < PRUNE_EVERY:
            return False
        self._pruned_at = at
        return True

    @cached_property
    def _enqueue_statements(self) -> tuple[Executable, Executable]:
        """SQLite's two enqueue statements, built once: building them cost as much as running."""
        accept = queue.accept_events(self._insert(webhook_events))
        return accept, queue.queue_lead(self._insert(rescore_queue))

    def claim_queued(
        self,
        limit: int,
        *,
        ready_before: datetime,
        claimant: str,
        lease: timedelta,
        now: datetime,
    ) -> list[QueuedLead]:
        """Claim up to `limit` ready leads for `claimant` until `now + lease`, oldest first.

        Ready: the last event at or before `ready_before` (the coalescing delay), due (the
        back-off) and not claimed under a live lease. PostgreSQL claims with FOR UPDATE SKIP
        LOCKED, SQLite under its write lock: two workers never take the same row.
        """
        statement = queue.claim(
            limit,
            ready_before=ready_before,
            claimant=claimant,
            lease=lease,
            now=now,
            skip_locked=self._engine.dialect.name == "postgresql",
        )
        with self._begin() as connection:
            rows = connection.execute(statement).all()
        return queue.claimed([tuple(row) for row in rows])

    def finish_queued(self, lead_ids: Collection[str]) -> None:
        """Rescored: remove the rows, but keep those that got a new event meanwhile."""
        if not lead_ids:
            return
        among = self._among(rescore_queue.c.lead_id, lead_ids)
        with self._begin() as connection:
            connection.execute(queue.done(rescore_queue.delete().where(among)))
            connection.execute(queue.released(rescore_queue.update().where(among)))

    def fail_queued(
        self, failures: Mapping[str, str], *, now: datetime, retry_at: datetime
    ) -> None:
        """Keep the failed leads queued: attempts+1, last error, due at retry_at, claim released."""
        if not failures:
            return
        rows = [{"failed_lead": lead, "error": message} for lead, message in failures.items()]
        # A retry due in the past would only mean "now"; keep the stored time honest.
        statement = queue.failed(max(as_utc(retry_at), as_utc(now)))
        with self._begin() as connection:
            connection.execute(statement, rows)

    def queue_depth(self) -> int:
        """How many leads wait in the rescoring queue, claimed or not."""
        with self._connect() as connection:
            count: int = connection.execute(
                select(func.count()).select_from(rescore_queue)
            ).scalar_one()
        return count

    def oldest_queued_at(self) -> datetime | None:
        """When the oldest event still waiting in the queue arrived."""
        query = select(func.min(rescore_queue.c.first_event_at))
        with self._connect() as connection:
            value: datetime | None = connection.execute(query).scalar_one()
        return value

    # -- plumbing ---------------------------------------------------------------------------

    def _insert(self, table: Table) -> sqlite.Insert | postgresql.Insert:
        """An INSERT that can say ON CONFLICT, in this backend's dialect."""
        if self._engine.dialect.name == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)

    def _upsert(
        self, table: Table, keys: list[str], updated: list[str]
    ) -> sqlite.Insert | postgresql.Insert:
        """INSERT ... ON CONFLICT (keys) DO UPDATE the `updated` columns, for many rows."""
        statement = self._insert(table)
        excluded = statement.excluded
        return statement.on_conflict_do_update(
            index_elements=keys, set_={name: excluded[name] for name in updated}
        )

    def _among(self, column: Column[str], values: Collection[str]) -> ColumnElement[bool]:
        """`column IN values` as one bound parameter, however many values there are."""
        if self._engine.dialect.name == "postgresql":
            return column == any_(bindparam("values", list(values), type_=ARRAY(String)))
        items = func.json_each(bindparam("values", json.dumps(list(values)))).table_valued("value")
        return column.in_(select(items.c.value))

    @contextmanager
    def _connect(self) -> Iterator[Connection]:
        """A connection for reads; a lost database becomes a StateError."""
        with self._translated(), self._engine.connect() as connection:
            yield connection

    @contextmanager
    def _begin(self) -> Iterator[Connection]:
        """A transaction for writes, committed at the end of the block."""
        with self._translated(), self._engine.begin() as connection:
            yield connection

    @contextmanager
    def _translated(self) -> Iterator[None]:
        """Turn a lost, damaged or altered database into a StateError that says so."""
        try:
            yield
        except DatabaseError as error:
            url = database.describe(self._engine.url)
            raise StateError(
                f"the state database {url} failed: {error.orig}. Check that the server is up "
                "and nothing else changed its tables; a damaged SQLite file can be moved "
                "aside (leadscore then rescores every lead)."
            ) from error
