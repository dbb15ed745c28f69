"""The rolling window: what is inside it now, and when a rule's points next change."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby


@dataclass(frozen=True, slots=True)
class Occurrence:
    """A matching activity reduced to what the window needs: when, and its weight."""

    at: datetime
    weight: int
    activity_id: str


@dataclass(frozen=True, slots=True)
class WindowTally:
    """How many matching activities are inside the window, and their summed weight."""

    count: int
    weight: int


def next_points_change(
    occurrences: Sequence[Occurrence],
    now: datetime,
    window: timedelta,
    tally: WindowTally,
    points: Callable[[WindowTally], int],
) -> datetime | None:
    """The earliest instant after `now` at which `points(tally)` differs, with no new input.

    The window is (t - window, t]: an activity at `a` is inside from `a` until `a + window`,
    so activities leave at `a + window` and future-dated ones enter at `a`.
    """
    events: list[tuple[datetime, int, int]] = []
    for item in occurrences:
        leaves_at = item.at + window
        if leaves_at <= now:
            continue
        if item.at > now:
            events.append((item.at, 1, item.weight))
        events.append((leaves_at, -1, -item.weight))
    if not events:
        return None
    events.sort(key=lambda event: event[0])
    current = points(tally)
    count, weight = tally.count, tally.weight
    at: datetime
    for at, group in groupby(events, key=lambda event: event[0]):
        for _, count_delta, weight_delta in group:
            count += count_delta
            weight += weight_delta
        if points(WindowTally(count, weight)) != current:
            return at
    return None
