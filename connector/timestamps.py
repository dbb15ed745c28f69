"""Timestamps as people and CRMs write them: ISO 8601, or "2026/11/20 14:05" as Excel does."""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo

from connector.errors import ConfigError

#: Timestamps outside these years are typos or placeholders (0001-01-01, 9999-12-31), and
#: a window reaching past them would overflow the calendar.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2999

_SLASHED = re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


def parse_timestamp(text: str, zone: tzinfo) -> datetime:
    """An aware UTC datetime from `text`; naive input is local time in `zone`.

    Raises ValueError with a message that says which forms are accepted.
    """
    value = text.strip()
    parsed = _parse_slashed(value) or _parse_iso(value)
    if parsed is None:
        raise ValueError(
            f"not a timestamp: {text!r} (use ISO 8601 like 2026-11-20T14:05:00+09:00, "
            "or 2026/11/20 14:05)"
        )
    if not EARLIEST_YEAR <= parsed.year <= LATEST_YEAR:
        raise ValueError(
            f"{text!r} is outside the years {EARLIEST_YEAR}-{LATEST_YEAR} leadscore accepts"
        )
    if parsed.tzinfo is None:
        parsed = _local(parsed, zone, text)
    return parsed.astimezone(UTC)


def _local(naive: datetime, zone: tzinfo, text: str) -> datetime:
    """`naive` as wall-clock time in `zone`; a time DST skips or repeats is refused, not guessed."""
    early, late = naive.replace(tzinfo=zone, fold=0), naive.replace(tzinfo=zone, fold=1)
    if early.utcoffset() == late.utcoffset():
        return early
    if early.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        raise ValueError(
            f"{text!r} does not exist in {zone} (the clocks skip it when summer time starts); "
            "write it with its UTC offset"
        )
    offsets = " or ".join(_offset(moment) for moment in (early, late))
    raise ValueError(
        f"{text!r} happens twice in {zone} (the clocks go back when summer time ends); "
        f"write it with its UTC offset ({offsets})"
    )


def _offset(moment: datetime) -> str:
    return moment.isoformat(timespec="minutes")[-6:]


def _parse_iso(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _parse_slashed(value: str) -> datetime | None:
    match = _SLASHED.match(value)
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(part or 0) for part in match.groups())
    try:
        # Naive on purpose: the caller applies the configured zone.
        return datetime(year, month, day, hour, minute, second)  # noqa: DTZ001
    except ValueError:
        return None


def parse_as_of(text: str | None, zone: tzinfo) -> datetime:
    """The instant a run scores "as of": `text` when given, else now (UTC)."""
    if text is None:
        return datetime.now(UTC)
    try:
        return parse_timestamp(text, zone)
    except ValueError as error:
        raise ConfigError(f"--as-of: {error}") from None
