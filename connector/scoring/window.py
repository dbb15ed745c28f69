"""The rolling window: what is inside it now, and when a rule's points next change."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from itertools import groupby

#: (when, weight) of one matching activity; weights are integers (thousandths) so that
#: sliding the window adds and subtracts exactly, with no floating-point drift.
Occurrence = tuple[datetime, int]
PointsOf = Callable[[int, int], int]


def tally(occurrences: Sequence[Occurrence], now: datetime, window: timedelta) -> tuple[int, int]:
    """How many occurrences are inside (now - window, now], and their summed weight."""
    start = now - window
    count = weight = 0
    for at, item_weight in occurrences:
        if start < at <= now:
            count += 1
            weight += item_weight
    return count, weight


def next_points_change(
    occurrences: Sequence[Occurrence],
    now: datetime,
    window: timedelta,
    points_of: PointsOf,
) -> datetime | None:
    """The earliest instant after `now` at which `points_of(count, weight)` differs.

    The window is (t - window, t]: an activity at `a` is inside from `a` until `a + window`,
    so activities leave at `a + window` and future-dated ones enter at `a`.
    """
    events: list[tuple[datetime, int, int]] = []
    for at, weight in occurrences:
        leaves_at = at + window
        if leaves_at <= now:
            continue
        if at > now:
            events.append((at, 1, weight))
        events.append((leaves_at, -1, -weight))
    if not events:
        return None
    events.sort(key=_first)
    count, weight = tally(occurrences, now, window)
    current = points_of(count, weight)
    for at, group in groupby(events, key=_first):
        for _, count_delta, weight_delta in group:
            count += count_delta
            weight += weight_delta
        if points_of(count, weight) != current:
            return at
    return None


def _first(event: tuple[datetime, int, int]) -> datetime:
    return event[0]
