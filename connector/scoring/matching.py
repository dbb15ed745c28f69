"""Which activities a rule looks at: kinds plus property filters, compiled and memoised."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter

from connector.model import Activity
from connector.scoring.conditions import Predicate, compile_condition
from connector.scoring.rules import EngagementRule

# Values repeat endlessly (the same pages, campaigns, answers, industries), so verdicts are
# remembered per value; the bound keeps a stream of unique URLs from growing a memo forever.
MEMO_LIMIT = 65_536


@dataclass(frozen=True, slots=True)
class Matcher:
    """The activities one or more rules look at; rules with equal filters share one."""

    index: int
    kinds: frozenset[str]
    filters: tuple[tuple[str, Predicate], ...]

    def matches(self, activity: Activity) -> bool:
        """True when every property filter holds for the activity (its kind is checked before)."""
        properties = activity.properties
        return all(holds(properties.get(name)) for name, holds in self.filters)


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
            filters = tuple((name, compile_condition(cond)) for name, cond in rule.where.items())
            by_signature[signature] = len(matchers)
            matchers.append(Matcher(len(matchers), rule.kinds(), filters))
        rule_matcher.append(by_signature[signature])
    return matchers, rule_matcher


class Route:
    """Which matchers an activity of one kind goes to, remembered per its filtered values.

    The filters look at a handful of properties whose values repeat (the same pages,
    campaigns, answers), so the whole verdict is one dict lookup on those values.
    """

    __slots__ = ("_matchers", "fixed", "name", "names", "seen")

    def __init__(self, matchers: Sequence[Matcher]) -> None:
        self._matchers = tuple(matchers)
        #: The properties the filters of this kind look at; their values are the memo key.
        self.names = tuple(sorted({name for m in matchers for name, _ in m.filters}))
        #: The one property filtered on, when there is exactly one: its value is the key.
        self.name = self.names[0] if len(self.names) == 1 else None
        #: Matcher indices per key: the value of `name`, else the tuple of `names`' values.
        self.seen: dict[object, tuple[int, ...]] = {}
        #: The matcher indices when no matcher of this kind filters (None otherwise).
        self.fixed = None if self.names else tuple(m.index for m in matchers)

    def resolve(self, key: object, activity: Activity) -> tuple[int, ...]:
        """Work out (and remember under `key`) the matchers whose filters hold for the activity."""
        seen = self.seen
        if len(seen) >= MEMO_LIMIT:
            seen.clear()
        found = seen[key] = tuple(m.index for m in self._matchers if m.matches(activity))
        return found


def build_routes(matchers: Sequence[Matcher]) -> dict[str, Route]:
    """One route per activity kind that any matcher looks at."""
    by_kind: dict[str, list[Matcher]] = {}
    for matcher in matchers:
        for kind in sorted(matcher.kinds):
            by_kind.setdefault(kind, []).append(matcher)
    return {kind: Route(kind_matchers) for kind, kind_matchers in by_kind.items()}


#: One matcher's activities of one lead: those in the window (oldest first), and later ones.
Matched = tuple[list[Activity], list[Activity]]

_OCCURRED_AT = attrgetter("occurred_at")


def match_all(
    activities: Iterable[Activity],
    routes: dict[str, Route],
    count: int,
    start: datetime,
    now: datetime,
) -> list[Matched | None]:
    """Per matcher, its activities inside (start, now] and after `now` (None when none match).

    This is the one pass every activity goes through: activities at or before `start` have left
    every rule's window for good and are dropped before any filter runs. It is the hot loop of
    a full run, hence the inlined memo lookups.
    """
    matched: list[Matched | None] = [None] * count
    route_of = routes.get
    for activity in activities:
        at = activity.occurred_at
        if at <= start:
            continue
        route = route_of(activity.kind)
        if route is None:
            continue
        targets = route.fixed
        if targets is None:
            name = route.name
            get = activity.properties.get
            key = get(name) if name is not None else tuple(map(get, route.names))
            targets = route.seen.get(key)
            if targets is None:
                targets = route.resolve(key, activity)
        for index in targets:
            found = matched[index]
            if found is None:
                found = matched[index] = ([], [])
            found[0 if at <= now else 1].append(activity)
    for found in matched:
        if found is not None and len(found[0]) > 1:
            found[0].sort(key=_OCCURRED_AT)
    return matched
