"""The breakdown field, version 1 (docs/breakdown.md): a result as compact JSON the CRM cards read.

Pure: a result and the lead's activities in, text out. The text is bounded to the field's
length by dropping evidence (oldest first), then whole rules (smallest first), so that what
the card shows is always a complete JSON object, never text the CRM cut mid-way.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from connector.model import Activity
from connector.scoring import ScoreResult
from connector.scoring.result import Contribution

VERSION = 1
#: A fit rule's matched value is cut to this many characters: a free-text attribute may be
#: long, and one rule's value should not crowd the others out of the field.
VALUE_MAX = 200
_ELLIPSIS = "…"

Document = dict[str, Any]
#: One evidence item as written: {"id": activity id, "at": when it happened (UTC) or None}.
Evidence = dict[str, str | None]


def breakdown_text(result: ScoreResult, activities: Iterable[Activity], limit: int) -> str:
    """The breakdown of `result`, at most `limit` characters ("" when even no rules do not fit).

    Characters are counted as UTF-16 code units, as Salesforce and HubSpot count them, so a
    label with an emoji is never cut by the CRM.
    """
    ordered = sorted(result.contributions, key=_largest_first)
    at = _dates(activities) if any(c.dimension == "engagement" for c in ordered) else {}
    document = _document(result, [_rule(contribution, at) for contribution in ordered])
    text = _dumps(document)
    if _length(text) <= limit:
        return text
    return _bounded(document, limit)


def _largest_first(contribution: Contribution) -> int:
    return -abs(contribution.points)


def _dates(activities: Iterable[Activity]) -> dict[str, datetime]:
    return {activity.id: activity.occurred_at for activity in activities}


def _document(result: ScoreResult, rules: list[Document]) -> Document:
    return {
        "v": VERSION,
        "score": result.total,
        "band": result.priority,
        "fit": result.fit,
        "engagement": result.engagement,
        "follow_up": result.follow_up,
        "rules_hash": result.ruleset_hash,
        # Blind to the diff (connector.model.breakdown_digest): it is new on every run.
        "scored_at": utc_text(result.scored_at),
        "next_change_at": utc_text(result.next_change_at),
        "rules": rules,
        "rules_more": 0,
        "truncated": False,
    }


def _rule(contribution: Contribution, at: dict[str, datetime]) -> Document:
    rule: Document = {
        "id": contribution.rule_id,
        "label": contribution.label,
        "points": contribution.points,
        "kind": contribution.dimension,
    }
    if contribution.dimension == "fit":
        value = contribution.evidence[0] if contribution.evidence else None
        rule["value"] = None if value is None else _cut(value, VALUE_MAX)
        return rule
    rule["measure"] = _number(contribution.measure)
    rule["until"] = utc_text(contribution.until)
    items = [{"id": item, "at": utc_text(at.get(item))} for item in contribution.evidence]
    # Newest first; ISO text in UTC sorts as time does, and an unknown date sorts last.
    items.sort(key=lambda item: item["at"] or "", reverse=True)
    rule["evidence"] = items
    rule["evidence_more"] = 0
    return rule


def utc_text(moment: datetime | None) -> str | None:
    """An instant as the breakdown writes it: UTC, whole seconds, `Z` (None stays None)."""
    return None if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _number(measure: float | None) -> int | float | None:
    if measure is None or not math.isfinite(measure):
        return None
    return int(measure) if measure.is_integer() else measure


def _cut(text: str, most: int) -> str:
    return text if len(text) <= most else text[: most - 1] + _ELLIPSIS


def _dumps(document: Document) -> str:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _length(text: str) -> int:
    """The text's length in UTF-16 code units (what a CRM's field length counts)."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def _bounded(document: Document, limit: int) -> str:
    """The document cut to `limit`: evidence oldest first, then rules smallest first."""
    rules: list[Document] = document["rules"]
    # Every evidence item by age, oldest first: (when, rule position, position in the rule).
    pool = sorted(
        (item["at"] or "", index, position)
        for index, rule in enumerate(rules)
        for position, item in enumerate(rule.get("evidence", ()))
    )
    truncated = {**document, "truncated": True}

    def without_evidence(dropped: int) -> str:
        gone: dict[int, set[int]] = {}
        for _, index, position in pool[:dropped]:
            gone.setdefault(index, set()).add(position)
        kept = [_thinned(rule, gone.get(index, set())) for index, rule in enumerate(rules)]
        return _dumps({**truncated, "rules": kept})

    found = _fewest(len(pool), without_evidence, limit)
    if found is not None:
        return found
    bare = [_thinned(rule, set(range(len(rule.get("evidence", ()))))) for rule in rules]

    def without_rules(dropped: int) -> str:
        kept = bare[: len(bare) - dropped]
        return _dumps({**truncated, "rules": kept, "rules_more": dropped})

    return _fewest(len(bare), without_rules, limit) or ""


def _thinned(rule: Document, gone: set[int]) -> Document:
    if "evidence" not in rule or not gone:
        return rule
    kept = [item for position, item in enumerate(rule["evidence"]) if position not in gone]
    return {**rule, "evidence": kept, "evidence_more": len(gone)}


def _fewest(most: int, render: Callable[[int], str], limit: int) -> str | None:
    """The text dropping the fewest items (0..most) that fits; None when even `most` does not.

    Each item dropped shortens the text by far more than its count's digits lengthen it, so
    the length falls as more are dropped, and a binary search finds the fewest.
    """
    text = render(most)
    if _length(text) > limit:
        return None
    low, high = 0, most  # render(high) fits
    while low < high:
        middle = (low + high) // 2
        candidate = render(middle)
        if _length(candidate) <= limit:
            high, text = middle, candidate
        else:
            low = middle + 1
    return text
