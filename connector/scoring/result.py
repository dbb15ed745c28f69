"""What scoring returns: the total, the band, and every contribution that explains it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal, NamedTuple

Dimension = Literal["fit", "engagement"]


class Contribution(NamedTuple):
    """One rule's points for one lead, with what made it fire."""

    rule_id: str
    label: str
    points: int
    dimension: Dimension
    measure: float | None = None
    evidence: tuple[str, ...] = ()
    #: When the rule's points next change by themselves (activities leaving its window, or
    #: future-dated ones entering); None for fit rules and for points that never change.
    until: datetime | None = None


class ScoreResult(NamedTuple):
    """A lead's score at `scored_at` under the rule set `ruleset_hash`."""

    lead_id: str
    total: int
    fit: int
    engagement: int
    priority: str
    follow_up: bool
    contributions: tuple[Contribution, ...]
    reasons: str
    ruleset_hash: str
    scored_at: datetime
    next_change_at: datetime | None


_SEPARATOR = {"ja": "、", "en": "; "}
_MORE = {"ja": "…他{n}件", "en": " … and {n} more"}


def reasons_text(
    contributions: Sequence[Contribution], language: str = "ja", max_length: int = 255
) -> str:
    """Contributions as short text, largest first, cut to `max_length` with a count of the rest."""
    if not contributions:
        return ""
    ordered = sorted(contributions, key=lambda item: -abs(item.points))
    parts = [f"{item.label} {item.points:+d}" for item in ordered]
    separator = _SEPARATOR[language]
    for shown in range(len(parts), -1, -1):
        hidden = len(parts) - shown
        text = separator.join(parts[:shown])
        if hidden:
            text += _MORE[language].format(n=hidden)
        if len(text) <= max_length:
            return text
    return _MORE[language].format(n=len(parts))[:max_length]
