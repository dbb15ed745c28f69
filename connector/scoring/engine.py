"""Score one lead: fit rules on attributes, engagement rules on activities in the window."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from operator import attrgetter

from connector.model import Activity, Lead
from connector.scoring.conditions import compile_condition
from connector.scoring.matching import Matched, Matcher, Memoised, build_matchers, match_all
from connector.scoring.result import Contribution, ScoreResult, reasons_text
from connector.scoring.rules import Band, EngagementRule, FitRule, RuleSet
from connector.scoring.text import parse_number
from connector.scoring.window import next_points_change


@dataclass(frozen=True, slots=True)
class _Fit:
    rule: FitRule
    holds: Memoised

    def contribution(self, lead: Lead) -> Contribution | None:
        value = lead.attributes.get(self.rule.field)
        if value is None or not self.holds(value):
            return None
        return Contribution(self.rule.id, self.rule.label, self.rule.points, "fit", None, (value,))


class _Engagement:
    """One engagement rule, with what its hot path needs pulled out of the model."""

    __slots__ = (
        "at_least",
        "cap",
        "matcher",
        "per_occurrence",
        "points_each",
        "rule",
        "sum_of",
        "window",
    )

    def __init__(self, rule: EngagementRule, matcher: int, window: timedelta) -> None:
        self.rule = rule
        self.matcher = matcher
        self.window = window
        self.sum_of = rule.sum
        self.at_least = rule.at_least
        self.points_each = rule.points
        self.per_occurrence = rule.per_occurrence
        self.cap = rule.max_points or 0

    def weight(self, activity: Activity) -> int:
        """The summed property of one activity, in thousandths (0 for counting rules)."""
        name = self.sum_of
        return 0 if name is None else _thousandths(activity.properties.get(name))

    def points(self, count: int, weight: int) -> int:
        """The rule's points for this many matching activities and this summed weight."""
        measure = count if self.sum_of is None else weight / 1000
        if count == 0 or measure < self.at_least:
            return 0
        if not self.per_occurrence:
            return self.points_each
        magnitude = min(abs(self.points_each) * count, self.cap)
        return magnitude if self.points_each > 0 else -magnitude

    def evaluate(
        self, found: Matched, now: datetime, longest: timedelta
    ) -> tuple[Contribution | None, datetime | None]:
        """The rule's contribution at `now`, and when its points next change."""
        inside = found.inside
        if self.window < longest:
            start = now - self.window
            inside = [activity for activity in inside if activity.occurred_at > start]
        weights = None if self.sum_of is None else [self.weight(a) for a in inside]
        weight = 0 if weights is None else sum(weights)
        points = self.points(len(inside), weight)
        change_at = self._next_change(inside, found.later, weights, points, now)
        if points == 0:
            return None, change_at
        rule = self.rule
        measure = weight / 1000 if weights is not None else float(len(inside))
        evidence = tuple(map(_ID, inside))
        return Contribution(rule.id, rule.label, points, "engagement", measure, evidence), change_at

    def _next_change(
        self,
        inside: list[Activity],
        later: list[Activity],
        weights: list[int] | None,
        points: int,
        now: datetime,
    ) -> datetime | None:
        if later or (weights is not None and min(weights, default=0) < 0):
            occurrences = [(a.occurred_at, self.weight(a)) for a in [*inside, *later]]
            return next_points_change(occurrences, now, self.window, self.points)
        if points == 0:
            # Nothing is dated in the future and no weight is negative, so the measures only
            # shrink as activities leave: a rule that gives nothing now never will.
            return None
        if self.sum_of is None and not self.per_occurrence:
            # A count rule stops when fewer than `at_least` remain: when the oldest
            # len - at_least + 1 activities have left (`inside` is oldest first).
            needed = math.ceil(self.at_least)
            return inside[len(inside) - needed].occurred_at + self.window
        return _first_exit_change(inside, weights, self.window, points, self.points)


class Scorer:
    """Scores leads under one rule set; build it once, call `score` per lead."""

    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules
        self.ruleset_hash = rules.content_hash()
        self._fit = tuple(_Fit(rule, Memoised(compile_condition(rule))) for rule in rules.fit)
        matchers, rule_matcher = build_matchers(rules.engagement)
        self._matcher_count = len(matchers)
        self._by_kind = _index_by_kind(matchers)
        self._engagement = tuple(
            _Engagement(rule, matcher, timedelta(days=rule.window_days or rules.window_days))
            for rule, matcher in zip(rules.engagement, rule_matcher, strict=True)
        )
        windows = [engagement.window for engagement in self._engagement]
        self._longest_window = max(windows, default=timedelta(days=rules.window_days))

    def score(self, lead: Lead, activities: Iterable[Activity], now: datetime) -> ScoreResult:
        """The lead's score as of `now` (timezone-aware) from its activities."""
        contributions = [c for fit in self._fit if (c := fit.contribution(lead)) is not None]
        longest = self._longest_window
        matched = match_all(activities, self._by_kind, self._matcher_count, now - longest, now)
        next_change: datetime | None = None
        for engagement in self._engagement:
            found = matched[engagement.matcher]
            if found is None:
                continue
            contribution, change_at = engagement.evaluate(found, now, longest)
            if contribution is not None:
                contributions.append(contribution)
            if change_at is not None and (next_change is None or change_at < next_change):
                next_change = change_at
        return self._result(lead.id, contributions, now, next_change)

    def _result(
        self,
        lead_id: str,
        contributions: list[Contribution],
        now: datetime,
        next_change: datetime | None,
    ) -> ScoreResult:
        fit = total = 0
        for contribution in contributions:
            total += contribution.points
            if contribution.dimension == "fit":
                fit += contribution.points
        band = band_for(self.rules.bands, total)
        rules = self.rules
        return ScoreResult(
            lead_id=lead_id,
            total=total,
            fit=fit,
            engagement=total - fit,
            priority=band.label,
            follow_up=band.follow_up,
            contributions=tuple(contributions),
            reasons=reasons_text(contributions, rules.language, rules.reasons_max_length),
            ruleset_hash=self.ruleset_hash,
            scored_at=now,
            next_change_at=next_change,
        )


def band_for(bands: Sequence[Band], total: int) -> Band:
    """The first band whose threshold the total is strictly above (the last band otherwise)."""
    for band in bands:
        if band.above is None or total > band.above:
            return band
    return bands[-1]


def _index_by_kind(matchers: Sequence[Matcher]) -> dict[str, list[Matcher]]:
    by_kind: dict[str, list[Matcher]] = defaultdict(list)
    for matcher in matchers:
        for kind in matcher.kinds:
            by_kind[kind].append(matcher)
    return dict(by_kind)


_ID = attrgetter("id")


def _first_exit_change(
    inside: list[Activity],
    weights: list[int] | None,
    window: timedelta,
    points: int,
    points_of: Callable[[int, int], int],
) -> datetime | None:
    """When the first exit (oldest first) changes the points; equal times leave together."""
    count, weight = len(inside), sum(weights) if weights is not None else 0
    position = 0
    while position < len(inside):
        at = inside[position].occurred_at
        while position < len(inside) and inside[position].occurred_at == at:
            count -= 1
            weight -= weights[position] if weights is not None else 0
            position += 1
        if points_of(count, weight) != points:
            return at + window
    return None


def _thousandths(value: object) -> int:
    number = value if isinstance(value, float) else parse_number(value)  # type: ignore[arg-type]
    return round(number * 1000) if number is not None else 0
