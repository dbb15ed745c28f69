"""Score one lead: fit rules on attributes, engagement rules on activities in the window."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from operator import attrgetter, itemgetter

from connector.model import Activity, Lead
from connector.scoring.conditions import compile_condition
from connector.scoring.matching import (
    MEMO_LIMIT,
    Matched,
    build_matchers,
    build_routes,
    match_all,
)
from connector.scoring.result import Contribution, ScoreResult, reasons_text
from connector.scoring.rules import Band, EngagementRule, FitRule, RuleSet
from connector.scoring.text import parse_number
from connector.scoring.window import next_points_change


class _Fit:
    """One fit rule, remembering its contribution per attribute value (values repeat a lot)."""

    __slots__ = ("_holds", "_rule", "_seen")

    def __init__(self, rule: FitRule) -> None:
        self._rule = rule
        self._holds = compile_condition(rule)
        self._seen: dict[str, Contribution | None] = {}

    def contribution(self, lead: Lead) -> Contribution | None:
        """The rule's contribution for the lead's attribute (None when it does not hold)."""
        value = lead.attributes.get(self._rule.field)
        if value is None:
            return None
        seen = self._seen
        if value in seen:
            return seen[value]
        if len(seen) >= MEMO_LIMIT:
            seen.clear()
        rule = self._rule
        holds = self._holds(value)
        found = seen[value] = (
            Contribution(rule.id, rule.label, rule.points, "fit", None, (value,)) if holds else None
        )
        return found


class _Engagement:
    """One engagement rule, with what its hot path needs pulled out of the model."""

    __slots__ = (
        "at_least",
        "cap",
        "matcher",
        "narrow",
        "per_occurrence",
        "points_each",
        "rule",
        "sum_of",
        "window",
    )

    def __init__(self, rule: EngagementRule, matcher: int, window: timedelta, longest: timedelta):
        self.rule = rule
        self.matcher = matcher
        self.window = window
        #: Shorter than the longest window, whose activities the matchers collect.
        self.narrow = window < longest
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
        self, found: Matched, now: datetime
    ) -> tuple[Contribution | None, datetime | None]:
        """The rule's contribution at `now`, and when its points next change."""
        inside, later = found
        if self.narrow:
            start = now - self.window
            inside = [activity for activity in inside if activity.occurred_at > start]
        name = self.sum_of
        if name is None:
            if not later and len(inside) < self.at_least:
                return _NOTHING  # too few now, and nothing dated later to add more
            weights, weight = None, 0
        else:
            weights = [_thousandths(a.properties.get(name)) for a in inside]
            weight = sum(weights)
        points = self.points(len(inside), weight)
        may_grow = bool(later) or (weights is not None and min(weights, default=0) < 0)
        if points == 0 and not may_grow:
            # Nothing is dated in the future and no weight is negative, so the measures only
            # shrink as activities leave: a rule that gives nothing now never will.
            return _NOTHING
        change_at = self._next_change(inside, later, weights, points, now, may_grow)
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
        may_grow: bool,
    ) -> datetime | None:
        if may_grow:
            occurrences = [(a.occurred_at, self.weight(a)) for a in [*inside, *later]]
            return next_points_change(occurrences, now, self.window, self.points)
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
        self._fit = tuple(_Fit(rule) for rule in rules.fit)
        self._reasons: dict[tuple[tuple[str, int], ...], str] = {}
        matchers, rule_matcher = build_matchers(rules.engagement)
        self._matcher_count = len(matchers)
        self._routes = build_routes(matchers)
        default = rules.window_days
        windows = [timedelta(days=rule.window_days or default) for rule in rules.engagement]
        self._longest_window = longest = max(windows, default=timedelta(days=rules.window_days))
        self._engagement = tuple(
            _Engagement(rule, matcher, window, longest)
            for rule, matcher, window in zip(rules.engagement, rule_matcher, windows, strict=True)
        )

    def score(self, lead: Lead, activities: Iterable[Activity], now: datetime) -> ScoreResult:
        """The lead's score as of `now` (timezone-aware) from its activities."""
        contributions = []
        fit_points = 0
        for fit in self._fit:
            contribution = fit.contribution(lead)
            if contribution is not None:
                contributions.append(contribution)
                fit_points += contribution.points
        total = fit_points
        longest = self._longest_window
        matched = match_all(activities, self._routes, self._matcher_count, now - longest, now)
        next_change: datetime | None = None
        for engagement in self._engagement:
            found = matched[engagement.matcher]
            if found is None:
                continue
            contribution, change_at = engagement.evaluate(found, now)
            if contribution is not None:
                contributions.append(contribution)
                total += contribution.points
            if change_at is not None and (next_change is None or change_at < next_change):
                next_change = change_at
        band = band_for(self.rules.bands, total)
        return ScoreResult(
            lead_id=lead.id,
            total=total,
            fit=fit_points,
            engagement=total - fit_points,
            priority=band.label,
            follow_up=band.follow_up,
            contributions=tuple(contributions),
            reasons=self._reasons_text(contributions),
            ruleset_hash=self.ruleset_hash,
            scored_at=now,
            next_change_at=next_change,
        )

    def _reasons_text(self, contributions: list[Contribution]) -> str:
        # Leads share a few combinations of (label, points): write each text once.
        key = tuple(map(_LABEL_POINTS, contributions))
        text = self._reasons.get(key)
        if text is None:
            if len(self._reasons) >= MEMO_LIMIT:
                self._reasons.clear()
            rules = self.rules
            text = reasons_text(contributions, rules.language, rules.reasons_max_length)
            self._reasons[key] = text
        return text


def band_for(bands: Sequence[Band], total: int) -> Band:
    """The first band whose threshold the total is strictly above (the last band otherwise)."""
    for band in bands:
        if band.above is None or total > band.above:
            return band
    return bands[-1]


_ID = attrgetter("id")
_NOTHING = (None, None)
_LABEL_POINTS = itemgetter(1, 2)


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
