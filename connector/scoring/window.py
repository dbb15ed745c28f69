"""The rolling window: what is inside it now, and when a rule's points next change.

"30 days" means 30 calendar days in the configured time zone, as a person reads it: on
11-20 18:00 in New York the window starts at 10-21 18:00 local time, although summer time
ended in between and that is 721 hours back. In a zone without summer time (Asia/Tokyo,
UTC) that is exactly 30 x 24 hours, and the arithmetic stays a plain timedelta.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from itertools import groupby

#: (when, weight) of one matching activity; weights are integers (thousandths) so that
#: sliding the window adds and subtracts exactly, with no floating-point drift.
Occurrence = tuple[datetime, int]
PointsOf = Callable[[int, int], int]


class Window:
    """`days` calendar days in `zone`, ending at an instant: (start(now), now]."""

    __slots__ = ("_last", "days", "fixed", "span", "zone")

    def __init__(self, days: int, zone: tzinfo = UTC) -> None:
        self.days = days
        self.zone = zone
        self.span = timedelta(days=days)
        self.fixed = _fixed_offset(zone)
        self._last: tuple[datetime, datetime] | None = None

    def start(self, now: datetime) -> datetime:
        """The instant the window reaching back from `now` starts (exclusive)."""
        if self.fixed:
            return now - self.span
        # A run scores every lead at one `now`: shift the wall clock once, not once per lead.
        last = self._last
        if last is None or last[0] != now:
            last = self._last = (now, _shift(now, -self.days, self.zone))
        return last[1]

    def leaves(self, at: datetime) -> datetime:
        """When an activity at `at` leaves the window: the same local time `days` later."""
        return at + self.span if self.fixed else _shift(at, self.days, self.zone)


def _shift(moment: datetime, days: int, zone: tzinfo) -> datetime:
    """`moment` moved by `days` on the wall clock of `zone`, as UTC."""
    wall = moment.astimezone(zone).replace(tzinfo=None) + timedelta(days=days)
    return wall.replace(tzinfo=zone).astimezone(UTC)


def _fixed_offset(zone: tzinfo) -> bool:
    """Whether `zone` kept one UTC offset over the years activities can have (no DST)."""
    if zone is UTC or isinstance(zone, timezone):
        return True
    probes = (
        datetime(year, month, 1, tzinfo=UTC).astimezone(zone).utcoffset()
        for year in range(1970, 2101)
        for month in (1, 4, 7, 10)
    )
    return len(set(probes)) == 1


def tally(occurrences: Sequence[Occurrence], now: datetime, window: Window) -> tuple[int, int]:
    """How many occurrences are inside the window ending at `now`, and their summed weight."""
    start = window.start(now)
    count = weight = 0
    for at, item_weight in occurrences:
        if start < at <= now:
            count += 1
            weight += item_weight
    return count, weight


def next_points_change(
    occurrences: Sequence[Occurrence],
    now: datetime,
    window: Window,
    points_of: PointsOf,
) -> datetime | None:
    """The earliest instant after `now` at which `points_of(count, weight)` differs.

    An activity at `a` is inside from `a` until `window.leaves(a)`, so activities leave
    then and future-dated ones enter at `a`.
    """
    events: list[tuple[datetime, int, int]] = []
    for at, weight in occurrences:
        leaves_at = window.leaves(at)
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
