"""Timestamps as people write them, and the ones that must be refused rather than guessed."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from connector.errors import ConfigError
from connector.timestamps import parse_as_of, parse_timestamp

TOKYO = ZoneInfo("Asia/Tokyo")
NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-20T14:05:00+09:00", datetime(2026, 11, 20, 5, 5, tzinfo=UTC)),
        ("2026/11/20 14:05", datetime(2026, 11, 20, 5, 5, tzinfo=UTC)),
        ("2026-11-20T05:05:00Z", datetime(2026, 11, 20, 5, 5, tzinfo=UTC)),
    ],
)
def test_accepted_forms(text: str, expected: datetime) -> None:
    assert parse_timestamp(text, TOKYO) == expected


@pytest.mark.parametrize(
    "text", ["0001-01-01T00:00:00", "9999-12-31T23:59:00", "1899/12/31 10:00", "3000-01-01"]
)
def test_placeholder_years_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="outside the years 1900-2999 leadscore accepts"):
        parse_timestamp(text, TOKYO)


def test_a_local_time_that_summer_time_skips_is_refused() -> None:
    with pytest.raises(ValueError, match="does not exist in America/New_York"):
        parse_timestamp("2026-03-08 02:30", NEW_YORK)


def test_a_local_time_that_happens_twice_is_refused_naming_both_offsets() -> None:
    with pytest.raises(ValueError, match=r"happens twice .*\(-04:00 or -05:00\)"):
        parse_timestamp("2026-11-01 01:30", NEW_YORK)


def test_either_instant_of_a_repeated_hour_is_accepted_with_its_offset() -> None:
    first = parse_timestamp("2026-11-01T01:30:00-04:00", NEW_YORK)
    second = parse_timestamp("2026-11-01T01:30:00-05:00", NEW_YORK)
    assert (second - first).total_seconds() == 3600


def test_as_of_in_year_one_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="--as-of: .*outside the years"):
        parse_as_of("0001-01-01", TOKYO)
