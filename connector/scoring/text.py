"""Text and number normalisation so that 全角/半角 and upper/lower case compare equal."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_SPACES = re.compile(r"\s+")
_LEADING_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")


@lru_cache(maxsize=65536)
def normalize_text(value: str) -> str:
    """NFKC (全角 ASCII -> 半角, 半角 kana -> 全角), casefolded, spaces squeezed."""
    folded = unicodedata.normalize("NFKC", value).casefold()
    return _SPACES.sub(" ", folded).strip()


@lru_cache(maxsize=65536)
def normalize_width(value: str) -> str:
    """NFKC only (全角 ASCII -> 半角, 半角 kana -> 全角): what a regex rule matches against."""
    return unicodedata.normalize("NFKC", value)


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """A regex rule as written, width-normalised like its values, matched ignoring case.

    The pattern is never case-folded: `\\S`, `\\D`, `\\B` or `\\A` would turn into other escapes.
    """
    return re.compile(normalize_width(pattern), re.IGNORECASE)


def parse_number(value: str | float | None) -> float | None:
    """The leading number of a value ("1,200名" -> 1200.0), or None when it has none."""
    if value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    match = _LEADING_NUMBER.match(normalize_text(value).replace(",", ""))
    return float(match.group()) if match else None
