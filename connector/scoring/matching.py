"""Which activities a rule looks at: kinds plus property filters, compiled and memoised."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter

from connector.model import Activity, PropertyValue
from connector.scoring.conditions import Predicate, compile_condition
from connector.scoring.rules import EngagementRule

# Property values repeat endlessly (the same pages, campaigns, answers), so each filter
# remembers its verdicts; the bound keeps a stream of unique URLs from growing it forever.
_MEMO_LIMIT = 65_536


class Memoised:
    """A predicate that remembers its answer per value."""

    __slots__ = ("_holds", "_seen")

    def __init__(self, holds: Predicate) -> None:
        self._holds = holds
        self._seen: dict[PropertyValue | None, bool] = {}

    def __call__(self, value: PropertyValue | None) -> bool:
        seen = self._seen
        verdict = seen.get(value)
        if verdict is None:
            if len(seen) >= _MEMO_LIMIT:
                seen.clear()
            verdict = seen[value] = self._holds(value)
        return verdict


@dataclass(frozen=True, slots=True)
class Matcher:
    """The activities one or more rules look at; rules with equal filters share one."""

    index: int
    kinds: frozenset[str]
    filters: tuple[tuple[str, Memoised], ...]

    def matches(self, activity: Activity) -> bool:
        """True when every property filter holds for the activity (its kind is checked before)."""
        properties = activity.properties
        for name, holds in self.filters:  # noqa: SIM110 - a loop beats all(<genexpr>) here
            if not holds(properties.get(name)):
                return False
        return True


def _signature(rule: EngagementRule) -> tuple[object, ...]:
    where = tuple(sorted((name, cond.model_dump_json()) for name, cond in rule.where.items()))
    return (rule.kinds(), where)


def build_matchers(rules: Sequence[EngagementRule]) -> tuple[list[Matcher], list[int]]:
    """One matcher per distinct (kinds, filters), and each rule's matcher index."""
    matchers: list[Matcher] = []
    by_signature: dict[tuple[object, ...], int] = {}
    rule_matcher: list[int] = []
    for rule in rules:
        signature = _signature(rule)
        if signature not in by_signature:
            filters = tuple(
                (name, Memoised(compile_condition(cond))) for name, cond in rule.where.items()
            )
            by_signature[signature] = len(matchers)
            matchers.append(Matcher(len(matchers), rule.kinds(), filters))
        rule_matcher.append(by_signature[signature])
    return matchers, rule_matcher


@dataclass(slots=True)
class Matched:
    """One matcher's activities of one lead: those in the window (oldest first), and later ones."""

    inside: list[Activity]
    later: list[Activity]


_OCCURRED_AT = attrgetter("occurred_at")


def match_all(
    activities: Iterable[Activity],
    by_kind: dict[str, list[Matcher]],
    count: int,
    start: datetime,
    now: datetime,
) -> list[Matched | None]:
    """Per matcher, its activities inside (start, now] and after `now` (None when none match).

    This is the one pass every activity goes through: activities at or before `start` have left
    every rule's window for good and are dropped before any filter runs.
    """
    matched: list[Matched | None] = [None] * count
    matchers_of = by_kind.get
    for activity in activities:
        at = activity.occurred_at
        if at <= start:
            continue
        for matcher in matchers_of(activity.kind, ()):
            if matcher.filters and not matcher.matches(activity):
                continue
            found = matched[matcher.index]
            if found is None:
                found = matched[matcher.index] = Matched([], [])
            (found.inside if at <= now else found.later).append(activity)
    for found in matched:
        if found is not None and len(found.inside) > 1:
            found.inside.sort(key=_OCCURRED_AT)
    return matched
