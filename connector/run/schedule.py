"""When the scheduled sync is due: cron lines in the config's zone, intervals, durations.

Pure: no clock is read here; every function takes the instant it reasons from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Protocol

from cronsim import CronSim, CronSimError

_DURATION = re.compile(r"(\d+)([dhms])")
_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
DURATION_EXAMPLES = "90s, 30m, 2h, 1d or 1h30m"


def parse_duration(text: str) -> timedelta:
    """`90s`, `30m`, `2h`, `1d`, `1h30m` as a timedelta; ValueError saying what is accepted."""
    cleaned = text.strip().lower()
    parts = _DURATION.findall(cleaned)
    if not cleaned or "".join(number + unit for number, unit in parts) != cleaned:
        raise ValueError(f"{text!r} is not a duration; use e.g. {DURATION_EXAMPLES}")
    return timedelta(seconds=sum(int(number) * _UNITS[unit] for number, unit in parts))


def check_cron(expression: str) -> str:
    """The expression if it is a five-field cron line; ValueError saying what is wrong."""
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(
            f"{expression!r} has {len(fields)} field(s); a cron line has five: "
            "minute hour day-of-month month day-of-week, e.g. '*/15 * * * *'"
        )
    try:
        CronSim(expression, datetime(2026, 1, 1, tzinfo=UTC))
    except CronSimError as error:
        raise ValueError(f"{expression!r} is not a valid cron line: {error}") from None
    return expression


class Cadence(Protocol):
    """A recurring schedule: the first tick strictly after an instant."""

    def next_after(self, moment: datetime) -> datetime:
        """The first tick strictly after `moment` (UTC)."""
        ...


@dataclass(frozen=True, slots=True)
class Cron:
    """A cron line read on the wall clock of `zone` (so `0 3 * * *` is 03:00 there, DST or not)."""

    expression: str
    zone: tzinfo

    def next_after(self, moment: datetime) -> datetime:
        """The first matching minute strictly after `moment`, as UTC.

        Across a DST change it follows Debian cron: a time the clock skips runs when the
        clock resumes, and a time the clock shows twice runs once.
        """
        local = moment.astimezone(self.zone)
        return next(CronSim(self.expression, local)).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Every:
    """A fixed interval, counted from the previous run's start."""

    period: timedelta

    def next_after(self, moment: datetime) -> datetime:
        """`moment` plus the period."""
        return (moment + self.period).astimezone(UTC)
