"""The scheduled sync's next wake-up: a pure function of the clock, the schedule and the state.

next = min(next cron/every tick, earliest next_change_at, next full_cron tick), never before
now, and never later than one recheck away: a worker batch or another replica may have
written a result that changes sooner, and only the state store knows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from connector.run.schedule import Cadence

Trigger = Literal["start", "schedule", "next_change", "full_cron", "rules_changed"]

#: The shortest time between the start of one run and a run woken by a score change: scores
#: change at arbitrary seconds, and a run per second would spend the CRM's API budget.
NEXT_CHANGE_GAP = timedelta(seconds=30)
#: The longest sleep before the state store is asked again for its earliest next change.
RECHECK = timedelta(seconds=30)

#: Of two wake-ups due at once, the one that does more: a full run covers the others.
_PRECEDENCE: dict[Trigger, int] = {"full_cron": 0, "schedule": 1, "next_change": 2}


@dataclass(frozen=True, slots=True)
class History:
    """What the loop remembers: when it began, and when its last runs (of each kind) began."""

    started_at: datetime
    last_start: datetime | None = None
    last_full_start: datetime | None = None

    def after_run(self, at: datetime, trigger: Trigger) -> History:
        """The history once a run (or a skipped attempt) began at `at` for `trigger`."""
        full_start = at if trigger == "full_cron" else self.last_full_start
        return History(self.started_at, at, full_start)


@dataclass(frozen=True, slots=True)
class Wake:
    """When to wake next, and why; no trigger means only to look at the state again."""

    at: datetime
    trigger: Trigger | None


def next_wake(
    now: datetime,
    history: History,
    cadence: Cadence,
    *,
    full_cadence: Cadence | None = None,
    next_change: datetime | None = None,
    gap: timedelta = NEXT_CHANGE_GAP,
    recheck: timedelta = RECHECK,
) -> Wake:
    """The next wake-up at `now`.

    `next_change` is the earliest `next_change_at` the store holds after the last run began
    (an earlier one belongs to a lead that run already took; if its write failed, the
    failure is retried at the next tick). A tick that passed during a run makes one run
    at once (missed ticks coalesce); every run moves `history.last_start`, so no input
    wakes the loop twice for the same reason.
    """
    if history.last_start is None:
        return Wake(now, "start")
    last = history.last_start
    due: list[tuple[datetime, Trigger]] = [(cadence.next_after(last), "schedule")]
    if full_cadence is not None:
        anchor = history.last_full_start or history.started_at
        due.append((full_cadence.next_after(anchor), "full_cron"))
    if next_change is not None and next_change > last:
        due.append((max(next_change, last + gap), "next_change"))
    at, trigger = min(due, key=lambda item: (item[0], _PRECEDENCE[item[1]]))
    if at <= now:
        return Wake(now, trigger)
    if now + recheck < at:
        return Wake(now + recheck, None)
    return Wake(at, trigger)


def run_kind(trigger: Trigger, *, rules_changed: bool) -> tuple[Trigger, bool]:
    """The trigger a run is logged under, and whether it rescores every lead.

    A changed rule set (a new scoring table deployed) makes any run a full one, so that the
    new table is in the CRM right after the deploy; full_cron runs are full anyway.
    """
    if trigger == "full_cron":
        return trigger, True
    if rules_changed:
        return "rules_changed", True
    return trigger, False
