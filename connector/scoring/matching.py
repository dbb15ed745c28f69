"""Which activities a rule looks at: kinds plus property filters, compiled and memoised."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

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


def match_all(
    activities: Iterable[Activity],
    by_kind: dict[str, list[Matcher]],
    count: int,
    gone_before: datetime,
) -> list[list[Activity] | None]:
    """Per matcher, the activities it matches (None when none do).

    Activities at or before `gone_before` have left every rule's window for good and are
    skipped before any filter runs.
    """
    matched: list[list[Activity] | None] = [None] * count
    no_matchers: tuple[Matcher, ...] = ()
    matchers_of = by_kind.get
    for activity in activities:
        if activity.occurred_at <= gone_before:
            continue
        for matcher in matchers_of(activity.kind, no_matchers):
            if matcher.filters and not matcher.matches(activity):
                continue
            found = matched[matcher.index]
            if found is None:
                matched[matcher.index] = [activity]
            else:
                found.append(activity)
    return matched
