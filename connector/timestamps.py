"""Timestamps as people and CRMs write them: ISO 8601, or "2026/11/20 14:05" as Excel does."""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo

from connector.errors import ConfigError

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
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(UTC)


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
