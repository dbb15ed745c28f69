"""The rescoring queue's statements: dedupe of replayed events, coalescing, leased claims.

One row per lead, however many events named it. A worker claims ready rows for a lease;
a claim that outlives its lease (the worker died) lapses and the row is claimed again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Delete, Update, bindparam, case, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import ReturningInsert

from connector.state.records import QueueAction, QueuedEvent, QueuedLead, as_utc
from connector.state.schema import rescore_queue, webhook_events

#: How long an accepted event id is remembered: senders retry for hours, not for weeks.
DEDUPE_RETENTION = timedelta(days=7)

Insert = sqlite.Insert | postgresql.Insert


@dataclass(slots=True)
class Folded:
    """A lead's new events of one transaction: the action they ask for, first and last seen."""

    action: QueueAction
    first_at: datetime
    last_at: datetime


def folded(events: Sequence[tuple[QueuedEvent, datetime]]) -> dict[str, Folded]:
    """Per lead, its events received at their instants folded as `queue_lead` folds a row.

    A later event decides the action; events of one instant cannot be ordered: a forget wins.
    """
    leads: dict[str, Folded] = {}
    for event, at in sorted(events, key=lambda pair: pair[1]):
        seen = leads.get(event.lead_id)
        if seen is None:
            leads[event.lead_id] = Folded(event.action, at, at)
        elif at > seen.last_at:
            seen.action, seen.last_at = event.action, at
        elif event.action == "forget":
            seen.action = "forget"
    return leads


def first_sightings(
    submissions: Sequence[Sequence[QueuedEvent]],
) -> list[list[QueuedEvent]]:
    """Each submission's events less those named earlier in the batch (a concurrent retry)."""
    seen: set[tuple[str, str]] = set()
    kept = []
    for events in submissions:
        mine = []
        for event in events:
            key = (event.source, event.event_id)
            if key not in seen:
                seen.add(key)
                mine.append(event)
        kept.append(mine)
    return kept


def prune_events() -> Delete:
    """Forget accepted event ids received before `cutoff` (bound): an indexed range."""
    return webhook_events.delete().where(webhook_events.c.received_at < bindparam("cutoff"))


def prune_cutoff(at: datetime) -> dict[str, datetime]:
    """The bound `cutoff` of `prune_events` at `at`: the retention ago."""
    return {"cutoff": as_utc(at) - DEDUPE_RETENTION}


def accept_events(statement: Insert) -> ReturningInsert[Any]:
    """Insert event ids (many rows, one statement) unless seen: those inserted come back."""
    # RETURNING, not rowcount: drivers disagree on the rowcount of a DO NOTHING.
    statement = statement.on_conflict_do_nothing(index_elements=["source", "event_id"])
    return statement.returning(webhook_events.c.source, webhook_events.c.event_id)


def queue_lead(statement: Insert) -> Insert:
    """Insert a lead's row, or fold the new events into it.

    A later event decides the action (a rescore after a forget: the lead is back); events of
    the same instant cannot be ordered, so there a forget wins. `requeued` tells a worker
    holding the claim that its rescore may predate this event.
    """
    queued, new = rescore_queue.c, statement.excluded
    later = new.last_event_at > queued.last_event_at
    action = case((later, new.action), (new.action == "forget", new.action), else_=queued.action)
    return statement.on_conflict_do_update(
        index_elements=["lead_id"],
        set_={
            "action": action,
            "last_event_at": case((later, new.last_event_at), else_=queued.last_event_at),
            "requeued": True,
        },
    )


#: enqueue on PostgreSQL in one statement, one round trip: the new event ids are inserted
#: (a replay: nothing), the leads of the new ones folded as `folded` and `queue_lead` fold
#: them, and the new ids come back. Rows are locked in key order, as `enqueue_many` orders
#: them on SQLite, so two receivers on the same leads wait for each other, never deadlock.
ENQUEUE_POSTGRESQL = text(
    """
    WITH incoming AS (
        SELECT * FROM unnest(
            CAST(:sources AS text[]), CAST(:event_ids AS text[]), CAST(:lead_ids AS text[]),
            CAST(:actions AS text[]), CAST(:received AS timestamptz[])
        ) AS delivered (source, event_id, lead_id, action, received_at)
    ),
    accepted AS (
        INSERT INTO webhook_events (source, event_id, lead_id, received_at)
        SELECT source, event_id, lead_id, received_at FROM incoming ORDER BY source, event_id
        ON CONFLICT (source, event_id) DO NOTHING
        RETURNING source, event_id
    ),
    leads AS (
        SELECT
            lead_id,
            min(received_at) AS first_at,
            max(received_at) AS last_at,
            -- the latest event decides; among events of one instant a forget wins
            (array_agg(action ORDER BY received_at DESC, action = 'forget' DESC))[1] AS action
        FROM incoming JOIN accepted USING (source, event_id)
        GROUP BY lead_id
    ),
    queued AS (
        INSERT INTO rescore_queue
            (lead_id, action, first_event_at, last_event_at, due_at, attempts, requeued)
        SELECT lead_id, action, first_at, last_at, first_at, 0, false FROM leads ORDER BY lead_id
        ON CONFLICT (lead_id) DO UPDATE SET
            action = CASE
                WHEN excluded.last_event_at > rescore_queue.last_event_at THEN excluded.action
                WHEN excluded.action = 'forget' THEN excluded.action
                ELSE rescore_queue.action
            END,
            last_event_at = GREATEST(excluded.last_event_at, rescore_queue.last_event_at),
            requeued = true
    )
    SELECT source, event_id FROM accepted
    """
)


def postgresql_batch(events: Sequence[tuple[QueuedEvent, datetime]]) -> dict[str, list[Any]]:
    """The bound arrays of ENQUEUE_POSTGRESQL: the events, column by column."""
    return {
        "sources": [event.source for event, _ in events],
        "event_ids": [event.event_id for event, _ in events],
        "lead_ids": [event.lead_id for event, _ in events],
        "actions": [event.action for event, _ in events],
        "received": [as_utc(at) for _, at in events],
    }


def queue_row(lead_id: str, lead: Folded) -> dict[str, object]:
    """A new queue row: due at once, never attempted, unclaimed."""
    first, last = as_utc(lead.first_at), as_utc(lead.last_at)
    row = {"lead_id": lead_id, "action": lead.action, "first_event_at": first}
    return row | {"last_event_at": last, "due_at": first, "attempts": 0, "requeued": False}


def claim(
    limit: int,
    *,
    ready_before: datetime,
    claimant: str,
    lease: timedelta,
    now: datetime,
    skip_locked: bool,
) -> Update:
    """Claim up to `limit` ready rows, oldest first, in one statement that returns them."""
    queued, now = rescore_queue.c, as_utc(now)
    ready = (
        select(queued.lead_id)
        .where(queued.last_event_at <= as_utc(ready_before), queued.due_at <= now)
        .where((queued.claimed_until.is_(None)) | (queued.claimed_until <= now))
        .order_by(queued.first_event_at, queued.lead_id)
        .limit(limit)
    )
    if skip_locked:
        # Rows another worker is claiming right now are passed over, not waited for.
        ready = ready.with_for_update(skip_locked=True)
    statement = rescore_queue.update().where(queued.lead_id.in_(ready.scalar_subquery()))
    statement = statement.values(claimed_by=claimant, claimed_until=now + lease, requeued=False)
    return statement.returning(
        queued.lead_id, queued.action, queued.first_event_at, queued.attempts
    )


def claimed(rows: Sequence[tuple[str, QueueAction, datetime, int]]) -> list[QueuedLead]:
    """The claimed rows as records, oldest event first (RETURNING keeps no order)."""
    leads = [QueuedLead(*row) for row in rows]
    return sorted(leads, key=lambda lead: (lead.first_event_at, lead.lead_id))


def done(statement: Delete) -> Delete:
    """Delete a rescored row, unless an event arrived during its claim."""
    return statement.where(rescore_queue.c.requeued.is_(False))


def released(statement: Update) -> Update:
    """Keep a rescored row that got new events meanwhile: unclaimed, due, its count reset."""
    queued = rescore_queue.c
    return statement.where(queued.requeued.is_(True)).values(
        claimed_by=None,
        claimed_until=None,
        requeued=False,
        attempts=0,
        last_error=None,
        first_event_at=queued.last_event_at,
        due_at=queued.last_event_at,
    )


def failed(retry_at: datetime) -> Update:
    """Count one more attempt of a row (bound per lead), due again at `retry_at`, unclaimed."""
    queued = rescore_queue.c
    statement = rescore_queue.update().where(queued.lead_id == bindparam("failed_lead"))
    return statement.values(
        attempts=queued.attempts + 1,
        last_error=bindparam("error"),
        due_at=as_utc(retry_at),
        claimed_by=None,
        claimed_until=None,
    )
